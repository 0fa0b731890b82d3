//! What the contact-data targets share: a sink that counts what a run gives it and
//! renders each data error as the CLI would (a panic in rendering is a finding too).

use qualify::data::DataError;
use qualify::run::{Classified, Sink};

/// Counts what it receives and renders each data error as the CLI would.
#[derive(Default)]
pub struct Count {
    pub classified: usize,
    pub failed: usize,
}

impl Sink for Count {
    type Error = std::convert::Infallible;

    fn classified(&mut self, record: Classified<'_>) -> Result<(), Self::Error> {
        self.classified += 1;
        assert!(!record.outcomes.is_empty());
        Ok(())
    }

    fn failed(&mut self, error: &DataError) -> Result<(), Self::Error> {
        self.failed += 1;
        let _ = qualify::cli::render::data::line(error);
        let _ = qualify::cli::render::data::field_problem(error);
        Ok(())
    }
}
