//! Decoding against a field plan: types, nesting, located errors.

use super::*;
use crate::codes::Code;

/// Compiles `rules`, which must check clean (shared with the tests of data error wording).
pub(crate) fn plan(rules: &str) -> crate::compile::Program {
    crate::compile::compile(&crate::testing::checked(rules).1)
}

const RULES: &str = "schema contact {\n  id: string\n  company: { size: number? }?\n  \
                     seniority: one of \"ic\", \"vp\"?\n  events: list of { kind: string, at: datetime }?\n}\n\
                     let x = company.size > 1 and seniority == \"vp\" and any e in events: e.at within 1 day and e.kind == \"call\"\n";

fn read_all(format: InputFormat, text: &str) -> Vec<Result<Contact, Box<DataError>>> {
    let program = plan(RULES);
    read(format, "f", text, program.plan()).collect()
}

#[test]
fn jsonl_skips_unread_keys_and_decodes_nested_values() {
    let rows = read_all(
        InputFormat::Jsonl,
        "{\"id\":\"a\",\"unused\":{\"deep\":[1,2]},\"company\":{\"size\":3},\"events\":[{\"kind\":\"call\",\"at\":\"2026-11-01T00:00:00Z\"}]}\n\n",
    );
    assert_eq!(rows.len(), 1);
    let contact = rows[0].as_ref().expect("decodes");
    assert_eq!(contact.id, "a");
    assert!(
        contact
            .slots
            .iter()
            .any(|v| matches!(v, Value::Record(r) if r[0] == Value::Number(3.0)))
    );
}

#[test]
fn a_wrong_type_is_located_with_id_and_field_path() {
    let rows = read_all(
        InputFormat::Jsonl,
        "{\"id\":\"a\"}\n{\"id\":\"b\",\"events\":[{\"kind\":\"call\",\"at\":\"yesterday\"}]}\n",
    );
    assert!(rows[0].is_ok());
    let error = rows[1].as_ref().expect_err("fails");
    assert_eq!(error.code, Code::WrongType);
    assert_eq!(error.line, Some(2));
    assert_eq!(error.id.as_deref(), Some("b"));
    assert_eq!(error.field.as_deref(), Some("events[0].at"));
}

#[test]
fn enum_values_are_checked_and_required_fields_enforced() {
    let rows = read_all(
        InputFormat::Jsonl,
        "{\"id\":\"a\",\"seniority\":\"VP\"}\n{\"id\":\"b\",\"events\":[{\"kind\":\"call\"}]}\n{\"seniority\":\"vp\"}\n",
    );
    let codes: Vec<Code> = rows
        .iter()
        .map(|r| r.as_ref().expect_err("fails").code)
        .collect();
    assert_eq!(
        codes,
        [
            Code::BadEnumValue,
            Code::MissingRequired,
            Code::MissingContactId
        ]
    );
    assert!(matches!(
        &rows[0].as_ref().expect_err("fails").problem,
        DataProblem::NotInEnum { near: Some(near), .. } if near == "vp"
    ));
}

#[test]
fn json_array_keeps_elements_before_a_broken_one_and_locates_it() {
    let rows = read_all(
        InputFormat::Json,
        "[\n  {\"id\": \"a\"},\n  {\"id\": \"b\", \"company\": {\"size\": }},\n  {\"id\": \"c\"}\n]\n",
    );
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(rows[0].is_ok() && rows[2].is_ok());
    let error = rows[1].as_ref().expect_err("fails");
    assert_eq!(
        (error.code, error.line, error.id.as_deref()),
        (Code::MalformedJson, Some(3), Some("b"))
    );
    assert_eq!(error.column, Some(35)); // the `}` where a value should be
}

#[test]
fn json_that_is_not_an_array_is_one_fatal_error() {
    let rows = read_all(InputFormat::Json, "{\"id\": \"a\"}");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].as_ref().expect_err("fails").fatal);
}

