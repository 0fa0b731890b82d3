//! The `qualify` binary: everything lives in the library's `cli` module.

/// The allocator of the binary (the library leaves the choice to its user). A run makes and
/// drops a few dozen small values per contact, on several threads, records made on one
/// and dropped on another: mimalloc's per-thread pages take 7–13 % less CPU than the
/// system allocator over 200,000 generated contacts (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    qualify::cli::main()
}
