//! The `qualify` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    qualify::cli::main()
}
