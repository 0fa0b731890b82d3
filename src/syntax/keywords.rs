//! The words of the language, listed once; every list of keywords elsewhere derives from
//! [`KEYWORDS`]. The grammar (`grammar/qualify.pest`) spells them again, as pest needs;
//! a test below checks that the two agree.

/// What a keyword does, as far as code outside the grammar needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Starts a top-level item (`schema`, `let`, `classify`).
    Item,
    /// Starts a top-level item reserved for a planned feature (`score`, `import`).
    PlannedItem,
    /// An infix operator spelled as a word that people sometimes call like a function
    /// (`contains`, `within`, …).
    WordOperator,
    /// Any other word of the grammar.
    Other,
}

/// One word of the language.
#[derive(Debug, Clone, Copy)]
pub struct Keyword {
    /// The word as written.
    pub word: &'static str,
    /// What it does.
    pub role: Role,
    /// Whether it is reserved: it can never be a name (the grammar's `keyword` rule).
    /// The others (`count`, `missing`, `one`, …) are keywords only where they appear.
    pub reserved: bool,
}

const fn kw(word: &'static str, role: Role, reserved: bool) -> Keyword {
    Keyword {
        word,
        role,
        reserved,
    }
}

/// Every keyword of the grammar.
pub const KEYWORDS: &[Keyword] = &[
    kw("schema", Role::Item, true),
    kw("let", Role::Item, true),
    kw("classify", Role::Item, true),
    kw("when", Role::Other, true),
    kw("otherwise", Role::Other, true),
    kw("and", Role::Other, true),
    kw("or", Role::Other, true),
    kw("not", Role::Other, true),
    kw("in", Role::Other, true),
    kw("is", Role::Other, true),
    kw("any", Role::Other, true),
    kw("all", Role::Other, true),
    kw("for", Role::Other, true),
    kw("where", Role::Other, true),
    kw("now", Role::Other, true),
    kw("within", Role::WordOperator, true),
    kw("before", Role::WordOperator, true),
    kw("after", Role::WordOperator, true),
    kw("contains", Role::WordOperator, true),
    kw("starts_with", Role::WordOperator, true),
    kw("ends_with", Role::WordOperator, true),
    kw("matches", Role::WordOperator, true),
    kw("true", Role::Other, true),
    kw("false", Role::Other, true),
    kw("score", Role::PlannedItem, true),
    kw("import", Role::PlannedItem, true),
    kw("missing", Role::Other, false),
    kw("present", Role::Other, false),
    kw("one", Role::Other, false),
    kw("of", Role::Other, false),
    kw("list", Role::Other, false),
    kw("count", Role::Other, false),
    kw("sum", Role::Other, false),
    kw("min", Role::Other, false),
    kw("max", Role::Other, false),
];

fn find(word: &str) -> Option<&'static Keyword> {
    KEYWORDS.iter().find(|k| k.word == word)
}

/// Whether `word` is reserved and so cannot be a name.
pub fn is_reserved(word: &str) -> bool {
    find(word).is_some_and(|k| k.reserved)
}

/// Whether `word` starts a top-level item, planned ones included.
pub fn is_item_keyword(word: &str) -> bool {
    find(word).is_some_and(|k| matches!(k.role, Role::Item | Role::PlannedItem))
}

/// The words that start a top-level item, planned ones included.
pub fn item_keywords() -> impl Iterator<Item = &'static str> {
    KEYWORDS
        .iter()
        .filter(|k| matches!(k.role, Role::Item | Role::PlannedItem))
        .map(|k| k.word)
}

/// Whether `word` starts an item reserved for a planned feature.
pub fn is_planned_item(word: &str) -> bool {
    find(word).is_some_and(|k| k.role == Role::PlannedItem)
}

/// Whether `word` is an infix operator spelled as a word (`contains`, `within`, …).
pub fn is_word_operator(word: &str) -> bool {
    find(word).is_some_and(|k| k.role == Role::WordOperator)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::ast::{Aggregate, BinaryOp, Quantifier};

    const GRAMMAR: &str = include_str!("../../grammar/qualify.pest");

    /// The words of the grammar's `kw_NAME = @{ "word" ~ !ident_char }` rules.
    fn grammar_keywords() -> BTreeSet<&'static str> {
        GRAMMAR
            .lines()
            .filter(|l| l.starts_with("kw_"))
            .map(|l| l.split('"').nth(1).expect("a kw_ rule has a literal"))
            .collect()
    }

    /// The words of the grammar's `keyword` rule, which `ident` refuses.
    fn grammar_reserved() -> BTreeSet<&'static str> {
        let start = GRAMMAR.find("\nkeyword = ").expect("a `keyword` rule");
        let rule = &GRAMMAR[start..];
        let rule = &rule[..rule.find('}').expect("the rule ends")];
        rule.split('"').skip(1).step_by(2).collect()
    }

    #[test]
    fn the_table_lists_the_grammars_keywords() {
        let table: BTreeSet<&str> = KEYWORDS.iter().map(|k| k.word).collect();
        assert_eq!(table.len(), KEYWORDS.len(), "a word is listed twice");
        // `score` and `import` have no `kw_` rule yet: they are only refused as names
        let grammar: BTreeSet<&str> = grammar_keywords()
            .union(&grammar_reserved())
            .copied()
            .collect();
        assert_eq!(table, grammar);
    }

    #[test]
    fn reserved_words_are_the_grammars_keyword_rule() {
        let reserved: BTreeSet<&str> = KEYWORDS
            .iter()
            .filter(|k| k.reserved)
            .map(|k| k.word)
            .collect();
        assert_eq!(reserved, grammar_reserved());
    }

    #[test]
    fn item_keywords_are_the_grammars_items() {
        // `item` names the items that parse; the planned ones are only reserved
        for word in ["schema", "let", "classify"] {
            assert!(GRAMMAR.contains(&format!("{word}_item = {{ kw_{word}")));
            assert_eq!(find(word).map(|k| k.role), Some(Role::Item));
        }
        assert_eq!(
            item_keywords().collect::<Vec<_>>(),
            ["schema", "let", "classify", "score", "import"]
        );
    }

    #[test]
    fn words_printed_for_the_tree_are_keywords() {
        let ops = [
            BinaryOp::Or,
            BinaryOp::And,
            BinaryOp::In,
            BinaryOp::Contains,
            BinaryOp::StartsWith,
            BinaryOp::EndsWith,
            BinaryOp::Matches,
            BinaryOp::Within,
            BinaryOp::Before,
            BinaryOp::After,
        ];
        for op in ops {
            assert!(find(op.symbol()).is_some(), "{}", op.symbol());
        }
        for a in [
            Aggregate::Count,
            Aggregate::Sum,
            Aggregate::Min,
            Aggregate::Max,
        ] {
            assert!(find(a.keyword()).is_some(), "{}", a.keyword());
        }
        for q in [Quantifier::Any, Quantifier::All] {
            assert!(find(q.keyword()).is_some(), "{}", q.keyword());
        }
        let word_operators: Vec<&str> = KEYWORDS
            .iter()
            .filter(|k| k.role == Role::WordOperator)
            .map(|k| k.word)
            .collect();
        for word in word_operators {
            assert!(
                ops.iter().any(|op| op.symbol() == word),
                "`{word}` is a word operator without a BinaryOp"
            );
        }
    }
}
