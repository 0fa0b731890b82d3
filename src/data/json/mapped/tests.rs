//! The one-pass reader of mapped records gives what the full reader gives, on generated
//! and mangled records under mappings with and without options.

use super::*;
use crate::compile::Program;
use crate::data::{Contact, DataError, csv};
use crate::source::SourceMap;
use crate::testing::Rng;

const RULES: &str = "schema contact {\n  id: string\n  n: number?\n  b: bool?\n  s: string?\n  \
     e: one of \"x\", \"y\"?\n  t: datetime?\n  company: { size: number?, industry: string? }?\n  \
     events: list of { kind: string, at: datetime? }?\n  tags: list of string?\n}\n\
     let a = n > 1 and b and s == \"s\" and e == \"x\" and t within 1 day\n\
     let c = company.size > 1 and company.industry == \"i\" and (tags ?? []) contains \"t\"\n\
     let d = any v in events: v.kind == \"call\" and v.at within 1 day\n";

/// Mappings of one source each: fields under their own names; key paths of an API's
/// shape; and options that read the cells' text.
const MAPPINGS: &[&str] = &[
    "[source.plain]\n",
    "[source.api]\n[source.api.columns]\n\"properties.n\" = \"n\"\n\"properties.b\" = \"b\"\n\
     \"properties.s\" = \"s\"\n\"a.b\" = \"e\"\n\"c.a.b\" = \"company\"\n\"properties.events\" = \"events\"\n",
    "[source.options]\nmissing = [\"N/A\", \"-1\", \"[]\"]\ntrue = [\"Y\"]\nfalse = [\"N\"]\n\
     timezone = \"UTC\"\n[source.options.columns]\n\"tags\" = { field = \"tags\", split = \";\" }\n\
     \"e\" = { field = \"e\", values = { \"Ex\" = \"x\" }, case = \"fold\" }\n",
    "[source.cells]\nid = [\"s\", \"n\"]\nmissing = [\"x\"]\n[source.cells.columns]\n\"id\" = \"b\"\n",
];

fn program() -> Program {
    crate::data::tests::plan(RULES)
}

fn header(program: &Program, toml: &str) -> csv::Header {
    header_of(program, toml, 0)
}

/// The header of `toml`'s one source, into records of `layout`.
fn header_of(program: &Program, toml: &str, layout: LayoutId) -> csv::Header {
    let mut sources = SourceMap::new();
    sources.add("t.qual", RULES);
    let (checked, _) = crate::front_end(&sources, &Default::default());
    let checked = checked.expect("checks");
    let file = sources.add("qualify.toml", toml);
    let mapping = crate::mapping::parse(toml, file, checked.rules()).expect("a mapping");
    csv::json_header("f", program.plan(), &mapping.sources[0], layout).expect("a header")
}

const KEYS: &[&str] = &[
    "id",
    "n",
    "b",
    "s",
    "e",
    "t",
    "company",
    "size",
    "industry",
    "events",
    "kind",
    "at",
    "tags",
    "properties",
    "a",
    "c",
    "a.b",
    "c.a.b",
    "properties.n",
    "zz",
    "i\\u0064",
];

const SCALARS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-0",
    "7",
    "-7",
    "12.5",
    "1e3",
    "2.5E-3",
    "12345678901234567890",
    "1e400",
    "\"\"",
    "\"s\"",
    "\"x\"",
    "\"Ex\"",
    "\"y\"",
    "\"i\"",
    "\"t;u\"",
    "\"call\"",
    "\"Y\"",
    "\"N\"",
    "\"N/A\"",
    "\"-1\"",
    "\"[]\"",
    "\"42\"",
    "\"yes\"",
    "\"2026-11-17T10:00:00Z\"",
    "\"2026-11-17 10:00\"",
    "\"2026-11-17T10:00:00\"",
    "\"a\\\"b\"",
    "\"\\u00e9\\n\"",
];

fn value(rng: &mut Rng, depth: usize, out: &mut String) {
    match rng.below(if depth == 0 { 3 } else { 6 }) {
        0..=2 => out.push_str(rng.pick(SCALARS)),
        3 => {
            out.push('[');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push_str(rng.pick(&[",", ", "]));
                }
                value(rng, depth - 1, out);
            }
            out.push(']');
        }
        _ => object(rng, depth - 1, out),
    }
}

fn object(rng: &mut Rng, depth: usize, out: &mut String) {
    out.push('{');
    for i in 0..rng.below(6) {
        if i > 0 {
            out.push_str(rng.pick(&[",", ", ", " ,\n"]));
        }
        out.push('"');
        out.push_str(rng.pick(KEYS));
        out.push_str(rng.pick(&["\":", "\": "]));
        value(rng, depth, out);
    }
    out.push('}');
}

