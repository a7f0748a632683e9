//! Parsers and printers for the CSV binding's primitive types.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// Parse a `YYYY-MM-DD` date (exactly that shape, calendar-valid).
///
/// ```
/// use oneroster_model::parse_date;
/// assert!(parse_date("2024-02-29").is_some());
/// assert!(parse_date("2023-02-29").is_none());
/// assert!(parse_date("1/05/2023").is_none());
/// ```
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let y = digits(b.get(0..4)?)?;
    let m = digits(b.get(5..7)?)?;
    let d = digits(b.get(8..10)?)?;
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// Is `s` a valid `YYYY-MM-DD` date? (As [`parse_date`], without building one.)
///
/// # Examples
/// ```
/// use oneroster_model::is_date;
/// assert!(is_date("2000-02-29"));   // divisible by 400: a leap year
/// assert!(!is_date("1900-02-29"));  // divisible by 100 only: not one
/// assert!(!is_date("2025-9-1"));    // two-digit month and day required
/// ```
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (
        b.get(0..4).and_then(digits),
        b.get(5..7).and_then(digits),
        b.get(8..10).and_then(digits),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut n: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
    }
    Some(n)
}

/// Parse a DateTime: RFC 3339 in UTC with a `Z` suffix, fractional seconds
/// optional (`2024-01-31T12:00:00.000Z`, `2024-01-31T12:00:00Z`).
///
/// ```
/// use oneroster_model::parse_datetime;
/// assert!(parse_datetime("2023-05-01T18:25:43.511Z").is_some());
/// assert!(parse_datetime("2023-05-01").is_none());
/// assert!(parse_datetime("2017-05-06 08:01:05").is_none());
/// ```
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 20 || b.get(10) != Some(&b'T') || !s.ends_with('Z') {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Print a DateTime the way 1.2.1 writes it: `YYYY-MM-DDTHH:MM:SS.sssZ`.
///
/// # Examples
/// ```
/// use oneroster_model::{format_datetime, parse_datetime};
/// let dt = parse_datetime("2025-09-01T08:30:00Z").unwrap();
/// assert_eq!(format_datetime(&dt), "2025-09-01T08:30:00.000Z");
/// ```
pub fn format_datetime(dt: &DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Print a date as `YYYY-MM-DD`.
///
/// # Examples
/// ```
/// use oneroster_model::format_date;
/// let d = chrono::NaiveDate::from_ymd_opt(2026, 7, 3).unwrap();
/// assert_eq!(format_date(&d), "2026-07-03");
/// ```
pub fn format_date(d: &NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Is `s` a four-digit year?
///
/// # Examples
/// ```
/// use oneroster_model::is_year;
/// assert!(is_year("2026"));
/// assert!(!is_year("2025/26"));
/// assert!(!is_year("26"));
/// ```
pub fn is_year(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|c| c.is_ascii_digit())
}

/// Parse a finite base-10 number (`-1.5`, `90`, `1e2`; not `inf`, `NaN`, `0x10`).
///
/// # Examples
/// ```
/// use oneroster_model::parse_float;
/// assert_eq!(parse_float("87.5"), Some(87.5));
/// assert_eq!(parse_float("1e2"), Some(100.0));
/// assert_eq!(parse_float("NaN"), None);
/// assert_eq!(parse_float("1e999"), None); // overflows to infinity: refused
/// assert_eq!(parse_float("12,5"), None);
/// ```
pub fn parse_float(s: &str) -> Option<f64> {
    if s.is_empty()
        || !s
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Parse a base-10 integer.
///
/// # Examples
/// ```
/// use oneroster_model::parse_integer;
/// assert_eq!(parse_integer("-3"), Some(-3));
/// assert_eq!(parse_integer("+7"), Some(7));
/// assert_eq!(parse_integer("1.0"), None);
/// assert_eq!(parse_integer("1-2"), None);
/// ```
pub fn parse_integer(s: &str) -> Option<i64> {
    if s.is_empty()
        || !s
            .bytes()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && (c == b'-' || c == b'+')))
    {
        return None;
    }
    s.parse().ok()
}

/// Parse `true`/`false` exactly.
///
/// # Examples
/// ```
/// use oneroster_model::parse_bool;
/// assert_eq!(parse_bool("true"), Some(true));
/// assert_eq!(parse_bool("false"), Some(false));
/// // the CSV binding is strict; the lenient validation profile tolerates these
/// assert_eq!(parse_bool("TRUE"), None);
/// assert_eq!(parse_bool("1"), None);
/// ```
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Split a comma-separated list field into items (an empty field has no items).
///
/// # Examples
/// ```
/// use oneroster_model::list_items;
/// assert_eq!(list_items("term-1,term-2").collect::<Vec<_>>(), ["term-1", "term-2"]);
/// assert_eq!(list_items("").count(), 0);
/// // items are not trimmed or filtered: validation reports these as malformed lists
/// assert_eq!(list_items("a,,b ").collect::<Vec<_>>(), ["a", "", "b "]);
/// ```
pub fn list_items(s: &str) -> impl Iterator<Item = &str> {
    let mut it = if s.is_empty() {
        None
    } else {
        Some(s.split(','))
    };
    std::iter::from_fn(move || it.as_mut()?.next())
}

/// Parse `{a:b},{c:d}` items (userIds, scoreScaleValue) into `(a, b)` pairs.
/// Returns `None` if any item is malformed: each must be `{`, a non-empty
/// left part without `:` or `}`, `:`, a non-empty right part without `}`, `}`.
///
/// ```
/// use oneroster_model::parse_braced_pairs;
/// assert_eq!(parse_braced_pairs("{LDAP:12},{LTI:15}"), Some(vec![("LDAP", "12"), ("LTI", "15")]));
/// assert_eq!(parse_braced_pairs("LDAP:12"), None);
/// ```
pub fn parse_braced_pairs(s: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let inner = rest.strip_prefix('{')?;
        let end = inner.find('}')?;
        let item = inner.get(..end)?;
        let (l, r) = item.split_once(':')?;
        if l.is_empty() || r.is_empty() {
            return None;
        }
        out.push((l, r));
        rest = inner.get(end + 1..)?;
        if let Some(after) = rest.strip_prefix(',') {
            if after.is_empty() {
                return None;
            }
            rest = after;
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// Is `s` a CASE identifier: `urn:uuid:` and a lowercase hyphenated UUID?
///
/// # Examples
/// ```
/// use oneroster_model::is_case_urn;
/// assert!(is_case_urn("urn:uuid:6b1f4c5e-9a2d-4e11-8c3a-2f0b7d9e1a44"));
/// assert!(!is_case_urn("urn:uuid:6B1F4C5E-9A2D-4E11-8C3A-2F0B7D9E1A44")); // uppercase
/// assert!(!is_case_urn("6b1f4c5e-9a2d-4e11-8c3a-2f0b7d9e1a44"));          // no prefix
/// ```
pub fn is_case_urn(s: &str) -> bool {
    let Some(u) = s.strip_prefix("urn:uuid:") else {
        return false;
    };
    u.len() == 36
        && u.bytes().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
            }
        })
}

