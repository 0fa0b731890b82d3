//! Running the real binary from the repository root, shared by the CLI test files.

use std::process::{Command, Output};

/// Runs `qualify` with `args` from the repository root, without colour.
pub fn qualify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qualify"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the qualify binary runs")
}
