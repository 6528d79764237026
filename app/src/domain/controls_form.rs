//! The console's spend-controls form: what a person types, read into [`SpendControls`] under
//! the rules dialect B's settings endpoint applies (positive amounts, 3-letter currency codes, a
//! window that does not end before it starts; the last two are [`SpendControls`]' own checks,
//! shared with dialect B). Every problem is reported against its field, all at once.

use serde::{Deserialize, Serialize};

use super::{
    calendar::{civil_from_days, days_from_civil},
    spend_controls::{is_currency_code, LimitInterval, SpendControls, SpendLimit, WINDOW_REVERSED},
    Cents,
};

const DAY_MS: i64 = 86_400_000;

/// The form's fields as typed. Amounts in dollars; a blank interval has no limit; dates are
/// `YYYY-MM-DD` (UTC days; blank: no bound); currencies comma- or space-separated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlsForm {
    pub limit_per_transaction: String,
    pub is_autolimit: bool,
    /// One entry per interval, in [`LimitInterval::ALL`]'s order.
    pub limits: Vec<String>,
    pub allowed_currencies: String,
    pub active_from: String,
    pub active_to: String,
}

/// A field the form must show a problem next to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The form field of an interval's limit.
pub fn limit_field(interval: LimitInterval) -> String {
    format!("interval_{}", interval.code().to_ascii_lowercase())
}

/// `YYYY-MM-DD` of an instant (UTC).
pub fn date_of(epoch_ms: i64) -> String {
    let (year, month, day) = civil_from_days(epoch_ms.div_euclid(DAY_MS));
    format!("{year:04}-{month:02}-{day:02}")
}

fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (year, month, day): (i64, i64, i64) =
        (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // 2026-02-31 would roll over into March: not a date.
    (civil_from_days(days) == (year, month as u32, day as u32)).then_some(days * DAY_MS)
}

impl ControlsForm {
    /// The form showing `controls` as they are.
    pub fn of(controls: &SpendControls) -> Self {
        let dollars = |cents: Cents| format!("{}.{:02}", cents.0 / 100, cents.0 % 100);
        ControlsForm {
            limit_per_transaction: dollars(controls.limit_per_transaction),
            is_autolimit: controls.is_autolimit,
            limits: LimitInterval::ALL
                .iter()
                .map(|interval| {
                    controls
                        .limits
                        .iter()
                        .find(|limit| limit.interval == *interval)
                        .map(|limit| dollars(limit.amount))
                        .unwrap_or_default()
                })
                .collect(),
            allowed_currencies: controls.allowed_currencies.join(", "),
            active_from: controls.active_from_ms.map(date_of).unwrap_or_default(),
            // The window's last day, as it was chosen (stored as the end of that day).
            active_to: controls
                .active_to_ms
                .map(|ms| date_of(ms - 1))
                .unwrap_or_default(),
        }
    }

    /// The controls the form asks for, or every problem with it.
    pub fn parse(&self) -> Result<SpendControls, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut amount = |field: &str, text: &str| -> Option<Cents> {
            match Cents::parse_dollars(text) {
                Ok(cents) if cents.is_positive() => Some(cents),
                Ok(_) => {
                    problems.push(problem(field, "Input should be greater than 0"));
                    None
                }
                Err(_) => {
                    problems.push(problem(field, "Enter an amount in dollars, such as 25.00."));
                    None
                }
            }
        };
        let limit_per_transaction = amount("limit_per_transaction", &self.limit_per_transaction);
        let mut limits = Vec::new();
        for (interval, text) in LimitInterval::ALL.into_iter().zip(&self.limits) {
            if text.trim().is_empty() {
                continue;
            }
            if let Some(amount) = amount(&limit_field(interval), text) {
                limits.push(SpendLimit { interval, amount });
            }
        }
        let mut allowed_currencies = Vec::new();
        for code in self
            .allowed_currencies
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|code| !code.is_empty())
        {
            if is_currency_code(code) {
                allowed_currencies.push(code.to_ascii_uppercase());
            } else {
                problems.push(problem(
                    "allowed_currencies",
                    format!("{code:?}: Input should be a 3-letter ISO 4217 currency code"),
                ));
            }
        }
        let mut date = |field: &str, text: &str| -> Option<i64> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let day = parse_date(text);
            if day.is_none() {
                problems.push(problem(field, "Input should be a valid date (YYYY-MM-DD)"));
            }
            day
        };
        let active_from_ms = date("active_from", &self.active_from);
        let last_day_ms = date("active_to", &self.active_to);
        // Through the end of the chosen day.
        let active_to_ms = last_day_ms.map(|day| day + DAY_MS);
        let controls = SpendControls {
            limits,
            active_from_ms,
            active_to_ms,
            allowed_currencies,
            limit_per_transaction: limit_per_transaction.unwrap_or(Cents(1)),
            is_autolimit: self.is_autolimit,
        };
        // Dialect B's rule, on the days as chosen: the last day is not before the first.
        let last_before_first =
            matches!((active_from_ms, last_day_ms), (Some(first), Some(last)) if last < first);
        if controls.window_is_reversed() || last_before_first {
            problems.push(problem("active_to", WINDOW_REVERSED));
        }
        if problems.is_empty() {
            Ok(controls)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ControlsForm {
        ControlsForm {
            limit_per_transaction: "100.00".into(),
            is_autolimit: false,
            limits: vec![
                "".into(),
                "500".into(),
                "".into(),
                "".into(),
                "".into(),
                "".into(),
            ],
            allowed_currencies: "usd, EUR".into(),
            active_from: "2026-11-01".into(),
            active_to: "2026-11-30".into(),
        }
    }

    #[test]
    fn a_filled_form_reads_into_controls_and_back() {
        let controls = form().parse().unwrap();
        assert_eq!(controls.limit_per_transaction, Cents(10_000));
        assert_eq!(
            controls.limits,
            vec![SpendLimit {
                interval: LimitInterval::Daily,
                amount: Cents(50_000)
            }]
        );
        assert_eq!(controls.allowed_currencies, vec!["USD", "EUR"]);
        assert_eq!(controls.active_from_ms.map(date_of).unwrap(), "2026-11-01");
        assert_eq!(controls.active_to_ms.map(date_of).unwrap(), "2026-12-01");
        let shown = ControlsForm::of(&controls);
        assert_eq!(shown.active_to, "2026-11-30");
        assert_eq!(shown.limits[1], "500.00");
        assert_eq!(shown.parse().unwrap(), controls);
    }

    #[test]
    fn every_problem_is_reported_against_its_field() {
        let mut bad = form();
        bad.limit_per_transaction = "0".into();
        bad.limits[2] = "lots".into();
        bad.allowed_currencies = "USD, dollars".into();
        bad.active_from = "2026-12-01".into();
        bad.active_to = "2026-11-30".into();
        let problems = bad.parse().unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "limit_per_transaction",
                "interval_weekly",
                "allowed_currencies",
                "active_to"
            ]
        );
        assert!(problems[3].message.contains("must not be before"));
    }

    #[test]
    fn impossible_dates_are_refused() {
        for date in [
            "2026-02-31",
            "2026-13-01",
            "26-11-01",
            "2026-11-1",
            "tomorrow",
        ] {
            let mut bad = form();
            bad.active_from = date.into();
            assert_eq!(bad.parse().unwrap_err()[0].field, "active_from", "{date}");
        }
    }
}
