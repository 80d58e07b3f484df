//! Two things the command line takes from elsewhere at build time:
//! - the app's identifier, from tauri.conf.json (one source: the data directory is
//!   `<data dir>/<identifier>` for the app and the command line alike);
//! - its man page, rendered by clap_mangen from the very definition the binary parses with
//!   (src/args.rs, included here too).

use std::path::PathBuf;

#[allow(dead_code)]
mod args {
    include!("src/args.rs");
}

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let conf_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tauri.conf.json");
    println!("cargo:rerun-if-changed={}", conf_path.display());
    let conf: serde_json::Value = serde_json::from_slice(&std::fs::read(&conf_path).expect("tauri.conf.json is readable")).expect("tauri.conf.json is JSON");
    let identifier = conf["identifier"].as_str().expect("tauri.conf.json names an identifier");
    println!("cargo:rustc-env=ZC_IDENTIFIER={identifier}");

    println!("cargo:rerun-if-changed=src/args.rs");
    println!("cargo:rerun-if-changed=src/man-extra.roff");
    let cmd = <args::Cli as clap::CommandFactory>::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page).expect("the man page renders");
    page.extend_from_slice(&std::fs::read("src/man-extra.roff").expect("src/man-extra.roff is readable"));
    std::fs::write(out.join("zoom-connections.1"), page).expect("OUT_DIR is writable");
}