/// A fast, well-mixed 64-bit hash of an id, used to intern sourcedIds in the
/// validator (collisions between distinct ids are ~2⁻⁶⁴ per pair).
pub(crate) fn id_hash(s: &str) -> u64 {
    id_hash_bytes(s.as_bytes())
}

/// [`id_hash`] of raw bytes (the same value for a string's bytes).
pub(crate) fn id_hash_bytes(b: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = (b.len() as u64).wrapping_mul(K) ^ 0x5851_F42D_4C95_7F2D;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K);
        h ^= h >> 29;
    }
    let rem = chunks.remainder();
    if !rem.is_empty() {
        let mut w: u64 = 0;
        for (i, &b) in rem.iter().enumerate() {
            w |= u64::from(b) << (8 * i);
        }
        h = (h ^ w).wrapping_mul(K);
    }
    // murmur3 fmix64
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The index of the first `needle` byte in `hay` (vectorised search).
pub(crate) fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    memchr::memchr(needle, hay)
}

/// Does `s` contain a NUL, LF or CR byte?
pub(crate) fn has_nul_or_line_break(s: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const LF: u64 = LO * 0x0a;
    const CR: u64 = LO * 0x0d;
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut chunks = s.chunks_exact(8);
    let mut acc = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        acc |= zero(x) | zero(x ^ LF) | zero(x ^ CR);
    }
    acc != 0
        || chunks
            .remainder()
            .iter()
            .any(|&b| b == 0 || b == b'\n' || b == b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_date_agrees_with_parse_date() {
        for y in [1900, 2000, 2023, 2024] {
            for m in 0..=13 {
                for d in 0..=32 {
                    let s = format!("{y:04}-{m:02}-{d:02}");
                    assert_eq!(is_date(&s), parse_date(&s).is_some(), "{s}");
                }
            }
        }
    }

    #[test]
    fn dates() {
        assert!(parse_date("2022-09-01").is_some());
        assert!(parse_date("2022-9-01").is_none());
        assert!(parse_date("2022-13-01").is_none());
        assert!(parse_date("２０２２-09-01").is_none());
    }

    #[test]
    fn datetimes() {
        assert!(parse_datetime("2023-10-02T00:00:00Z").is_some());
        assert!(parse_datetime("2023-10-02T00:00:00.000Z").is_some());
        assert!(parse_datetime("2023-10-02T00:00:00+01:00").is_none());
        assert!(parse_datetime("2023-10-02T25:00:00Z").is_none());
        let dt = parse_datetime("2023-10-02T01:02:03Z").unwrap();
        assert_eq!(format_datetime(&dt), "2023-10-02T01:02:03.000Z");
    }

    #[test]
    fn numbers_and_lists() {
        assert_eq!(parse_float("90.5"), Some(90.5));
        assert_eq!(parse_float("inf"), None);
        assert_eq!(parse_float("NaN"), None);
        assert_eq!(parse_integer("-3"), Some(-3));
        assert_eq!(parse_integer("3.0"), None);
        assert_eq!(list_items("").count(), 0);
        assert_eq!(list_items("a,,b").collect::<Vec<_>>(), ["a", "", "b"]);
        assert!(parse_braced_pairs("{A:90},{B:80}").is_some());
        assert!(parse_braced_pairs("{A:90},").is_none());
        assert!(parse_braced_pairs("{A}").is_none());
        assert!(parse_braced_pairs("{:1}").is_none());
        assert!(is_case_urn("urn:uuid:123e4567-e89b-12d3-a456-426614174000"));
        assert!(!is_case_urn(
            "urn:uuid:123E4567-e89b-12d3-a456-426614174000"
        ));
    }

    #[test]
    fn find_byte_matches_position() {
        let data = b"abc\rdefghijklmnop\rqrstuvwxyz0123456789\r";
        for start in 0..data.len() {
            let hay = &data[start..];
            assert_eq!(find_byte(hay, b'\r'), hay.iter().position(|&b| b == b'\r'));
        }
        assert_eq!(find_byte(b"", b'x'), None);
        assert!(has_nul_or_line_break(b"ab\0"));
        for i in 0..20 {
            let mut v = vec![b'a'; 20];
            for b in [0u8, b'\n', b'\r'] {
                v[i] = b;
                assert!(has_nul_or_line_break(&v), "{i} {b}");
            }
            v[i] = 0x8d; // high bytes are not matches
            assert!(!has_nul_or_line_break(&v));
        }
        assert!(!has_nul_or_line_break(b"abc,def"));
    }

    #[test]
    fn hash_differs() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..100_000 {
            assert!(seen.insert(id_hash(&format!("enr-{i:08}"))));
        }
        assert_ne!(id_hash("a"), id_hash("a\0"));
    }
}
