//! The keys of activities read without building the record are the cells the full reader
//! gives, and a key read from a record's head is the key the walk finds.

use super::*;
use crate::testing::Rng;

/// The cells the full reader gives (`strict_object`, then `json_row`'s rules), or `None`
/// where it refuses the record or a path.
fn full(paths: &[String], text: &str) -> Option<Vec<String>> {
    let object = super::super::json::strict_object(text).ok()?;
    let mut out = Vec::new();
    for path in paths {
        let mut at = object.get(path.as_str());
        if at.is_none() && path.contains('.') {
            let mut parts = path.split('.');
            at = parts.next().and_then(|first| object.get(first));
            for part in parts {
                at = match at {
                    Some(serde_json::Value::Object(inner)) => inner.get(part),
                    None | Some(serde_json::Value::Null) => None,
                    Some(_) => return None,
                };
            }
        }
        out.push(match at {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        });
    }
    Some(out)
}

/// Cells compared as the reader of cells sees them: a list or object cell as the JSON value
/// it holds (the full reader writes it compact, the fast one as it was written).
fn same(cells: Vec<String>) -> Vec<String> {
    cells
        .into_iter()
        .map(|c| {
            if c.starts_with(['[', '{'])
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(&c)
            {
                return format!("json:{v}");
            }
            c
        })
        .collect()
}

fn fast(paths: &[String], text: &str) -> Option<Vec<String>> {
    Paths::new(paths)
        .scalars_unchecked(text.as_bytes())
        .map(|cells| cells.into_iter().map(Cow::into_owned).collect())
}

#[test]
fn cells_of_api_shaped_records() {
    let paths: Vec<String> = [
        "id",
        "properties.email",
        "properties.n",
        "a.b.c",
        "tags",
        "x.y",
    ]
    .map(String::from)
    .to_vec();
    let text = r#"{"id": "1", "properties": {"email": "a\u0040b", "n": 1.50, "skip": [1, {"z": 2}]},
                   "a": {"b": null}, "tags": "t", "x.y": true, "x": {"y": false}}"#;
    let got = fast(&paths, text).expect("read fast");
    assert_eq!(got, ["1", "a@b", "1.5", "", "t", "true"]);
    assert_eq!(Some(same(got)), full(&paths, text).map(same));
    // a path written as one key wins even when it is null
    let got = fast(&paths, r#"{"x.y": null, "x": {"y": false}}"#).expect("read fast");
    assert_eq!(got[5], "");
    // what the full reader must word is left to it
    for refused in [
        r#"{"id": "1", "properties": "none"}"#,
        r#"{"id": "1", "tags": ["t"]}"#,
        r#"["id"]"#,
        r#"{"i\u0064": "1"}"#,
    ] {
        assert_eq!(fast(&paths, refused), None, "{refused}");
    }
}

/// A random JSON value of small depth, sometimes with keys the paths name.
fn value(rng: &mut Rng, depth: usize, out: &mut String) {
    let keys = ["a", "b", "c", "a.b", "id", "n"];
    match rng.below(if depth == 0 { 6 } else { 8 }) {
        0 => out.push_str("null"),
        1 => out.push_str(rng.pick(&["true", "false"])),
        2 => out.push_str(rng.pick(&[
            "0",
            "-7",
            "12345678901234567890",
            "1.50",
            "-0",
            "1e3",
            "2.5E-3",
        ])),
        3 => out.push_str(rng.pick(&["\"\"", "\"x y\"", "\"\\u00e9\\n\"", "\"a\\\"b\""])),
        4 | 5 => out.push_str(rng.pick(&["\"t\"", "42"])),
        6 => {
            out.push('[');
            for i in 0..rng.below(3) {
                if i > 0 {
                    out.push(',');
                }
                value(rng, depth - 1, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&format!("\"{}\": ", rng.pick(&keys)));
                value(rng, depth - 1, out);
            }
            out.push('}');
        }
    }
}

#[test]
fn read_fast_or_not_the_keys_are_the_full_readers_cells() {
    let mut rng = Rng(11);
    let paths: Vec<String> = ["id", "a", "a.b", "b.c", "a.b.c", "n", "c.a.b"]
        .map(String::from)
        .to_vec();
    let mut fast_reads = 0;
    let mut lead_reads = 0;
    for _ in 0..20_000 {
        let mut text = String::from("{");
        for i in 0..rng.below(5) {
            if i > 0 {
                text.push(',');
            }
            let key = rng.pick(&["id", "a", "b", "c", "a.b", "n", "zz"]);
            text.push_str(&format!("\"{key}\":"));
            value(&mut rng, 3, &mut text);
        }
        text.push('}');
        // one path, read from the record's head where it comes first
        for path in &paths[..2] {
            let one = Paths::new(std::slice::from_ref(path));
            let walked = one
                .scalars_unchecked(text.as_bytes())
                .map(|mut cells| cells.remove(0));
            assert_eq!(
                one.scalar_unchecked(text.as_bytes()),
                walked,
                "{text} {path}"
            );
            if text.starts_with(&format!("{{\"{path}\":")) {
                lead_reads += 1;
            }
        }
        for paths in [&paths[..], &paths[..1], &paths[2..4]] {
            // keys are read before the record is checked: only records the full reader
            // takes are compared
            if let Some(got) = fast(paths, &text)
                && let Some(want) = full(paths, &text)
            {
                fast_reads += 1;
                assert_eq!(same(got), same(want), "{text} {paths:?}");
            }
        }
    }
    assert!(fast_reads > 15_000, "{fast_reads}");
    assert!(lead_reads > 2_000, "{lead_reads}");
}
