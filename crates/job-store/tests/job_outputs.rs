//! Profile outputs (`job_outputs`, §2.6.6.6.1, spec/outputs.yaml) on SQLite and Postgres: every
//! example of `tests/examples/job_outputs/valid/` round-trips through the `ai_jobs` row, whether
//! the job is created with it or it is recorded later (`JobStore::record_outputs`), and the store
//! refuses outputs of another profile and outputs of a finished job, writing nothing.

mod common;

use std::path::PathBuf;

use common::*;
use handshake_job_model::{JobKind, JobOutputs, JobState, ModelError};
use handshake_job_store::{NoRequirements, StoreError};

/// The valid `JobOutputs` examples, by file name, one or more per profile with outputs.
fn examples() -> Vec<(String, JobOutputs)> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/examples/job_outputs/valid");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no job_outputs examples in {}",
        dir.display()
    );
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable example");
            let outputs = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not a JobOutputs: {e}", path.display()));
            let name = path
                .file_stem()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, outputs)
        })
        .collect()
}

/// The profile tag of `outputs` (`profile` on the wire).
fn profile_of(outputs: &JobOutputs) -> String {
    serde_json::to_value(outputs).expect("serializes")["profile"]
        .as_str()
        .expect("tagged")
        .to_owned()
}

/// The first job kind bound to `profile`.
fn kind_of(profile: &str) -> JobKind {
    JobKind::ALL
        .into_iter()
        .find(|kind| kind.profile().name == profile)
        .unwrap_or_else(|| panic!("no job kind is bound to profile {profile}"))
}

/// `outputs` as `job` would record them: their provenance names the job (HSK-RULE-PRF-045, 046)
/// and, for imported blocks, the source file of the job's Docling inputs (HSK-RULE-PRF-047). The
/// examples are written for a job of their own, so they are re-addressed by JSON edits.
fn as_outputs_of(outputs: &JobOutputs, job: &handshake_job_model::AiJob) -> JobOutputs {
    fn readdress(
        value: &mut serde_json::Value,
        job_id: &serde_json::Value,
        file: Option<&serde_json::Value>,
    ) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, item) in fields.iter_mut() {
                    if key == "asr_origin" || key == "ai_origin" {
                        item["job_id"] = job_id.clone();
                        if let (Some(file), true) = (file, key == "ai_origin") {
                            item["source_file_id"] = file.clone();
                        }
                    }
                    readdress(item, job_id, file);
                }
            }
            serde_json::Value::Array(items) => {
                items
                    .iter_mut()
                    .for_each(|item| readdress(item, job_id, file));
            }
            _ => {}
        }
    }
    let job = serde_json::to_value(job).expect("serializes");
    let file = job["job_inputs"].get("source_file_id").cloned();
    let mut value = serde_json::to_value(outputs).expect("serializes");
    readdress(&mut value, &job["job_id"], file.as_ref());
    serde_json::from_value(value).expect("still a JobOutputs")
}

/// A job of a kind of `profile`, as JSON edits on the shared fixture.
fn job_of(profile: &str, outputs: Option<&JobOutputs>) -> handshake_job_model::AiJob {
    let mut job = job_of_kind(kind_of(profile).as_str());
    job.job_outputs = outputs.map(|outputs| as_outputs_of(outputs, &job));
    job
}

#[test]
fn outputs_given_at_creation_round_trip_for_every_profile() {
    on_both(
        || NoRequirements,
        |store| async move {
            for (name, outputs) in examples() {
                let job = job_of(&profile_of(&outputs), Some(&outputs));
                let id = job.job_id;
                let outputs = job.job_outputs.clone().expect("outputs");
                store.create(job, ACTOR).await.expect("create");
                let read = store.get(id).await.expect("get").job;
                assert_eq!(
                    read.job_outputs.as_ref(),
                    Some(&outputs),
                    "{name} on {:?}",
                    store.dialect()
                );
            }
            let job = sample_job();
            let id = job.job_id;
            store.create(job, ACTOR).await.expect("create");
            assert_eq!(
                store.get(id).await.expect("get").job.job_outputs,
                None,
                "absent stays absent"
            );
        },
    );
}

#[test]
fn recorded_outputs_round_trip_and_replace_earlier_ones() {
    on_both(
        || NoRequirements,
        |store| async move {
            for (name, outputs) in examples() {
                let profile = profile_of(&outputs);
                let job = job_of(&profile, None);
                let id = job.job_id;
                let outputs = as_outputs_of(&outputs, &job);
                store.create(job, ACTOR).await.expect("create");
                let version = walk(
                    &store,
                    id,
                    1,
                    &[JobState::Running, JobState::AwaitingValidation],
                )
                .await;
                store
                    .record_outputs(id, &outputs, ACTOR)
                    .await
                    .expect("record outputs");
                let read = store.get(id).await.expect("get");
                assert_eq!(
                    read.job.job_outputs.as_ref(),
                    Some(&outputs),
                    "{name} on {:?}",
                    store.dialect()
                );
                assert_eq!(
                    read.version, version,
                    "recording outputs does not change the version"
                );
            }
            // A second recording replaces the first.
            let all = examples();
            let (first, second) = all
                .iter()
                .zip(all.iter().skip(1))
                .map(|((_, a), (_, b))| (a, b))
                .find(|(a, b)| profile_of(a) == profile_of(b) && a != b)
                .expect("two different examples of one profile");
            let job = job_of(&profile_of(first), None);
            let id = job.job_id;
            store.create(job, ACTOR).await.expect("create");
            store.record_outputs(id, first, ACTOR).await.expect("first");
            store
                .record_outputs(id, second, ACTOR)
                .await
                .expect("second");
            assert_eq!(
                store.get(id).await.expect("get").job.job_outputs.as_ref(),
                Some(second)
            );
        },
    );
}

#[test]
fn outputs_of_another_profile_are_refused_and_nothing_is_written() {
    on_both(
        || NoRequirements,
        |store| async move {
            let all = examples();
            let (_, asr) = all
                .iter()
                .find(|(_, o)| profile_of(o) == "asr")
                .expect("an asr example");
            let job = job_of("docling", None);
            let id = job.job_id;
            store.create(job, ACTOR).await.expect("create");
            let error = store
                .record_outputs(id, asr, ACTOR)
                .await
                .expect_err("asr outputs on a docling job");
            // The docling profile's output binding (HSK-RULE-PRF-024) refuses them, with its code.
            match &error {
                StoreError::Rule { violations } => {
                    assert_eq!(error.code(), Some("HSK-RULE-PRF-024"), "{violations:?}");
                    assert_eq!(violations[0].path, "/job_outputs/profile");
                }
                other => panic!("expected the binding rule, got {other:?}"),
            }
            assert_eq!(store.get(id).await.expect("get").job.job_outputs, None);
        },
    );
}

#[test]
fn a_finished_job_takes_no_outputs() {
    on_both(
        || NoRequirements,
        |store| async move {
            let all = examples();
            let (_, outputs) = all.first().expect("an example");
            let job = job_of(&profile_of(outputs), None);
            let id = job.job_id;
            store.create(job, ACTOR).await.expect("create");
            walk(&store, id, 1, &path_to(JobState::Completed)).await;
            let error = store
                .record_outputs(id, outputs, ACTOR)
                .await
                .expect_err("terminal");
            assert!(
                matches!(
                    error,
                    StoreError::Model(ModelError::TerminalState {
                        state: JobState::Completed
                    })
                ),
                "{error:?}"
            );
            assert_eq!(store.get(id).await.expect("get").job.job_outputs, None);
        },
    );
}
