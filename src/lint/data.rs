//! The data lint (`qualify check RULES --data FILE…`): the rules held against real data.
//! A [`Profile`] is the sink of an ordinary run over each file; what it counts becomes
//! findings located in the rules (the schema field, the row, the tested value), so that
//! every output format of `check` carries them: fields the rules read that the data never
//! has, fields mostly missing, values the schema's `one of` lists do not know, tested
//! values that never occur, rows no contact reaches, and files that do not look like
//! contacts.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::check::{RuleSet, ir};
use crate::codes::Code;
use crate::compile::{CompareOp, Node, PlanType, Program};
use crate::data::{DataError, DataProblem, JoinCounts};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::run::{AbsentColumn, Classified, Sink};
use crate::semantics::Value;
use crate::semantics::rows::Decision;
use crate::source::Span;

/// A field missing in more than this share of the records that could hold it is a
/// warning; any smaller gap is a note.
const MOSTLY_MISSING: f64 = 0.5;

/// Why a profile stopped taking contacts: the sample was full.
#[derive(Debug)]
pub struct SampleFull;

/// What one file's contacts held, counted as a run hands them over.
#[derive(Debug)]
pub struct Profile {
    /// The file's name in messages.
    pub file: String,
    /// Stop after this many contacts (`--sample`).
    sample: Option<usize>,
    /// Contacts classified.
    pub contacts: usize,
    /// Records that could not be read or classified.
    pub failed: usize,
    /// Per layout and slot: records of that layout seen, and how many had a value.
    present: Vec<Vec<(usize, usize)>>,
    /// Per layout and slot of a `one of` field: how often each value occurred.
    values: Vec<Vec<HashMap<String, usize>>>,
    /// Per classification: how many contacts each row decided.
    rows: Vec<Vec<usize>>,
    /// Values the schema does not know, by (field as the file names it, value).
    unknown: BTreeMap<(String, String), Unknown>,
    /// Other records that could not be read, by (file, code, field as the file names it).
    unread: BTreeMap<(String, &'static str, String), Unread>,
    /// The error that ended the reading (the file's header, a file that changed while it
    /// was read): the rest of the data is unread, so its findings would mislead.
    stopped: Option<DataError>,
    /// Columns the mapping reads that the file lacks.
    absent: Vec<AbsentColumn>,
    /// Whether `--sample` stopped the reading before the file's end.
    sampled: bool,
}

/// Records that could not be read for one reason in one place.
#[derive(Debug)]
struct Unread {
    /// How many.
    count: usize,
    /// The first of them.
    first: DataError,
}

/// A value of a `one of` field that the schema does not list, as the data holds it.
#[derive(Debug, Clone)]
struct Unknown {
    /// Records holding it.
    count: usize,
    /// The first of them.
    line: Option<usize>,
    /// The schema's values.
    allowed: Vec<String>,
    /// The file it was first seen in.
    file: String,
}

impl Profile {
    /// An empty profile of `file` for a program.
    pub fn new(program: &Program, file: &str, sample: Option<usize>) -> Profile {
        let plan = program.plan();
        Profile {
            file: file.to_string(),
            sample,
            contacts: 0,
            failed: 0,
            present: plan
                .records
                .iter()
                .map(|l| vec![(0, 0); l.fields.len()])
                .collect(),
            values: plan
                .records
                .iter()
                .map(|l| vec![HashMap::new(); l.fields.len()])
                .collect(),
            rows: program
                .classes()
                .iter()
                .map(|c| vec![0; c.rows.len()])
                .collect(),
            unknown: BTreeMap::new(),
            unread: BTreeMap::new(),
            stopped: None,
            absent: Vec::new(),
            sampled: false,
        }
    }

