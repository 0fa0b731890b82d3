//! Any text: parsing never panics, and its diagnostics render (their spans lie in the text).
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualify::cli::render::{self, Color};
use qualify::source::SourceMap;

fuzz_target!(|text: &str| {
    let mut sources = SourceMap::new();
    sources.add("fuzz.qual", text);
    let (_, diagnostics) = qualify::parse(&sources);
    let _ = render::human(&sources, &diagnostics, Color::Never);
});