/// A record: an object with an id mostly, perhaps mangled.
fn record(rng: &mut Rng) -> Vec<u8> {
    let mut text = String::from(rng.pick(&["{\"id\": \"c1\", ", "{\"id\": 7, ", "{"]));
    let mut rest = String::new();
    object(rng, 3, &mut rest);
    text.push_str(&rest[1..]);
    text.push_str(rng.pick(&["", " ", " x", "}"]));
    let mut bytes = text.into_bytes();
    if rng.below(4) == 0 {
        let alphabet: &[u8] = b"{}[],:\"\\ 0-.e\xc3\xa9\xff";
        let at = rng.below(bytes.len());
        bytes[at] = alphabet[rng.below(alphabet.len())];
    }
    bytes
}

fn shown(result: &Result<Contact, Box<DataError>>) -> String {
    format!("{result:?}")
}

#[test]
fn read_in_one_pass_or_not_a_mapped_record_is_what_the_full_reader_makes_of_it() {
    let program = program();
    let plan = program.plan();
    for (n, toml) in MAPPINGS.iter().enumerate() {
        let header = header(&program, toml);
        let mut rng = Rng(40 + n as u64);
        let (mut fast, mut decoded) = (0, 0);
        for _ in 0..20_000 {
            let bytes = record(&mut rng);
            let plain = || crate::data::json::decode_line("f", &bytes, 3, plan);
            // the reader of cells as text (a list's errors in the order of its text), else
            // the full reader
            let full = match csv::json_row_fast(&header, &bytes) {
                Some(mut row) => csv::decode_row("f", 3, plan, &header, &mut row),
                None => crate::data::mapped_json_full("f", &bytes, (3, 1), plan, &header, plain),
            };
            let both = crate::data::mapped_json("f", &bytes, (3, 1), plan, &header, plain);
            let text = String::from_utf8_lossy(&bytes);
            assert_eq!(shown(&both), shown(&full), "{toml}\n{text}");
            let read = std::str::from_utf8(&bytes)
                .ok()
                .and_then(|text| row(plan, &header, text))
                .is_some();
            fast += usize::from(read);
            decoded += usize::from(full.is_ok());
            for contact in [full, both].into_iter().flatten() {
                contact.recycle();
            }
        }
        // the one pass is worth having only if it reads most records that decode
        assert!(
            fast * 10 >= decoded * 9 && decoded > 50,
            "{toml}: read {fast} in one pass of {decoded} that decode"
        );
    }
}

