//! Civil dates from epoch milliseconds (UTC, proleptic Gregorian): just what card expiry and
//! timestamps in responses need, without a date library in the browser bundle. Hand-written on
//! purpose: one well-known algorithm (days to civil date) instead of `time`/`jiff` in the WASM.

/// (year, month 1-12, day 1-31) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of each 400-year era's years.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a civil date: the inverse of [`civil_from_days`] (`month` may run
/// past 12 or below 1; it rolls into the neighbouring years).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let index = year * 12 + month - 1;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `2026-11-25 06:19:03` (UTC).
pub fn format_datetime(epoch_ms: i64) -> String {
    let seconds = epoch_ms.div_euclid(1000);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// `2026-11-25T06:19:03.042Z`: ISO 8601 in UTC, to the millisecond.
pub fn format_timestamp_ms(epoch_ms: i64) -> String {
    format!(
        "{}.{:03}Z",
        format_datetime(epoch_ms).replace(' ', "T"),
        epoch_ms.rem_euclid(1000)
    )
}

/// The (year, month) `months` after the month containing `epoch_ms`.
pub fn month_after(epoch_ms: i64, months: i64) -> (i64, u32) {
    let (year, month, _) = civil_from_days(epoch_ms.div_euclid(86_400_000));
    let index = year * 12 + i64::from(month - 1) + months;
    (index.div_euclid(12), (index.rem_euclid(12) + 1) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(format_datetime(1_646_648_711_017), "2022-03-07 10:25:11");
        assert_eq!(format_datetime(1_795_587_543_000), "2026-11-25 06:19:03");
    }

    #[test]
    fn days_from_civil_inverts_civil_from_days() {
        for days in [-800_000, -1, 0, 11_016, 20_000, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(
                days_from_civil(year, i64::from(month), i64::from(day)),
                days
            );
        }
        assert_eq!(days_from_civil(2026, 13, 1), days_from_civil(2027, 1, 1));
    }

    #[test]
    fn months_roll_over_years() {
        let nov_2026 = 1_795_587_543_000;
        assert_eq!(month_after(nov_2026, 0), (2026, 11));
        assert_eq!(month_after(nov_2026, 2), (2027, 1));
        assert_eq!(month_after(nov_2026, 36), (2029, 11));
    }
}
