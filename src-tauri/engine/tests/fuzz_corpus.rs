//! Replays the fuzzers' named inputs: the seeds (fuzz/seeds/: real Zoom and sandbox answers,
//! hostile callback URLs) and the crash regressions (fuzz/regressions/: each input that once
//! broke an invariant), and this machine's own corpus when `make fuzz` has left one
//! (fuzz/corpus/, not in git), through the same checks as the fuzz targets
//! (`zoom_connections_engine::fuzzing`), in every `make test`, without fuzzing instrumentation.

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut files: Vec<PathBuf> = ["seeds", "regressions", "corpus"]
        .iter()
        .map(|kind| fuzz.join(kind).join(target))
        .filter(|dir| dir.is_dir())
        .flat_map(|dir| std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let files = corpus(target);
    assert!(files.len() >= 10, "the {target} corpus is nearly empty ({} inputs)", files.len());
    for file in &files {
        let data = std::fs::read(file).unwrap();
        // A panic names the input, so that it can be run again under the fuzzer.
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            panic!("{target}: {} breaks an invariant", file.display());
        }
    }
    println!("{target}: {} inputs replayed", files.len());
}

#[test]
fn callback_url_corpus() {
    replay("callback_url", zoom_connections_engine::fuzzing::callback_url);
}

#[test]
fn zoom_answers_corpus() {
    replay("zoom_answers", zoom_connections_engine::fuzzing::zoom_answer);
}
