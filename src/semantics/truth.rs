//! Three-valued truth: a condition is true, false or unknown (its data is missing), and
//! `and`, `or` and `not` follow Kleene's strong tables, as SQL does with `NULL`.

use serde::Serialize;

use super::value::Value;

/// The truth of a condition for one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    /// It holds.
    True,
    /// It does not.
    False,
    /// Data it needs is missing.
    Unknown,
}

impl Truth {
    /// Every truth value, for code that reasons over all of them (the lint analysis).
    pub const ALL: [Truth; 3] = [Truth::True, Truth::False, Truth::Unknown];

    /// The truth a value stands for: `Missing` is unknown; `None` when the value is not a
    /// condition at all.
    pub fn of(value: &Value) -> Option<Truth> {
        match value {
            Value::Bool(true) => Some(Truth::True),
            Value::Bool(false) => Some(Truth::False),
            Value::Missing => Some(Truth::Unknown),
            _ => None,
        }
    }

    /// A known truth.
    pub const fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    /// The truth as a value: unknown is `Missing`.
    pub fn value(self) -> Value {
        match self {
            Truth::True => Value::Bool(true),
            Truth::False => Value::Bool(false),
            Truth::Unknown => Value::Missing,
        }
    }

    /// `true`/`false`, or `None` for unknown.
    pub fn known(self) -> Option<bool> {
        match self {
            Truth::True => Some(true),
            Truth::False => Some(false),
            Truth::Unknown => None,
        }
    }

    /// Whether it is true: a row matches, a guard applies, a filter keeps an element only
    /// then (unknown counts as not true, like SQL's `WHERE`).
    pub fn is_true(self) -> bool {
        self == Truth::True
    }

    /// Kleene `and`: false wins, then unknown.
    pub const fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    /// Kleene `or`: true wins, then unknown.
    pub const fn or(self, other: Truth) -> Truth {
        self.not().and(other.not()).not()
    }

    /// Kleene `not`: unknown stays unknown.
    #[allow(clippy::should_implement_trait)]
    pub const fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    /// The word for it.
    pub fn word(self) -> &'static str {
        match self {
            Truth::True => "true",
            Truth::False => "false",
            Truth::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Truth::{self, *};

    #[test]
    fn kleene_tables() {
        // the tables as SQL and Kleene write them
        let and = [
            [True, False, Unknown],
            [False, False, False],
            [Unknown, False, Unknown],
        ];
        let or = [
            [True, True, True],
            [True, False, Unknown],
            [True, Unknown, Unknown],
        ];
        for (i, a) in Truth::ALL.into_iter().enumerate() {
            for (j, b) in Truth::ALL.into_iter().enumerate() {
                assert_eq!(a.and(b), and[i][j], "{a:?} and {b:?}");
                assert_eq!(a.or(b), or[i][j], "{a:?} or {b:?}");
            }
        }
        assert_eq!(
            [True.not(), False.not(), Unknown.not()],
            [False, True, Unknown]
        );
    }

    #[test]
    fn de_morgan_and_involution_hold() {
        for a in Truth::ALL {
            assert_eq!(a.not().not(), a);
            for b in Truth::ALL {
                assert_eq!(a.and(b).not(), a.not().or(b.not()));
                assert_eq!(a.and(b), b.and(a));
                assert_eq!(a.or(b), b.or(a));
            }
        }
    }
}
