//! Finding one contact by id in an input, for `explain` and for test cases that name a
//! contact of a data file (`from:` with `id:`).

use super::Input;
use crate::compile::Program;
use crate::data::{self, Contact, DataError};

/// What an input holds under one id, in input order.
#[derive(Debug, Default)]
pub struct Found {
    /// The first contact with the id.
    pub first: Option<Contact>,
    /// The line of the second contact with the id, and its position among the records.
    pub second: Option<(usize, usize)>,
    /// How many contacts after the first have the id.
    pub more: usize,
    /// The first record with the id that could not be read, and its position.
    pub error: Option<(usize, DataError)>,
    /// Records with other (or unknown) ids that could not be read.
    pub skipped: usize,
}

impl Found {
    /// The first problem in input order: a record with the id that cannot be read, or a
    /// second contact with the id (`true` when it is the repetition).
    pub fn first_problem(&self) -> Option<bool> {
        match (&self.error, self.second) {
            (Some((e, _)), Some((_, s))) => Some(s < *e),
            (Some(_), None) => Some(false),
            (None, Some(_)) => Some(true),
            (None, None) => None,
        }
    }
}

/// Reads every record of `input` and keeps what has the id `id`; `activities` are to be
/// joined to the contact found (so its own record need not hold the lists they fill).
pub fn find(
    program: &Program,
    input: Input<'_>,
    id: &str,
    activities: &[data::Activities],
) -> Found {
    let mut found = Found::default();
    let plan = data::Activities::relaxed(program.plan(), activities);
    // a numeric id is written the shortest way in every format (`007` is contact `7`), so
    // is the one looked for
    let normal;
    let id = match (
        &plan.root().fields[plan.id_slot].ty,
        id.trim().parse::<f64>(),
    ) {
        (crate::compile::PlanType::Number, Ok(n)) if n.is_finite() && n.fract() == 0.0 => {
            normal = crate::semantics::value::format_number(n);
            normal.as_str()
        }
        _ => id,
    };
    let records = data::stream(input.format, input.name, input.reader, &plan, input.source);
    for (position, record) in records.enumerate() {
        match record {
            Ok(contact) if contact.id == id => {
                if found.first.is_none() {
                    found.first = Some(contact);
                } else {
                    found.second.get_or_insert((contact.line, position));
                    found.more += 1;
                }
            }
            Ok(_) => {}
            Err(e) if e.id.as_deref() == Some(id) => {
                found.error.get_or_insert((position, *e));
            }
            Err(_) => found.skipped += 1,
        }
    }
    found
}
