//! What a merchant calls its three monthly fee plans where cardholders choose one ("Basic",
//! "Plus", "Premium"), instead of the processor's `ONE`/`TWO`/`THREE`. Each is optional; a plan
//! without a name is shown as "Plan ONE".

use serde::{Deserialize, Serialize};

use super::{fee_type::FeeType, plain_text};

/// Names in plan order (`ONE`, `TWO`, `THREE`); an empty one is unnamed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanNames(pub [String; 3]);

/// A plan's name is at most this long: it sits beside a price in a 280 px wide frame.
pub const MAX_PLAN_NAME_CHARS: usize = 24;

impl PlanNames {
    /// What the person choosing sees for `plan`.
    pub fn name(&self, plan: FeeType) -> String {
        match self.given(plan) {
            Some(given) => given.to_owned(),
            None => format!("Plan {}", plan.as_str()),
        }
    }

    /// The name the merchant gave `plan`, if any.
    pub fn given(&self, plan: FeeType) -> Option<&str> {
        Some(self.0[plan.index()].as_str()).filter(|name| !name.is_empty())
    }

    pub fn set(&mut self, plan: FeeType, name: String) {
        self.0[plan.index()] = name;
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(String::is_empty)
    }

    /// A name as given, trimmed: 1 to [`MAX_PLAN_NAME_CHARS`] characters of plain text.
    pub fn parse_name(text: &str) -> Result<String, String> {
        let name = text.trim();
        if name.is_empty() || name.chars().count() > MAX_PLAN_NAME_CHARS {
            return Err(format!("must be 1 to {MAX_PLAN_NAME_CHARS} characters"));
        }
        plain_text::check(name).map_err(|error| error.to_string())?;
        Ok(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::{FeeType, PlanNames};

    #[test]
    fn a_named_plan_shows_its_name_and_an_unnamed_one_its_code() {
        let mut names = PlanNames::default();
        assert!(names.is_empty());
        names.set(FeeType::Two, "Plus".into());
        assert_eq!(names.name(FeeType::One), "Plan ONE");
        assert_eq!(names.name(FeeType::Two), "Plus");
        assert!(!names.is_empty());
    }

    #[test]
    fn names_are_short_plain_text() {
        assert_eq!(PlanNames::parse_name("  Basic "), Ok("Basic".to_owned()));
        assert!(PlanNames::parse_name("   ").is_err());
        assert!(PlanNames::parse_name(&"x".repeat(25)).is_err());
        assert!(PlanNames::parse_name("Pl\u{202e}us").is_err());
        assert!(PlanNames::parse_name("Pl\nus").is_err());
    }
}
