//! Calendar arithmetic and fast timestamp formatting.
//!
//! Every simulated group lives in Asia/Shanghai (UTC+8, no daylight saving),
//! the zone WeChat and QQ exports assume. Times are kept as Unix seconds; the
//! writers format them through [`Clock`], which caches the date part because a
//! group's records arrive in time order and most share their day with the
//! previous one.

/// The simulated communities' UTC offset in seconds (Asia/Shanghai).
pub const OFFSET_S: i64 = 8 * 3600;
/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses `YYYY-MM-DD` into a day number.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

/// `YYYY-MM-DD` of a day number.
pub fn date_string(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Day of the week of a day number: 0 = Monday … 6 = Sunday.
pub fn weekday(day: i64) -> u32 {
    // 1970-01-01 was a Thursday.
    (day + 3).rem_euclid(7) as u32
}

/// Unix seconds of local midnight (UTC+8) starting `day`.
pub fn local_midnight(day: i64) -> i64 {
    day * DAY - OFFSET_S
}

/// The local day number of a Unix time.
pub fn local_day(t: i64) -> i64 {
    (t + OFFSET_S).div_euclid(DAY)
}

/// Formats Unix times as local (UTC+8) text, caching the date.
#[derive(Default)]
pub struct Clock {
    day: i64,
    date: [u8; 10],
    valid: bool,
}

impl Clock {
    fn date_of(&mut self, t: i64) -> (&[u8; 10], i64) {
        let local = t + OFFSET_S;
        let day = local.div_euclid(DAY);
        if !self.valid || day != self.day {
            let (y, m, d) = civil_from_days(day);
            let mut b = [0u8; 10];
            put4(&mut b[0..4], y as u32);
            b[4] = b'-';
            put2(&mut b[5..7], m);
            b[7] = b'-';
            put2(&mut b[8..10], d);
            self.date = b;
            self.day = day;
            self.valid = true;
        }
        (&self.date, local.rem_euclid(DAY))
    }

    /// `YYYY-MM-DD` + `sep` + `HH:MM:SS` appended to `out`.
    #[inline]
    pub fn write(&mut self, out: &mut Vec<u8>, t: i64, sep: u8) {
        let (date, secs) = self.date_of(t);
        out.extend_from_slice(date);
        let mut b = [0u8; 9];
        b[0] = sep;
        put2(&mut b[1..3], (secs / 3600) as u32);
        b[3] = b':';
        put2(&mut b[4..6], (secs / 60 % 60) as u32);
        b[6] = b':';
        put2(&mut b[7..9], (secs % 60) as u32);
        out.extend_from_slice(&b);
    }

    /// RFC 3339 with the +08:00 offset, e.g. `2024-03-01T21:05:00+08:00`.
    #[inline]
    pub fn rfc3339(&mut self, out: &mut Vec<u8>, t: i64) {
        self.write(out, t, b'T');
        out.extend_from_slice(b"+08:00");
    }
}

#[inline]
fn put2(b: &mut [u8], v: u32) {
    b[0] = b'0' + (v / 10 % 10) as u8;
    b[1] = b'0' + (v % 10) as u8;
}

#[inline]
fn put4(b: &mut [u8], v: u32) {
    put2(&mut b[0..2], v / 100);
    put2(&mut b[2..4], v % 100);
}

/// Appends the decimal digits of `v`.
#[inline]
pub fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends the decimal digits of a signed `v`.
#[inline]
pub fn put_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    put_u64(out, v.unsigned_abs());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for day in [-1000, 0, 19_783, 20_000, 60_000] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(parse_date("2024-03-01"), Some(days_from_civil(2024, 3, 1)));
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(date_string(parse_date("2024-02-29").unwrap()), "2024-02-29");
        assert_eq!(weekday(parse_date("2024-03-04").unwrap()), 0, "a Monday");
    }

    #[test]
    fn clock_formats_shanghai_time() {
        let mut c = Clock::default();
        let mut out = Vec::new();
        c.rfc3339(&mut out, 1_709_297_701);
        assert_eq!(std::str::from_utf8(&out).unwrap(), "2024-03-01T20:55:01+08:00");
        out.clear();
        c.write(&mut out, 1_709_334_131, b' ');
        assert_eq!(std::str::from_utf8(&out).unwrap(), "2024-03-02 07:02:11");
        out.clear();
        put_i64(&mut out, -1001234567890);
        put_u64(&mut out, 0);
        assert_eq!(std::str::from_utf8(&out).unwrap(), "-10012345678900");
    }
}
