//! `lower()` in SQL, exactly as the engine lowers text ([`str::to_lowercase`]), whatever the
//! database's collation or Unicode tables: a `translate` of every capital letter the
//! engine's Unicode version knows to its lower-case letter. Databases lower by their own
//! tables (PostgreSQL by the collation's locale, where `C` lowers only ASCII), so their
//! `lower` is not used.

/// The letters whose lower case is one other letter, and those lower-case letters, in the
/// same order: the two texts a `translate(text, from, to)` takes.
pub fn translation() -> (String, String) {
    let mut from = String::new();
    let mut to = String::new();
    for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
        // a capital sigma lowers by its place in a word, and U+0130 to two letters:
        // `sql::expr` handles both apart
        if c == SIGMA || c == DOTTED_I {
            continue;
        }
        let mut lowered = c.to_lowercase();
        if let (Some(l), None) = (lowered.next(), lowered.next())
            && l != c
        {
            from.push(c);
            to.push(l);
        }
    }
    (from, to)
}

/// A regular expression (a bracket expression every dialect reads alike: the letters
/// one by one, no ranges, whose order depends on a collation in PostgreSQL) matching the
/// text that holds a capital letter outside ASCII: text without one is lowered by
/// lowering its ASCII letters, without the translation, which databases run a letter of
/// the text against every letter of the table (DuckDB: 10 s for 200,000 short texts).
pub fn non_ascii_capitals(from: &str) -> String {
    let mut class = String::from("[");
    class.extend(from.chars().filter(|c| !c.is_ascii()));
    class.push(SIGMA);
    class.push(DOTTED_I);
    class.push(']');
    class
}

/// `Σ`, lowered to `σ` or, at the end of a word, `ς`.
pub const SIGMA: char = '\u{3a3}';

/// `İ`, lowered to `i` and a combining dot above.
pub const DOTTED_I: char = '\u{130}';

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_translation_lowers_every_letter_but_two_as_to_lowercase_does() {
        let (from, to) = translation();
        assert_eq!(from.chars().count(), to.chars().count());
        let map: std::collections::HashMap<char, char> = from.chars().zip(to.chars()).collect();
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            if c == SIGMA || c == DOTTED_I {
                continue;
            }
            let translated = map.get(&c).copied().unwrap_or(c).to_string();
            assert_eq!(translated, c.to_lowercase().to_string(), "{c:?}");
        }
        assert!(map.contains_key(&'A') && map.contains_key(&'É') && !map.contains_key(&'a'));
        // every letter that lowers but an ASCII one is in the pattern, and nothing else
        let class = non_ascii_capitals(&from);
        let inner: std::collections::HashSet<char> = class
            .trim_start_matches('[')
            .trim_end_matches(']')
            .chars()
            .collect();
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let lowers = c.to_lowercase().to_string() != c.to_string();
            assert_eq!(inner.contains(&c), lowers && !c.is_ascii(), "{c:?}");
        }
        assert_eq!(
            DOTTED_I.to_lowercase().count(),
            2,
            "the one letter lowered to two"
        );
    }
}
