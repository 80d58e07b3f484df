//! Replays the fuzzers' corpus (fuzz/corpus/): every input the fuzzers kept — the seeds written
//! from real Zoom and sandbox answers and hostile callback URLs, and what libFuzzer found that
//! reaches new code — goes through the same checks as in the fuzz targets
//! (`zoom_connections_engine::fuzzing`), in every `make test`, without fuzzing instrumentation.

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
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