    fn count(&mut self, program: &Program, layout: usize, slots: &[Value]) {
        let plan = program.plan();
        for (slot, value) in slots.iter().enumerate() {
            let Some(counts) = self.present[layout].get_mut(slot) else {
                continue;
            };
            counts.0 += 1;
            if value.is_missing() {
                continue;
            }
            counts.1 += 1;
            match (&plan.records[layout].fields[slot].ty, value) {
                (PlanType::Enum(_), Value::Str(s)) => {
                    *self.values[layout][slot].entry(s.to_string()).or_default() += 1;
                }
                (PlanType::Record(inner), Value::Record(fields)) => {
                    self.count(program, *inner, fields);
                }
                (PlanType::List(element), Value::List(items)) => match element.as_ref() {
                    PlanType::Record(inner) => {
                        for item in items.iter() {
                            if let Value::Record(fields) = item {
                                self.count(program, *inner, fields);
                            }
                        }
                    }
                    PlanType::Enum(_) => {
                        for item in items.iter() {
                            if let Value::Str(s) = item {
                                *self.values[layout][slot].entry(s.to_string()).or_default() += 1;
                            }
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
}

/// A profile bound to its program while a run fills it.
pub struct Filling<'p> {
    /// The program the run classifies with.
    pub program: &'p Program,
    /// The profile being filled.
    pub profile: Profile,
}

impl Sink for Filling<'_> {
    type Error = SampleFull;

    fn classified(&mut self, record: Classified<'_>) -> Result<(), SampleFull> {
        let profile = &mut self.profile;
        if profile.sample.is_some_and(|n| profile.contacts >= n) {
            profile.sampled = true;
            return Err(SampleFull);
        }
        profile.contacts += 1;
        profile.count(self.program, 0, &record.contact.slots);
        for (c, outcome) in record.outcomes.iter().enumerate() {
            if let Decision::Row(r) = outcome.decision {
                profile.rows[c][r] += 1;
            }
        }
        Ok(())
    }

    fn absent_column(&mut self, column: &AbsentColumn) {
        self.profile.absent.push(column.clone());
    }

    fn failed(&mut self, error: &DataError) -> Result<(), SampleFull> {
        let profile = &mut self.profile;
        if error.fatal {
            // not a record that failed: the reading that ended
            profile.stopped.get_or_insert_with(|| error.clone());
            return Ok(());
        }
        profile.failed += 1;
        let text = match &error.problem {
            DataProblem::NotInEnum {
                found: crate::data::Found::Text { shown, truncated },
                ..
            } => Some(if *truncated {
                format!("{shown}…")
            } else {
                shown.clone()
            }),
            _ => None,
        };
        if let (DataProblem::NotInEnum { allowed, .. }, Some(text)) = (&error.problem, text) {
            let key = (error.field.clone().unwrap_or_default(), text);
            let entry = profile.unknown.entry(key).or_insert(Unknown {
                count: 0,
                line: error.line,
                allowed: allowed.to_vec(),
                // the file the value is in: an activity's is the file of activities
                file: error.file.clone(),
            });
            entry.count += 1;
        } else {
            // every other failure, by its kind and place: the first of each shown
            let key = (
                error.file.clone(),
                error.code.as_str(),
                error.field.clone().unwrap_or_default(),
            );
            let entry = profile.unread.entry(key).or_insert_with(|| Unread {
                count: 0,
                first: error.clone(),
            });
            entry.count += 1;
        }
        Ok(())
    }
}

/// The schema's declaration of the field at `slot` of plan layout `layout`.
fn declaration(program: &Program, rules: &RuleSet, layout: usize, slot: usize) -> Option<Span> {
    let plan_layout = &program.plan().records[layout];
    let record = rules.records.iter().find(|r| r.path == plan_layout.path)?;
    let field = record.field(&plan_layout.fields[slot].name)?;
    record.fields[field].decl
}

/// The schema's declaration of the contact's own field `name`, if it is one the plan reads.
fn contact_field(program: &Program, rules: &RuleSet, name: &str) -> Option<Span> {
    let fields = &program.plan().records[0].fields;
    let slot = fields.iter().position(|f| *f.name == *name)?;
    declaration(program, rules, 0, slot)
}

/// Where findings about a whole file are placed: the schema's first field (or the first
/// row, with no schema).
fn anchor(program: &Program, rules: &RuleSet) -> Span {
    rules
        .records
        .get(ir::ROOT)
        .and_then(|r| r.fields.iter().find_map(|f| f.decl))
        .or_else(|| program.classes().first().map(|c| program.span(c.rows[0].1)))
        .unwrap_or_default()
}

/// The finding of a data file that could not be read to its end (`error`, worded by
/// `word`): an error of the check, and the only finding, since findings on part of the data
/// would mislead.
pub fn stopped(
    program: &Program,
    rules: &RuleSet,
    error: &DataError,
    word: &dyn Fn(&DataError) -> String,
) -> Diagnostic {
    let mut d = Diagnostic::new(error.code, anchor(program, rules), word(error))
        .with_label("the schema these contacts should have")
        .with_help("the data could not be read to its end, so nothing else of it is reported (findings on part of it would mislead); fix this and check again");
    d.severity = crate::diagnostic::Severity::Error;
    d
}

/// The findings of the profiles of every file and of the files of activities joined to
/// them, located in the rules, in source order; findings about a whole file are placed at
/// the schema's first field. `word` words a data error as `eval` does.
pub fn findings(
    program: &Program,
    rules: &RuleSet,
    profiles: &[Profile],
    joins: &[JoinCounts],
    word: &dyn Fn(&DataError) -> String,
) -> Vec<Diagnostic> {
    let stops: Vec<Diagnostic> = profiles
        .iter()
        .filter_map(|p| p.stopped.as_ref())
        .map(|e| stopped(program, rules, e, word))
        .collect();
    if !stops.is_empty() {
        return stops;
    }
    let mut out = Vec::new();
    let plan = program.plan();
    // a file cut short by `--sample` is named with the part read
    let files = profiles
        .iter()
        .map(|p| match p.sample {
            Some(n) if p.sampled => format!("`{}` (its first {n} contacts, `--sample`)", p.file),
            _ => format!("`{}`", p.file),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let anchor = anchor(program, rules);
    // a file that holds no records, or none of the fields the rules read (records that
    // fail are findings of their own, below, with their reason)
    for p in profiles {
        let read = p.contacts + p.failed;
        let has_any = p.present[0]
            .iter()
            .enumerate()
            .any(|(slot, &(_, n))| slot != plan.id_slot && n > 0);
        let why = if read == 0 {
            Some("it holds no records".to_string())
        } else if !has_any && p.contacts > 0 && p.present[0].len() > 1 {
            Some("none of its records has any field the rules read, besides the id".to_string())
        } else {
            None
        };
        if let Some(why) = why {
            out.push(
                Diagnostic::new(
                    Code::DataNotContacts,
                    anchor,
                    format!("`{}` does not look like contacts for these rules: {why}", p.file),
                )
                .with_label("the schema these contacts should have")
                .with_help("check that the file is the export you meant, and that its columns or keys are the schema's (a mapping in qualify.toml can rename them)"),
            );
        }
    }
    // fields: never present, or mostly missing, over all files
    for (layout, fields) in plan.records.iter().enumerate() {
        for slot in 0..fields.fields.len() {
            if layout == 0 && slot == plan.id_slot {
                continue;
            }
            let (records, present) = profiles
                .iter()
                .map(|p| p.present[layout][slot])
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            if records == 0 {
                continue;
            }
            let Some(span) = declaration(program, rules, layout, slot) else {
                continue;
            };
            let path = fields.field_path(slot);
            let missing = records - present;
            if present == 0 {
                // a column the mapping reads into it that the file lacks is the likely cause
                let from = profiles
                    .iter()
                    .flat_map(|p| &p.absent)
                    .find(|a| layout == 0 && a.field == path);
                let help = match from {
                    Some(a) => format!(
                        "the mapping reads it from the column `{}`, which `{}` does not have{}; fix the header in qualify.toml, or the export",
                        a.header,
                        a.file,
                        a.near.as_ref().map_or(String::new(), |n| format!(" (it has `{n}`)"))
                    ),
                    None => "map the column that holds it in qualify.toml, or check the export's columns; every condition on it is unknown for every contact".to_string(),
                };
                out.push(
                    Diagnostic::new(
                        Code::DataFieldAbsent,
                        span,
                        format!("the rules read `{path}`, but no record of {files} has it ({records} without it)"),
                    )
                    .with_label("never in the data")
                    .with_help(help),
                );
            } else if missing > 0 {
                let share = 100.0 * missing as f64 / records as f64;
                let mut d = Diagnostic::new(
                    Code::DataFieldMissing,
                    span,
                    format!("`{path}` is missing in {missing} of {records} records ({share:.1}%)"),
                )
                .with_label(if share > MOSTLY_MISSING * 100.0 { "mostly missing" } else { "sometimes missing" })
                .with_help("conditions on it are unknown for those contacts; fill it in the CRM, or give a default with `??` where one is right");
                // a gap is worth knowing; a field mostly missing is worth fixing
                if share > MOSTLY_MISSING * 100.0 {
                    d.severity = crate::diagnostic::Severity::Warning;
                }
                out.push(d);
            }
        }
    }
    // values the schema's `one of` lists do not know
    let mut unknown: BTreeMap<(String, String), Unknown> = BTreeMap::new();
    for p in profiles {
        for (key, found) in &p.unknown {
            let entry = unknown.entry(key.clone()).or_insert(Unknown {
                count: 0,
                ..found.clone()
            });
            entry.count += found.count;
        }
    }
    for ((field, value), found) in unknown {
        let Unknown {
            count,
            line,
            allowed,
            file,
        } = found;
        let span = enum_declaration(rules, &allowed).unwrap_or(anchor);
        let near = did_you_mean(&value, allowed.iter().map(String::as_str));
        let help = match near {
            Some(near) => format!("did you mean `{near}`? A mapping's `values` (or `case = \"fold\"`) can translate the export's spelling"),
            None => "add it to the `one of` list if it is a real value, or translate it with a mapping's `values`".to_string(),
        };
        let at = line.map_or(String::new(), |l| format!(", first on line {l}"));
        out.push(
            Diagnostic::new(
                Code::DataUnknownValue,
                span,
                format!("`{field}` holds \"{value}\" in {count} record{} of `{file}`{at}, which the schema's values do not include", if count == 1 { "" } else { "s" }),
            )
            .with_label("the values the schema allows")
            .with_help(&help),
        );
    }
    // activities that mostly name no contact read: the key is another column, or the
    // export is of other contacts (not counted where a sample left contacts unread)
    let sampled = profiles.iter().any(|p| p.sampled);
    for join in joins {
        let list = contact_field(program, rules, &join.list);
        // a key no record has (a key path spelt otherwise) leaves every list empty
        if join.keyless * 2 > join.read {
            out.push(
                Diagnostic::new(
                    Code::DataActivitiesOrphaned,
                    list.unwrap_or(anchor),
                    format!(
                        "{} of the {} activities of `{}` have no `{}`, so they join no contact",
                        join.keyless, join.read, join.file, join.key
                    ),
                )
                .with_label("the list they should fill")
                .with_help("check that the mapping's `key` names the column or key path that holds each activity's contact id, spelt as the file spells it"),
            );
            continue;
        }
        if sampled || join.orphans == 0 || join.orphans * 2 <= join.links {
            continue;
        }
        let joined = join.links - join.orphans;
        out.push(
            Diagnostic::new(
                Code::DataActivitiesOrphaned,
                list.unwrap_or(anchor),
                format!(
                    "{} of the {} activities of `{}` name no contact of {files} by `{}` ({joined} joined into `{}`)",
                    join.orphans, join.links, join.file, join.key, join.list
                ),
            )
            .with_label("the list they should fill")
            .with_help("check that the mapping's `key` names the column that holds each activity's contact id, and that the activities export is of these contacts"),
        );
    }
    // records that could not be read, by reason and place
    for p in profiles {
        for unread in p.unread.values() {
            let Unread { count, first } = unread;
            let message = if *count == 1 {
                format!(
                    "a record cannot be read, so no other finding counts it: {}",
                    word(first)
                )
            } else {
                format!(
                    "{count} records cannot be read for this reason, so no other finding counts them; the first: {}",
                    word(first)
                )
            };
            // at the field's declaration where the file names it as the schema does
            let field = first
                .field
                .as_deref()
                .and_then(|name| contact_field(program, rules, name));
            out.push(
                Diagnostic::new(Code::DataUnreadable, field.unwrap_or(anchor), message)
                    .with_label(if field.is_some() {
                        "the field these cells should fit"
                    } else {
                        "the schema these records should fit"
                    })
                    .with_help("`qualify eval` fails each of them; fix the export, or the mapping in qualify.toml that reads this column"),
            );
        }
    }
    // the findings below count only the records that could be read
    let failed: usize = profiles.iter().map(|p| p.failed).sum();
    let unread = if failed > 0 {
        format!(" that could be read ({failed} more could not)")
    } else {
        String::new()
    };
    let also_failed = if failed > 0 {
        format!("; {failed} more could not be read")
    } else {
        String::new()
    };
    // tested values that never occur
    let mut reported = HashSet::new();
    for id in program.node_ids() {
        let (field, constants): (_, Vec<&str>) = match program.node(id) {
            Node::Compare(CompareOp::Eq | CompareOp::Ne, a, b) => {
                match (program.node(*a), program.node(*b)) {
                    (Node::Field { .. }, Node::Const(Value::Str(s))) => (*a, vec![&**s]),
                    (Node::Const(Value::Str(s)), Node::Field { .. }) => (*b, vec![&**s]),
                    _ => continue,
                }
            }
            Node::In { item, list, .. } => match (program.node(*item), program.node(*list)) {
                (Node::Field { .. }, Node::Const(Value::List(items))) => (
                    *item,
                    items
                        .iter()
                        .filter_map(|v| match v {
                            Value::Str(s) => Some(&**s),
                            _ => None,
                        })
                        .collect(),
                ),
                _ => continue,
            },
            _ => continue,
        };
        let Node::Field { layout, slot, .. } = program.node(field) else {
            continue;
        };
        let (layout, slot) = (*layout, *slot as usize);
        let is_enum = matches!(&plan.records[layout].fields[slot].ty, PlanType::Enum(_))
            || matches!(&plan.records[layout].fields[slot].ty, PlanType::List(e) if matches!(**e, PlanType::Enum(_)));
        let seen_any = profiles.iter().any(|p| p.present[layout][slot].1 > 0);
        if !is_enum || !seen_any {
            continue;
        }
        for value in constants {
            let occurs = profiles
                .iter()
                .any(|p| p.values[layout][slot].contains_key(value));
            if !occurs && reported.insert((layout, slot, value.to_string())) {
                let path = plan.records[layout].field_path(slot);
                out.push(
                    Diagnostic::new(
                        Code::DataValueNeverOccurs,
                        program.span(id),
                        format!("the rules test `{path}` for \"{value}\", which no record of {files}{unread} holds"),
                    )
                    .with_label("never in the data")
                    .with_help("if the export spells it otherwise, map it with `values` in qualify.toml; if it is simply rare, this sample has none"),
                );
            }
        }
    }
    // rows no contact reaches
    let total: usize = profiles.iter().map(|p| p.contacts).sum();
    if total > 0 {
        for (c, class) in program.classes().iter().enumerate() {
            for (r, &(value, cond)) in class.rows.iter().enumerate() {
                let hits: usize = profiles.iter().map(|p| p.rows[c][r]).sum();
                if hits == 0 {
                    out.push(
                        Diagnostic::new(
                            Code::DataRowNeverDecides,
                            program.span(cond),
                            format!(
                                "no contact of {files} gets `{} = {}` from this row ({total} classified{})",
                                class.name, class.values[value], also_failed
                            ),
                        )
                        .with_label("decided no contact")
                        .with_help("the row's condition may test values or fields the data lacks (see the other findings), or the rows above take every contact it would match"),
                    );
                }
            }
        }
    }
    // stable: two findings at one place keep the order above (the file first)
    crate::diagnostic::sort_in_source_order(&mut out);
    out
}

/// Where a `one of` list with exactly these values is declared (the first field of that
/// type).
fn enum_declaration(rules: &RuleSet, allowed: &[String]) -> Option<Span> {
    let id = rules.enums.iter().position(|values| values == allowed)?;
    rules.records.iter().find_map(|r| {
        r.fields.iter().find_map(|f| match &f.ty {
            ir::Type::Enum(e) if *e == id => f.decl,
            ir::Type::List(inner) if matches!(**inner, ir::Type::Enum(e) if e == id) => f.decl,
            _ => None,
        })
    })
}