#[test]
fn csv_types_cells_by_schema_and_builds_nested_records() {
    let csv = "id,company.size,seniority,events,ignored\n\
               a,50,vp,\"[{\"\"kind\"\":\"\"call\"\",\"\"at\"\":\"\"2026-11-01\"\"}]\",zzz\n\
               b,,,,\n\
               c,fifty,,,\n";
    let rows = read_all(InputFormat::Csv, csv);
    let a = rows[0].as_ref().expect("decodes");
    assert!(
        a.slots
            .iter()
            .any(|v| matches!(v, Value::Record(r) if r[0] == Value::Number(50.0)))
    );
    assert!(
        a.slots
            .iter()
            .any(|v| matches!(v, Value::List(l) if l.len() == 1))
    );
    let b = rows[1].as_ref().expect("decodes");
    assert!(
        b.slots
            .iter()
            .skip(1)
            .all(|v| matches!(v, Value::Missing | Value::Record(_)))
    );
    let c = rows[2].as_ref().expect_err("fails");
    assert_eq!(
        (c.code, c.line, c.field.as_deref()),
        (Code::WrongType, Some(4), Some("company.size"))
    );
}

#[test]
fn csv_without_id_column_is_fatal() {
    let rows = read_all(InputFormat::Csv, "name,company.size\nx,1\n");
    assert_eq!(rows.len(), 1);
    let error = rows[0].as_ref().expect_err("fails");
    assert!(error.fatal && error.code == Code::MissingContactId);
}

#[test]
fn parse_time_accepts_rfc3339_and_plain_dates() {
    use crate::semantics::time::parse_time;
    assert!(parse_time("2026-11-01T09:30:00Z").is_some());
    assert!(parse_time("2026-11-01T09:30:00+02:00").is_some());
    assert_eq!(parse_time("2026-11-01"), parse_time("2026-11-01T00:00:00Z"));
    assert!(parse_time("2026-11-01T09:30:00").is_none());
    assert!(parse_time("soon").is_none());
}

#[test]
fn a_record_given_whole_as_json_in_one_csv_cell_is_kept() {
    let program = plan(
        "schema contact { id: string, company: { size: number? } }\nlet big = company.size > 100\n",
    );
    let rows: Vec<_> = read(
        InputFormat::Csv,
        "f",
        "id,company\nc1,\"{\"\"size\"\": 500}\"\n",
        program.plan(),
    )
    .collect();
    let contact = rows[0].as_ref().expect("decodes");
    assert!(
        contact
            .slots
            .iter()
            .any(|v| matches!(v, Value::Record(r) if r[0] == Value::Number(500.0)))
    );
}

#[test]
fn jsonl_with_a_byte_order_mark_and_columns_counted_in_characters() {
    let program = plan(RULES);
    let text = "\u{feff}{\"id\":\"a\"}\n{\"id\":\"ééé\",\"company\":{\"size\":\"x\"}}\n";
    let rows: Vec<_> = read(InputFormat::Jsonl, "f", text, program.plan()).collect();
    assert!(rows[0].is_ok(), "{:?}", rows[0]);
    let error = rows[1].as_ref().expect_err("wrong type");
    // `"x"` starts at character 31, although it is byte 34
    assert_eq!((error.line, error.column), (Some(2), Some(31)));
}

#[test]
fn numeric_ids_beyond_exact_integers_are_refused() {
    let program = plan("schema contact { id: number, n: number? }\nlet x = n > 1\n");
    let rows: Vec<_> = read(
        InputFormat::Jsonl,
        "f",
        "{\"id\": 12345}\n{\"id\": 12345678901234567890}\n{\"id\": 1.5}\n",
        program.plan(),
    )
    .collect();
    assert_eq!(rows[0].as_ref().expect("small id").id, "12345");
    assert!(rows[1].is_err() && rows[2].is_err());
}

#[test]
fn an_id_no_rule_reads_is_the_contacts_id_only_and_one_read_is_a_value_too() {
    let read_id = plan(
        "schema contact { id: string, n: number? }\nclassify k {\n  a when id == \"c1\"\n  otherwise b\n}\n",
    );
    let unread = plan(
        "schema contact { id: string, n: number? }\nclassify k {\n  a when n > 1\n  otherwise b\n}\n",
    );
    assert!(read_id.plan().id_read && !unread.plan().id_read);
    for program in [&read_id, &unread] {
        let plan = program.plan();
        let rows: Vec<_> = read(
            InputFormat::Jsonl,
            "f",
            "{\"id\":\"c1\",\"n\":2}\n{\"id\":\"  \"}\n{\"n\":3}\n{\"id\":\"c2\"}\n",
            plan,
        )
        .collect();
        let first = rows[0].as_ref().expect("decodes");
        assert_eq!(first.id, "c1");
        let expected = if plan.id_read { "c1" } else { "" };
        assert_eq!(first.slots[plan.id_slot], Value::Str(expected.into()));
        let empty = rows[1].as_ref().expect_err("an empty id");
        assert!(
            matches!(empty.problem, DataProblem::EmptyId { .. }),
            "{empty:?}"
        );
        // the id held for the record before is not taken for one without an id
        let none = rows[2].as_ref().expect_err("no id");
        assert!(
            matches!(none.problem, DataProblem::MissingId { .. }),
            "{none:?}"
        );
        assert_eq!(rows[3].as_ref().expect("decodes").id, "c2");
    }
}

