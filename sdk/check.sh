#!/usr/bin/env bash
# SDK checks (CI calls this): type-check the TypeScript SDK with the pinned tsc, run the Python SDK's
# pytest suite with the pinned pydantic in sdk/python/.venv, ruff and mypy --strict, test both hand-written
# rule interpreters on runtime_cases.json, then install each package the way a user
# would (the npm pack tarball into a scratch project, the wheel into a fresh venv; both in a temp dir
# removed on exit) and use it from there. Idempotent; runs from any directory; the only network it
# uses is the npm and PyPI registries, and only when something is not installed or cached.
set -euo pipefail

sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3.11}"

echo "== typescript: npm ci (typescript pinned in sdk/typescript/package-lock.json)"
cd "$sdk/typescript"
# npm ci always starts from a clean node_modules; skip it when it last ran on this very lock file.
if ! cmp -s package-lock.json node_modules/.handshake-installed-lock 2>/dev/null; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.handshake-installed-lock
fi
echo "== typescript: tsc --strict --noEmit"
npx --no-install tsc --strict --noEmit -p "$sdk/typescript"
echo "== typescript: rules runtime checks (tsc into sdk/typescript/.build, then node on tests/corpus_rules)"
rm -rf "$sdk/typescript/.build"
npx --no-install tsc -p "$sdk/typescript/tsconfig.test.json"
node "$sdk/typescript/.build/test/rules_verdicts.js" --check "$sdk/../tests/corpus_rules"
echo "== typescript: the hand-written rule interpreter (src/runtime/rules.ts) on its own cases (runtime_cases.json)"
node "$sdk/typescript/.build/test/runtime_rules.js" "$sdk/runtime_cases.json"
echo "== typescript: canonical JSON (crates/canonical/vectors) and the prompt hashes PromptEnvelope records store"
node "$sdk/typescript/.build/test/canonical_vectors.js" --vectors "$sdk/../crates/canonical/vectors" \
  --envelopes "$sdk/../tests/corpus_rules" "$sdk/../tests/examples"
echo "== typescript: parseJson / validateJson (duplicate keys, nesting depth, strict JSON; valid records still pass)"
node "$sdk/typescript/.build/test/json_text.js" --valid "$sdk"/../tests/corpus/*/valid/*.json \
  "$sdk"/../tests/examples/*/valid/*.json
echo "== typescript: validateJson (strict text, Ajv + rules) on tests/corpus, tests/examples and tests/corpus_rules"
node "$sdk/typescript/.build/test/corpus_verdicts.js" \
  --records "$sdk/../tests/corpus" "$sdk/../tests/examples" --rules "$sdk/../tests/corpus_rules"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
echo "== typescript: tsc --strict on the golden outputs (tests/golden/*/expected/typescript), beside the SDK's runtime"
# A golden's rules.ts imports ../runtime/rules.js, which is not in the golden folder: lay each case
# out as a folder of src/ next to copies of the hand-written runtime and canonical JSON module, as
# codegen's output folder sits in the SDK, and type-check them all with the SDK's own tsconfig.
goldens="$scratch/ts-goldens"
mkdir -p "$goldens/src"
cp -r "$sdk/typescript/src/runtime" "$sdk/typescript/src/canonical.ts" "$sdk/typescript/src/node_crypto.d.ts" "$goldens/src/"
for case_dir in "$sdk"/../tests/golden/*/expected/typescript/; do
  case_name="$(basename "$(dirname "$(dirname "$case_dir")")")"
  mkdir "$goldens/src/golden_$case_name"
  cp "$case_dir"*.ts "$goldens/src/golden_$case_name/"
done
printf '{ "type": "module" }\n' > "$goldens/package.json"
printf '{ "extends": "%s", "include": ["src/**/*.ts"] }\n' "$sdk/typescript/tsconfig.json" > "$goldens/tsconfig.json"
ln -s "$sdk/typescript/node_modules" "$goldens/node_modules"
npx --no-install tsc -p "$goldens"

echo "== typescript: the package as a user gets it (npm pack, npm install the tarball in a scratch project, plain node)"
# npm pack runs the package's prepack script (tsc -p tsconfig.build.json into dist/), so a broken
# build, exports map or files list fails here. The scratch project lives in a temp dir; its ajv,
# ajv-formats and jsonc-parser come from the npm cache when they are there (--prefer-offline), else the registry.
mkdir "$scratch/pack" "$scratch/ts-user"
if ! npm pack --pack-destination "$scratch/pack" >"$scratch/pack.log" 2>&1; then
  cat "$scratch/pack.log" >&2
  exit 1
