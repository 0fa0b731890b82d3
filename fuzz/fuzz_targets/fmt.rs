//! The formatter's laws on any text that parses cleanly: the formatted text parses to the
//! same tree and keeps every comment (`fmt::keeps_meaning`), and formatting it again
//! changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualify::source::SourceMap;

fuzz_target!(|text: &str| {
    let mut sources = SourceMap::new();
    let id = sources.add("fuzz.qual", text);
    let (file, diagnostics) = qualify::syntax::parse_file(id, sources.get(id));
    if !diagnostics.is_empty() {
        return;
    }
    let once = qualify::fmt::format(sources.get(id), &file);
    assert!(
        qualify::fmt::keeps_meaning(&file, text, &once),
        "formatting changed the meaning:\n--- input\n{text}\n--- formatted\n{once}"
    );
    let again = sources.add("formatted.qual", once.as_str());
    let (reparsed, _) = qualify::syntax::parse_file(again, sources.get(again));
    let twice = qualify::fmt::format(sources.get(again), &reparsed);
    assert_eq!(once, twice, "formatting is not idempotent");
});