#[test]
fn a_cell_not_utf8_fails_its_row_only_where_a_rule_reads_it() {
    let program = plan(RULES);
    // `name` is no field of the schema: its Latin-1 `ö` fails nothing
    let csv = b"id,name,company.size\na,J\xf6nah,3\nb,Bo,\xff\n";
    let rows: Vec<_> = read(InputFormat::Csv, "f", &csv[..], program.plan()).collect();
    let a = rows[0].as_ref().expect("an unread cell is read as text");
    assert_eq!(a.id, "a");
    let error = rows[1].as_ref().expect_err("a read cell must be text");
    assert_eq!(error.problem, DataProblem::NotUtf8);
    assert_eq!(error.field.as_deref(), Some("company.size"));
    assert_eq!((error.line, error.cell), (Some(3), Some(3)));
    assert_eq!(error.id.as_deref(), Some("b"));
}

#[test]
fn a_header_another_delimiter_would_split_is_an_error_of_the_file() {
    let rows = read_all(InputFormat::Csv, "id;company.size\na;3\n");
    let error = rows[0].as_ref().expect_err("the wrong delimiter");
    assert_eq!(
        error.problem,
        DataProblem::OtherDelimiter {
            looks: ';',
            delimiter: ',',
            source: None
        }
    );
    assert!(error.fatal);
    assert_eq!(error.line, Some(1));
    // one column a rule reads is a file of one column, whatever its text
    let program = plan("schema contact {\n  id: string\n}\n");
    let rows: Vec<_> = read(InputFormat::Csv, "f", "id\na,b\n", program.plan()).collect();
    assert!(rows[0].is_err(), "a row wider than its header");
    let rows: Vec<_> = read(InputFormat::Csv, "f", "id\n\"a,b\"\n", program.plan()).collect();
    assert_eq!(rows[0].as_ref().map(|c| c.id.as_str()), Ok("a,b"));
}

#[test]
fn ids_of_several_cells_are_the_same_only_where_the_cells_are() {
    use super::csv::composite_id;
    assert_eq!(composite_id(&["a|b", "c"]), "a\\|b|c");
    assert_eq!(composite_id(&["a", "b|c"]), "a|b\\|c");
    assert_ne!(composite_id(&["a\\", "|b"]), composite_id(&["a\\|", "b"]));
    assert_eq!(composite_id(&["x\\y", "z"]), "x\\\\y|z");
    // one cell is the id as it is; cells without either byte are joined plainly
    assert_eq!(composite_id(&["a|b\\c"]), "a|b\\c");
    assert_eq!(
        composite_id(&["ana@acme.example", "Acme"]),
        "ana@acme.example|Acme"
    );
    // splitting at an unescaped `|` and unescaping gives the cells back
    let mut random = crate::testing::Rng(5);
    for _ in 0..500 {
        let cells: Vec<String> = (0..2 + random.below(3))
            .map(|_| {
                (0..random.below(5))
                    .map(|_| ['a', '|', '\\'][random.below(3)])
                    .collect()
            })
            .collect();
        let parts: Vec<&str> = cells.iter().map(String::as_str).collect();
        let id = composite_id(&parts);
        let (mut back, mut cell, mut escaped) = (Vec::new(), String::new(), false);
        for c in id.chars() {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '|') => back.push(std::mem::take(&mut cell)),
                _ => {
                    cell.push(c);
                    escaped = false;
                }
            }
        }
        back.push(cell);
        assert_eq!(back, cells, "{id}");
    }
}
