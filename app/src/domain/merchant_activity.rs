//! The merchant's last thirty days for the console's overview: cards issued and money spent per
//! day, and the money that came into and went out of the wallet. Days are UTC days, as every
//! time the console shows is UTC. Pure: the store hands over what it counted per day, and the
//! days without anything are filled in here, so the chart always has thirty bars.

use serde::{Deserialize, Serialize};

use super::{calendar::civil_from_days, Cents};

/// How many days the overview looks back over, today included.
pub const ACTIVITY_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;

/// One UTC day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayActivity {
    /// Days since 1970-01-01 (what `epoch ms / 86,400,000` gives).
    pub day: i64,
    pub cards_issued: i64,
    /// Captured purchases on the merchant's cards.
    pub spent: Cents,
}

impl DayActivity {
    /// `2026-11-28`.
    pub fn date(&self) -> String {
        let (year, month, day) = civil_from_days(self.day);
        format!("{year:04}-{month:02}-{day:02}")
    }

    /// `Nov 28`: short enough to sit under a bar.
    pub fn short_date(&self) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let (_, month, day) = civil_from_days(self.day);
        format!("{} {day}", MONTHS[(month as usize).saturating_sub(1) % 12])
    }
}

/// The overview's thirty days.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantActivity {
    /// Oldest first, [`ACTIVITY_DAYS`] of them, ending today.
    pub days: Vec<DayActivity>,
    /// Into the wallet over the same days (funding, refunds, money returned from cards).
    pub money_in: Cents,
    /// Out of the wallet over the same days (deposits and top-ups of cards).
    pub money_out: Cents,
}

impl MerchantActivity {
    pub fn cards_issued(&self) -> i64 {
        self.days.iter().map(|day| day.cards_issued).sum()
    }

    pub fn spent(&self) -> Cents {
        Cents(self.days.iter().map(|day| day.spent.0).sum())
    }
}

/// The first instant (epoch ms) the overview counts: midnight UTC, [`ACTIVITY_DAYS`] - 1 days
/// before the day of `now_ms`.
pub fn window_start_ms(now_ms: i64) -> i64 {
    (now_ms.div_euclid(DAY_MS) - (ACTIVITY_DAYS - 1)) * DAY_MS
}

/// Every day of the window ending on the day of `now_ms`, with what was counted on it: `issued`
/// and `spent` are `(day, figure)` pairs for the days that had any (others are zero; pairs
/// outside the window are ignored).
pub fn days_of_window(
    now_ms: i64,
    issued: &[(i64, i64)],
    spent: &[(i64, i64)],
) -> Vec<DayActivity> {
    let first = window_start_ms(now_ms) / DAY_MS;
    let figure = |pairs: &[(i64, i64)], day: i64| -> i64 {
        pairs
            .iter()
            .filter(|(at, _)| *at == day)
            .map(|(_, value)| value)
            .sum()
    };
    (first..first + ACTIVITY_DAYS)
        .map(|day| DayActivity {
            day,
            cards_issued: figure(issued, day),
            spent: Cents(figure(spent, day)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-28T12:00:00Z
    const NOW: i64 = 1_795_867_200_000;

    #[test]
    fn the_window_is_thirty_utc_days_ending_today() {
        let days = days_of_window(NOW, &[], &[]);
        assert_eq!(days.len(), 30);
        assert_eq!(days.last().unwrap().date(), "2026-11-28");
        assert_eq!(days.first().unwrap().date(), "2026-10-30");
        assert_eq!(window_start_ms(NOW), days[0].day * DAY_MS);
        assert!(days.windows(2).all(|pair| pair[1].day == pair[0].day + 1));
    }

    #[test]
    fn figures_land_on_their_day_and_others_are_zero() {
        let today = NOW / DAY_MS;
        let days = days_of_window(
            NOW,
            &[(today, 3), (today - 29, 1), (today - 30, 99)],
            &[(today - 1, 1_250)],
        );
        assert_eq!(days[29].cards_issued, 3);
        assert_eq!(days[0].cards_issued, 1, "the window's first day counts");
        assert_eq!(days[28].spent, Cents(1_250));
        let activity = MerchantActivity {
            days,
            ..MerchantActivity::default()
        };
        assert_eq!(
            activity.cards_issued(),
            4,
            "a day before the window is left out"
        );
        assert_eq!(activity.spent(), Cents(1_250));
    }

    #[test]
    fn a_day_reads_as_its_date() {
        let day = DayActivity {
            day: NOW / DAY_MS,
            cards_issued: 0,
            spent: Cents(0),
        };
        assert_eq!(day.short_date(), "Nov 28");
    }
}