fi
tarball=("$scratch"/pack/*.tgz)
cd "$scratch/ts-user"
printf '{ "name": "ts-user", "private": true, "type": "module" }\n' > package.json
npm install --silent --no-audit --no-fund --prefer-offline --no-package-lock "${tarball[0]}"
if [[ -e node_modules/@handshake/job-model/src || -e node_modules/@handshake/job-model/test ]]; then
  echo "the tarball ships sources or tests (files in sdk/typescript/package.json)" >&2
  exit 1
fi
if [[ ! -f node_modules/@handshake/job-model/dist/runtime/rules.js || ! -f node_modules/@handshake/job-model/dist/runtime/rules.d.ts ]]; then
  echo "the tarball lacks the rule interpreter dist/runtime/rules.{js,d.ts} that generated/rules.js imports" >&2
  exit 1
fi
cp "$sdk/typescript/test/package/consumer.mjs" "$sdk/typescript/test/package/consumer.mts" .
node consumer.mjs "$sdk/../tests/corpus/ai_job/valid/required_only.json" \
  "$sdk/../tests/corpus/ai_job/invalid/record_as_array.json"
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "noEmit": true, "target": "ES2022", "lib": ["ES2022"],
    "module": "NodeNext", "moduleResolution": "NodeNext", "types": [] },
  "files": ["consumer.mts"] }
JSON
"$sdk/typescript/node_modules/.bin/tsc" -p .
cd "$sdk"

echo "== python: venv with pinned requirements"
cd "$sdk/python"
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
# Re-install only when requirements.txt changed since the last successful install.
stamp=.venv/.requirements.installed
if ! cmp -s requirements.txt "$stamp" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.txt
  .venv/bin/python -m pip check
  cp requirements.txt "$stamp"
fi
echo "== python: pytest"
.venv/bin/python -m pytest -q "$sdk/python/tests"
echo "== python: ruff on the hand-written modules and tests (rules in pyproject.toml; generated/ excluded)"
.venv/bin/python -m ruff check --no-cache --quiet .
echo "== python: mypy --strict on the package (the hand-written _runtime and the generated modules that use it)"
.venv/bin/python -m mypy --strict handshake_job_model
echo "== python: mypy --strict on the golden outputs (tests/golden/*/expected/python), as subpackages beside the runtime"
# A golden imports .._runtime, which is not in its folder: put each case into a copy of the package,
# where codegen's output folder sits, and check them all (the copy's cache stays in the temp dir).
mkdir "$scratch/py-goldens"
cp -r handshake_job_model "$scratch/py-goldens/"
find "$scratch/py-goldens" -name __pycache__ -prune -exec rm -rf {} +
for case_dir in "$sdk"/../tests/golden/*/expected/python/; do
  golden="$scratch/py-goldens/handshake_job_model/golden_$(basename "$(dirname "$(dirname "$case_dir")")")"
  mkdir "$golden"
  cp "$case_dir"*.py "$golden/"
done
(cd "$scratch/py-goldens" && "$sdk/python/.venv/bin/python" -m mypy --strict --cache-dir .mypy_cache handshake_job_model)
echo "== python: the wheel as a user gets it (pip wheel, install into a fresh venv, import outside the tree)"
# Built from a copy in the temp dir, so setuptools' build/ and *.egg-info never land in the tree.
# The build backend is pinned by build-constraints.txt; the wheel's dependencies are installed from
# the pip cache or PyPI, constrained to requirements.txt's pins.
mkdir "$scratch/py-src" "$scratch/py-dist" "$scratch/py-user"
cp pyproject.toml "$scratch/py-src/"
cp -r handshake_job_model "$scratch/py-src/"
find "$scratch/py-src" -name __pycache__ -prune -exec rm -rf {} +
PIP_CONSTRAINT="$sdk/python/build-constraints.txt" .venv/bin/python -m pip wheel --quiet \
  --disable-pip-version-check --no-deps --wheel-dir "$scratch/py-dist" "$scratch/py-src"
wheel=("$scratch"/py-dist/*.whl)
"$python" -m venv "$scratch/py-user/venv"
"$scratch/py-user/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -c requirements.txt "${wheel[0]}"
cp tests/package/consumer.py "$scratch/py-user/"
(cd "$scratch/py-user" && venv/bin/python -I consumer.py \
  "$sdk/../tests/corpus/ai_job/valid/required_only.json" \
  "$sdk/../tests/corpus/ai_job/invalid/record_as_array.json")
echo "== sdk checks passed"
