//! Data errors in words, byte for byte as the readers wrote them before they returned
//! structured problems. Problems the snapshot cases under `tests/cases/eval/` do not reach
//! are pinned here.

use crate::data::{self, InputFormat};

/// The error lines for `text` read as `format` against `rules` (which must check clean).
fn lines(rules: &str, format: InputFormat, text: &str) -> Vec<String> {
    let program = data::tests::plan(rules);
    data::read(format, "f", text, program.plan())
        .filter_map(Result::err)
        .map(|e| super::line(&e))
        .collect()
}

const NUMERIC_ID: &str = "schema contact { id: number, n: number? }\nlet x = n > 1\n";
const NO_SCHEMA: &str = "let x = n > 1\n";
const TYPED: &str = "schema contact {\n  id: string\n  at: datetime?\n  tags: list of string?\n  \
                     level: one of \"ic\", \"vp\"?\n}\nlet x = at within 1 day and \"a\" in tags and level == \"vp\"\n";

#[test]
fn ids_that_are_not_text_or_whole_numbers() {
    assert_eq!(
        lines(
            NUMERIC_ID,
            InputFormat::Jsonl,
            "{\"id\": 1.5}\n{\"id\": 12345678901234567890}\n{\"id\": 9007199254740993}\n{\"id\": 9007199254740992}\n{\"id\": -9007199254740993}\n"
        ),
        [
            "error[Q0103]: f:1:8: field `id`: a numeric id must be a whole number below 9007199254740992 (2^53): a fraction, or a number that large, cannot name a contact exactly; keep such ids as text (\"12345678901234567890\") and declare the id field `string`",
            "error[Q0103]: f:2:8: field `id`: a numeric id must be a whole number below 9007199254740992 (2^53): a fraction, or a number that large, cannot name a contact exactly; keep such ids as text (\"12345678901234567890\") and declare the id field `string`",
            // 2^53 + 1 would become 2^53 as a float and collide with 2^53, so that is
            // refused too: every path (JSON integers, JSON fractions, CSV cells) alike
            "error[Q0103]: f:3:8: field `id`: a numeric id must be a whole number below 9007199254740992 (2^53): a fraction, or a number that large, cannot name a contact exactly; keep such ids as text (\"12345678901234567890\") and declare the id field `string`",
            "error[Q0103]: f:4:8: field `id`: a numeric id must be a whole number below 9007199254740992 (2^53): a fraction, or a number that large, cannot name a contact exactly; keep such ids as text (\"12345678901234567890\") and declare the id field `string`",
            "error[Q0103]: f:5:8: field `id`: a numeric id must be a whole number below 9007199254740992 (2^53): a fraction, or a number that large, cannot name a contact exactly; keep such ids as text (\"12345678901234567890\") and declare the id field `string`",
        ]
    );
    assert_eq!(
        lines(
            NO_SCHEMA,
            InputFormat::Jsonl,
            "{\"id\": [1]}\n{\"id\": true}\n"
        ),
        [
            "error[Q0103]: f:1:1: field `id`: expected text or a number as the id, found list",
            "error[Q0103]: f:2:1: field `id`: expected text or a number as the id, found true/false",
        ]
    );
}

#[test]
fn broken_json_arrays() {
    assert_eq!(
        lines(
            NO_SCHEMA,
            InputFormat::Json,
            "[{\"id\": \"a\"}, , {\"id\": \"b\"}]"
        ),
        ["error[Q0101]: f:1:15: malformed JSON: expected a contact object before `,` or `]`"]
    );
    assert_eq!(
        lines(NO_SCHEMA, InputFormat::Json, "[{\"id\": \"a\"}] x"),
        ["error[Q0101]: f:1:15: malformed JSON: text after the end of the array"]
    );
    assert_eq!(
        lines(
            NO_SCHEMA,
            InputFormat::Json,
            "[{\"id\": \"a\"}, {\"id\": \"b"
        ),
        [
            "error[Q0101]: f:1:15: malformed JSON: the array is not closed: an object, string or `]` is missing"
        ]
    );
    assert_eq!(
        lines(NO_SCHEMA, InputFormat::Jsonl, "null\n\"x\"\n"),
        [
            "error[Q0101]: f:1:4: malformed JSON: expected a contact object, found null",
            "error[Q0101]: f:2:3: malformed JSON: expected a contact object, found text",
        ]
    );
}

#[test]
fn values_that_do_not_fit_the_schema() {
    let long = "x".repeat(45);
    assert_eq!(
        lines(
            TYPED,
            InputFormat::Jsonl,
            &format!(
                "{{\"id\": \"a\", \"at\": \"2026-11-01T09:30:00\"}}\n\
                 {{\"id\": \"b\", \"level\": \"{long}\"}}\n\
                 {{\"id\": \"c\", \"tags\": [true]}}\n\
                 {{\"id\": \"d\\u001b\", \"tags\": 2}}\n"
            )
        ),
        [
            "error[Q0103]: f:1:19: contact `a`: field `at`: text \"2026-11-01T09:30:00\" has no UTC offset: add `Z` for UTC or an offset such as `+02:00`",
            "error[Q0104]: f:2:22: contact `b`: field `level`: text \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"… is not one of \"ic\", \"vp\"",
            "error[Q0103]: f:3:22: contact `c`: field `tags[0]`: expected text, found true",
            "error[Q0103]: f:4:27: contact `d\\u{1b}`: field `tags`: expected a list, found the number 2",
        ]
    );
}

#[test]
fn csv_files_that_cannot_be_read() {
    // an empty (or blank) file holds no contacts, as in every format
    assert!(lines(NO_SCHEMA, InputFormat::Csv, "").is_empty());
    assert!(lines(NO_SCHEMA, InputFormat::Csv, " \n\t\n").is_empty());
    assert_eq!(
        lines(NO_SCHEMA, InputFormat::Csv, "id;n\na;1\n"),
        [
            "error[Q0102]: f:1: the header is one column that no rule reads, and it looks separated by `;`, but the file is read as separated by `,`: a mapping source's `delimiter = \";\"` reads such files"
        ]
    );
    assert_eq!(
        lines(TYPED, InputFormat::Csv, "id,level,tags\na,VP,\nb,ic,[1]\n"),
        [
            "error[Q0104]: f:2: contact `a`: field `level` (column 2): text \"VP\" is not one of \"ic\", \"vp\" (values are case-sensitive: did you mean \"vp\"?)",
            "error[Q0103]: f:3: contact `b`: field `tags[0]` (column 3): expected text, found the number 1",
        ]
    );
}
