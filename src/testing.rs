//! Support shared by unit tests: a small deterministic random generator, and rules checked
//! clean.

/// SplitMix64: small, fast and deterministic, for generated test inputs.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (which must not be 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// One of `items` (which must not be empty).
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Checks `rules` as the file `t.qual`; they must check without errors.
pub(crate) fn checked(rules: &str) -> (crate::source::SourceMap, crate::check::CheckedRuleSet) {
    let mut sources = crate::source::SourceMap::new();
    sources.add("t.qual", rules.to_string());
    let (checked, diagnostics) = crate::front_end(&sources, &Default::default());
    assert!(
        !diagnostics.iter().any(|d| d.is_error()),
        "{rules}\n{diagnostics:#?}"
    );
    (sources, checked.expect("no errors"))
}