#[test]
fn a_key_twice_anywhere_even_spelt_with_escapes_is_left_to_the_full_reader() {
    let program = program();
    let plan = program.plan();
    let header = header(&program, MAPPINGS[1]);
    let fast = |text: &str| row(plan, &header, text).is_some();
    assert!(fast(
        r#"{"id": "1", "properties": {"n": 2, "events": [{"kind": "call"}]}, "zz": {"q": [1]}}"#
    ));
    for refused in [
        r#"{"id": "1", "id": "2"}"#,
        r#"{"id": "1", "zz": {"q": 1, "q": 2}}"#,
        r#"{"id": "1", "zz": [{"q": 1}, {"r": 1, "r": 2}]}"#,
        r#"{"id": "1", "zz": {"properties_a": 1, "q": 0, "properties_a": 2}}"#,
        r#"{"id": "1", "properties": {"events": [{"kind": "a", "kind": "b"}]}}"#,
        r#"{"id": "1", "properties": "none"}"#,
        r#"{"id": "1", "i\u0064": "2"}"#,
        r#"{"id": "1", "zz": {"\u0071": 1, "q": 2}}"#,
        r#"{"id": "1", "zz": {"\u0071": 1, "\u0071": 2}}"#,
        r#"{"id": 1,}"#,
        r#"["id"]"#,
        "null",
    ] {
        assert!(!fast(refused), "{refused}");
    }
    // keys may repeat in different objects, long keys may share their start, and a key
    // with escapes is the key it spells
    assert!(fast(
        r#"{"id": "1", "zz": {"id": 1, "q": {"id": 2}}, "q": [{"id": 3}]}"#
    ));
    assert!(fast(
        r#"{"id": "1", "zz": {"properties_a": 1, "properties_b": 2}}"#
    ));
    assert!(fast(r#"{"i\u0064": "1", "zz": {"\u0071": 1, "r": 2}}"#));
    assert!(fast(r#"{"id": "1", "zz": {"a\u0000": 1, "a": 2}}"#));
}

#[test]
fn an_element_decoded_straight_is_the_element_its_row_of_cells_makes() {
    let program = program();
    let plan = program.plan();
    let events = plan.root().slot("events").expect("read");
    let PlanType::List(item) = &plan.root().fields[events].ty else {
        panic!("a list");
    };
    let PlanType::Record(layout) = **item else {
        panic!("of records");
    };
    for (toml, direct) in [
        (
            "[source.plain]\nactivities = \"events\"\nkey = \"c\"\n",
            true,
        ),
        (
            "[source.renamed]\nactivities = \"events\"\nkey = \"c\"\nmissing = [\"N/A\"]\n\
             [source.renamed.columns]\n\"k\" = \"kind\"\n",
            true,
        ),
        (
            "[source.nested]\nactivities = \"events\"\nkey = \"c\"\n\
             [source.nested.columns]\n\"properties.kind\" = \"kind\"\n",
            false,
        ),
    ] {
        let header = header_of(&program, toml, layout);
        assert_eq!(header.direct(), direct, "{toml}");
        let mut rng = Rng(7);
        let (mut straight, mut fine) = (0, 0);
        for _ in 0..20_000 {
            let mut text = String::from("{");
            for i in 0..rng.below(5) {
                if i > 0 {
                    text.push_str(", ");
                }
                let key = rng.pick(&["kind", "at", "k", "zz", "kind", "at"]);
                text.push_str(&format!("\"{key}\": "));
                value(&mut rng, 1, &mut text);
            }
            text.push('}');
            // sometimes mangled: what the full reader refuses is never read straight
            if rng.below(4) == 0 {
                let alphabet = b"{}[],:\"\\ 0-.etn";
                let mut bytes = text.into_bytes();
                let at = rng.below(bytes.len());
                bytes[at] = alphabet[rng.below(alphabet.len())];
                text = String::from_utf8(bytes).expect("ASCII");
            }
            let full = crate::data::json::strict_object(&text)
                .ok()
                .and_then(|object| csv::json_row(&header, &object).ok())
                .map(|row| {
                    csv::decode_element("f", 1, plan, layout, &header, row.into_byte_record())
                });
            fine += usize::from(matches!(full, Some(Ok(_))));
            if let Some(got) = element(plan, &header, layout, &text) {
                straight += 1;
                let Some(Ok(want)) = full else {
                    panic!("{toml}: {text} read straight, but the row of cells gives {full:?}");
                };
                assert_eq!(format!("{got:?}"), format!("{want:?}"), "{toml}: {text}");
            }
        }
        if direct {
            // refused: a number or truth for a text field, read as its text by the row
            assert!(
                straight * 4 >= fine && fine > 500,
                "{toml}: {straight} of {fine}"
            );
        } else {
            assert_eq!(straight, 0);
        }
    }
}

#[test]
fn a_list_with_several_bad_values_is_wrong_at_the_first_in_its_text() {
    let program = program();
    let plan = program.plan();
    let header = header(&program, MAPPINGS[1]);
    let plain = |bytes: &[u8]| crate::data::json::decode_line("f", bytes, 1, plan);
    for (text, field) in [
        (
            r#"{"id": "1", "properties": {"events": [{"kind": 7, "at": "bad"}]}}"#,
            "properties.events[0].kind",
        ),
        (
            r#"{"id": "1", "properties": {"events": [{"at": "bad", "kind": 7}]}}"#,
            "properties.events[0].at",
        ),
        // a key with escapes in the list does not change which is named
        (
            r#"{"id": "1", "properties": {"events": [{"kind": 7, "at": "bad", "\u0076": 1}]}}"#,
            "properties.events[0].kind",
        ),
    ] {
        let bytes = text.as_bytes();
        let e = crate::data::mapped_json("f", bytes, (1, 1), plan, &header, || plain(bytes))
            .expect_err("two bad values");
        assert_eq!(e.field.as_deref(), Some(field), "{text}");
    }
}

#[test]
fn a_number_out_of_range_anywhere_is_an_error_not_fields_lost() {
    let program = program();
    let plan = program.plan();
    let header = header(&program, MAPPINGS[1]);
    // where the number starts, and the path of the member it is the value of
    for (text, column, field) in [
        (
            r#"{"id": "1", "zz": 1e400, "properties": {"s": "a"}}"#,
            19,
            Some("zz"),
        ),
        (
            r#"{"id": "1", "properties": {"n": -1e400}}"#,
            33,
            Some("properties.n"),
        ),
        (r#"{"id": "1", "z\u0041": [1, 1E+999]}"#, 28, Some("zA[1]")),
        (r#"{"id": "1", "z\u0041": 1E+999}"#, 24, Some("zA")),
        (
            r#"{"id": "1", "e": [{"a": "x,y", "b": 2}, {"a": "}", "n": 1e999}]}"#,
            57,
            Some("e[1].n"),
        ),
        (
            r#"{"id": "1", "p": {"k\"": {"q": [[0], [0, 2e400]]}}}"#,
            42,
            Some("p.k\".q[1][1]"),
        ),
    ] {
        let bytes = text.as_bytes();
        let plain = || crate::data::json::decode_line("f", bytes, 1, plan);
        let e = crate::data::mapped_json("f", bytes, (1, 1), plan, &header, plain)
            .expect_err("out of range");
        assert!(
            matches!(e.problem, crate::data::DataProblem::NumberOutOfRange { .. }),
            "{text}: {e:?}"
        );
        assert_eq!(e.id.as_deref(), Some("1"));
        assert_eq!((e.line, e.column), (Some(1), Some(column)), "{text}");
        assert_eq!(e.field.as_deref(), field, "{text}");
        // a record of a JSON array, its text starting at line 4, column 3
        let e = crate::data::mapped_json("f", bytes, (4, 3), plan, &header, plain)
            .expect_err("out of range");
        assert_eq!((e.line, e.column), (Some(4), Some(column + 2)), "{text}");
    }
}
