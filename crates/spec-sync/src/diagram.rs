//! The state machine diagram of §2.6.6.3.1: box-drawing art read as a grid.
//!
//! A box is a row `│ name │` with its border rows above and below. Lines are the box-drawing
//! characters outside boxes, connected only where both cells have an arm towards each other
//! (`─` has left and right arms, `┬` left, right and down, `▼` an arm up and a head pointing
//! down, …). Each connected line is read as one drawn connection: the boxes its arrowheads point
//! into are its targets, the boxes it leaves without an arrowhead are its sources, and every
//! source reaches every target. A line that forks (the long line of v02.84 from `awaiting_user`)
//! therefore gives one edge per branch.

use std::collections::BTreeSet;

/// One drawn edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// Source state.
    pub from: String,
    /// Target state.
    pub to: String,
}

const UP: usize = 0;
const RIGHT: usize = 1;
const DOWN: usize = 2;
const LEFT: usize = 3;
const STEPS: [(isize, isize); 4] = [(-1, 0), (0, 1), (1, 0), (0, -1)];

/// Arms of a line character, and the direction its arrowhead points (if any).
fn arms(c: char) -> Option<([bool; 4], Option<usize>)> {
    let (arms, head) = match c {
        '─' => ([false, true, false, true], None),
        '│' => ([true, false, true, false], None),
        '┌' => ([false, true, true, false], None),
        '┐' => ([false, false, true, true], None),
        '└' => ([true, true, false, false], None),
        '┘' => ([true, false, false, true], None),
        '┬' => ([false, true, true, true], None),
        '┴' => ([true, true, false, true], None),
        '├' => ([true, true, true, false], None),
        '┤' => ([true, false, true, true], None),
        '┼' => ([true, true, true, true], None),
        '▶' => ([false, true, false, true], Some(RIGHT)),
        '◀' => ([false, true, false, true], Some(LEFT)),
        '▼' => ([true, false, true, false], Some(DOWN)),
        '▲' => ([true, false, true, false], Some(UP)),
        _ => return None,
    };
    Some((arms, head))
}

fn is_border(c: char) -> bool {
    matches!(c, '─' | '│' | '┌' | '┐' | '└' | '┘' | '┬' | '┴')
}

struct Grid {
    cells: Vec<Vec<char>>,
}

impl Grid {
    fn get(&self, row: isize, col: isize) -> Option<char> {
        if row < 0 || col < 0 {
            return None;
        }
        self.cells
            .get(row as usize)
            .and_then(|line| line.get(col as usize))
            .copied()
    }
}

