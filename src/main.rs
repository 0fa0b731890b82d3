//! The `qualify` binary: everything lives in the library's `cli` module.

/// The allocator of the binary (the library leaves the choice to its user). A run makes and
/// drops a few dozen small values per contact, on several threads, records made on one
/// and dropped on another: mimalloc's per-thread pages take 7–13 % less CPU than the
/// system allocator over 200,000 generated contacts (docs/performance.md). Built without
/// transparent huge pages (`no_thp`): with them a run's memory is touched 2 MiB at a time,
/// a peak of 42 MB instead of 28 at 1,000,000 contacts.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    qualify::cli::main()
}
