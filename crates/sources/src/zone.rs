//! The time zone of exports whose times carry none: a fixed UTC offset
//! (`+08:00`) or an IANA zone (`Asia/Shanghai`, `America/New_York`), whose
//! offset follows daylight saving time message by message.

use chrono::offset::LocalResult;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};

/// A zone to read local wall times in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Zone {
    /// A fixed offset from UTC.
    Fixed(FixedOffset),
    /// An IANA zone: the offset of each moment, daylight saving included.
    Named(chrono_tz::Tz),
}

impl Zone {
    /// `hours` east of UTC.
    pub fn hours(hours: i32) -> Zone {
        Zone::Fixed(FixedOffset::east_opt(hours * 3600).expect("a valid offset"))
    }

    /// `+08:00`, `-05:00`, `+0530`, `UTC`, `Z`, or an IANA name such as
    /// `Asia/Shanghai`.
    pub fn parse(s: &str) -> Result<Zone, String> {
        let s = s.trim();
        let bad = || format!("{s:?} is not a UTC offset like +08:00 or a time zone like Asia/Shanghai");
        if s.eq_ignore_ascii_case("utc") || s == "Z" {
            return Ok(Zone::hours(0));
        }
        if let Some(rest) = s.strip_prefix('+').map(|r| (1, r)).or_else(|| s.strip_prefix('-').map(|r| (-1, r))) {
            let (sign, rest) = rest;
            let (h, m) = match rest.split_once(':') {
                Some(hm) => hm,
                None if rest.len() == 4 => rest.split_at(2),
                None => (rest, "0"),
            };
            let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
            if !(0..60).contains(&m) {
                return Err(bad());
            }
            return FixedOffset::east_opt(sign * (h * 3600 + m * 60)).map(Zone::Fixed).ok_or_else(bad);
        }
        s.parse::<chrono_tz::Tz>().map(Zone::Named).map_err(|_| bad())
    }

    /// A local wall time in this zone. In the hour a daylight-saving change
    /// repeats, the first of the two moments; in the hour it skips (which no
    /// clock shows), the clock is read as not yet changed.
    pub fn from_local(&self, local: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
        match self {
            Zone::Fixed(tz) => tz.from_local_datetime(&local).single(),
            Zone::Named(tz) => match tz.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.fixed_offset()),
                LocalResult::None => {
                    let before = tz.offset_from_utc_datetime(&(local - chrono::Duration::hours(3))).fix();
                    before.from_local_datetime(&local).single()
                }
            },
        }
    }

    /// A moment as this zone's clock shows it.
    pub fn from_utc(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self {
            Zone::Fixed(tz) => t.with_timezone(tz),
            Zone::Named(tz) => t.with_timezone(tz).fixed_offset(),
        }
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Zone::Fixed(tz) => write!(f, "{tz}"),
            Zone::Named(tz) => write!(f, "{}", tz.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, 0).unwrap()
    }

    #[test]
    fn offsets_and_names_parse() {
        assert_eq!(Zone::parse("+08:00"), Ok(Zone::hours(8)));
        assert_eq!(Zone::parse("-0500"), Ok(Zone::hours(-5)));
        assert_eq!(Zone::parse("UTC"), Ok(Zone::hours(0)));
        assert_eq!(Zone::parse("Asia/Shanghai"), Ok(Zone::Named(chrono_tz::Asia::Shanghai)));
        assert!(Zone::parse("Mars/Olympus").is_err());
        assert!(Zone::parse("+08:75").is_err());
    }

    #[test]
    fn a_named_zone_follows_daylight_saving_time() {
        let ny = Zone::parse("America/New_York").unwrap();
        // Winter: UTC−5; summer: UTC−4.
        assert_eq!(ny.from_local(local(2024, 1, 15, 21, 0)).unwrap().to_rfc3339(), "2024-01-15T21:00:00-05:00");
        assert_eq!(ny.from_local(local(2024, 7, 15, 21, 0)).unwrap().to_rfc3339(), "2024-07-15T21:00:00-04:00");
        // 2024-11-03 01:30 happens twice: the first (still daylight time).
        assert_eq!(ny.from_local(local(2024, 11, 3, 1, 30)).unwrap().to_rfc3339(), "2024-11-03T01:30:00-04:00");
        // 2024-03-10 02:30 never happens: read with the offset before the change.
        assert_eq!(ny.from_local(local(2024, 3, 10, 2, 30)).unwrap().to_rfc3339(), "2024-03-10T02:30:00-05:00");
        let t = DateTime::parse_from_rfc3339("2024-07-15T01:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(ny.from_utc(t).to_rfc3339(), "2024-07-14T21:00:00-04:00");
        let sh = Zone::parse("Asia/Shanghai").unwrap();
        assert_eq!(sh.from_local(local(2024, 7, 15, 21, 0)).unwrap().to_rfc3339(), "2024-07-15T21:00:00+08:00");
    }
}