/// The edges a diagram draws, or `None` when it holds no box with a name.
pub fn edges(content: &str) -> Option<Vec<Edge>> {
    let grid = Grid {
        cells: content.lines().map(|l| l.chars().collect()).collect(),
    };
    // boxes: `│ name │` rows; owner[row][col] = box index for their border cells
    let rows = grid.cells.len();
    let mut owner: Vec<Vec<Option<usize>>> =
        grid.cells.iter().map(|l| vec![None; l.len() + 1]).collect();
    let mut names = Vec::new();
    for (row, line) in grid.cells.iter().enumerate() {
        let mut col = 0;
        while col < line.len() {
            if line[col] != '│' {
                col += 1;
                continue;
            }
            let Some(close) = (col + 1..line.len()).find(|&c| line[c] == '│') else {
                break;
            };
            let inner: String = line[col + 1..close].iter().collect();
            let name = inner.trim();
            let is_name = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !is_name {
                col += 1;
                continue;
            }
            let index = names.len();
            names.push(name.to_string());
            owner[row][col..=close].fill(Some(index));
            // border rows: contiguous border characters overlapping the name row's span
            for border in [row.wrapping_sub(1), row + 1] {
                if border >= rows {
                    continue;
                }
                let cells = &grid.cells[border];
                let start = col.saturating_sub(1);
                let end = (close + 1).min(cells.len().saturating_sub(1));
                let Some(seed) = (start..=end)
                    .find(|&c| cells.get(c).is_some_and(|&ch| is_border(ch) && ch != '│'))
                else {
                    continue;
                };
                let mut left = seed;
                while left > 0 && is_border(cells[left - 1]) && cells[left - 1] != '│' {
                    left -= 1;
                }
                let mut right = seed;
                while right + 1 < cells.len()
                    && is_border(cells[right + 1])
                    && cells[right + 1] != '│'
                {
                    right += 1;
                }
                owner[border][left..=right].fill(Some(index));
            }
            col = close + 1;
        }
    }
    if names.is_empty() {
        return None;
    }
    let box_at = |row: isize, col: isize| -> Option<usize> {
        if row < 0 || col < 0 {
            return None;
        }
        owner
            .get(row as usize)?
            .get(col as usize)
            .copied()
            .flatten()
    };

    // lines: flood over line cells outside boxes through matching arms
    let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut out: BTreeSet<Edge> = BTreeSet::new();
    for row in 0..rows {
        for col in 0..grid.cells[row].len() {
            if seen.contains(&(row, col))
                || box_at(row as isize, col as isize).is_some()
                || arms(grid.cells[row][col]).is_none()
            {
                continue;
            }
            let mut sources = BTreeSet::new();
            let mut targets = BTreeSet::new();
            let mut stack = vec![(row, col)];
            seen.insert((row, col));
            while let Some((r, c)) = stack.pop() {
                let (own, head) = arms(grid.cells[r][c]).expect("line cell");
                for direction in 0..4 {
                    if !own[direction] {
                        continue;
                    }
                    let (dr, dc) = STEPS[direction];
                    let (nr, nc) = (r as isize + dr, c as isize + dc);
                    // hand-drawn art drifts: a row with a wider box shifts what follows it by a
                    // column, so a vertical line may continue one column left or right
                    let candidates: &[isize] = if dr == 0 { &[0] } else { &[0, -1, 1] };
                    for &shift in candidates {
                        let nc = nc + shift;
                        if let Some(target) = box_at(nr, nc) {
                            if head == Some(direction) {
                                targets.insert(target);
                            } else {
                                sources.insert(target);
                            }
                            break;
                        }
                        let Some((next_arms, _)) = grid.get(nr, nc).and_then(arms) else {
                            continue;
                        };
                        if next_arms[(direction + 2) % 4] {
                            if seen.insert((nr as usize, nc as usize)) {
                                stack.push((nr as usize, nc as usize));
                            }
                            break;
                        }
                    }
                }
            }
            for &from in &sources {
                for &to in &targets {
                    if from != to {
                        out.insert(Edge {
                            from: names[from].clone(),
                            to: names[to].clone(),
                        });
                    }
                }
            }
        }
    }
    Some(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(content: &str) -> Vec<(String, String)> {
        edges(content)
            .unwrap()
            .into_iter()
            .map(|e| (e.from, e.to))
            .collect()
    }

    #[test]
    fn straight_arrows_and_a_forked_line() {
        let diagram = "\
┌─────┐    ┌──────┐
│ new │───▶│ done │──┐
└──┬──┘    └──────┘  │
   │                 │
   ▼                 │
┌──────┐             │
│ lost │◀────────────┤
└──────┘             │
                     ▼
                 ┌──────┐
                 │ gone │
                 └──────┘
";
        assert_eq!(
            pairs(diagram),
            vec![
                ("done".into(), "gone".into()),
                ("done".into(), "lost".into()),
                ("new".into(), "done".into()),
                ("new".into(), "lost".into()),
            ]
        );
    }

    #[test]
    fn misaligned_borders_still_make_a_box_and_prose_is_no_diagram() {
        let diagram = "┌────┐    ┌──────────┐\n│ a  │───▶│ b_longer  │\n└────┘    └──────────┘\n";
        assert_eq!(pairs(diagram), vec![("a".into(), "b_longer".into())]);
        assert_eq!(edges("Name\n- field: int\n"), None);
    }
}
