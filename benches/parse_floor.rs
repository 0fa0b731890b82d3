//! The parse-only floor for `benches/compare`: reads a JSON Lines file and parses every line
//! with serde_json into `serde::de::IgnoredAny` (no values built), on 2 threads (the file is
//! split in two at a line break). Nothing is classified: this is the least any JSON-reading
//! classifier must spend.
//!
//! Usage: `parse_floor FILE.jsonl` (prints the number of lines parsed). Without a file, as
//! under a plain `cargo bench`, it only prints this usage.

use serde::de::IgnoredAny;

const THREADS: usize = 2;

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| a != "--bench") else {
        println!("parse_floor: run through benches/compare (or: parse_floor FILE.jsonl)");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("a readable UTF-8 file");
    // split at line breaks into THREADS nearly equal parts
    let mut parts = Vec::with_capacity(THREADS);
    let mut start = 0;
    for t in 1..=THREADS {
        let mut end = if t == THREADS {
            text.len()
        } else {
            (text.len() * t / THREADS).max(start)
        };
        while end < text.len() && text.as_bytes()[end - 1] != b'\n' {
            end += 1;
        }
        parts.push(&text[start..end]);
        start = end;
    }
    let lines: usize = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| {
                s.spawn(move || {
                    let mut n = 0usize;
                    for line in part.lines().filter(|l| !l.trim().is_empty()) {
                        serde_json::from_str::<IgnoredAny>(line).expect("valid JSON");
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    println!("{lines}");
}
