//! Any text: parse, check, compile and lint (`qualify::analyze`, what `qualify check`
//! runs) never panic, and every diagnostic renders in each output format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualify::cli::render::{self, Color};
use qualify::source::SourceMap;

fuzz_target!(|text: &str| {
    let mut sources = SourceMap::new();
    sources.add("fuzz.qual", text);
    let analysis = qualify::analyze(&sources, &Default::default(), &Default::default());
    let _ = render::human(&sources, &analysis.diagnostics, Color::Never);
    let _ = render::json_diagnostics(&sources, &analysis.diagnostics);
    let _ = render::github(&sources, &analysis.diagnostics);
    let _ = render::sarif(&sources, &analysis.diagnostics);
});
