//! UK school identifiers: UPN, ULN, SCN, LAESTAB, URN, UKPRN.
//!
//! Every type is a validating newtype over the normalised string. Check
//! algorithms follow `uk-mis.md` §2 (DfE/GDSC UPN mod-23, LRS ULN mod-11,
//! SQA SCN mod-11). Test vectors are computed, not copied from help pages
//! (two vendor pages print a wrong "corrected" UPN; see the tests).

use std::fmt;
use std::str::FromStr;

/// The 23-letter UPN alphabet (no I, O, S); index = value.
const ALPHA23: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

fn alpha23_value(c: u8) -> Option<u32> {
    ALPHA23
        .iter()
        .position(|&a| a == c)
        .and_then(|i| u32::try_from(i).ok())
}

fn alpha23_letter(v: u32) -> char {
    usize::try_from(v)
        .ok()
        .and_then(|i| ALPHA23.get(i))
        .map_or('?', |&b| char::from(b))
}

/// Which identifier a value claims to be.
///
/// # Examples
/// ```
/// use mis_mapping::IdKind;
/// assert_eq!(IdKind::infer("B801200005001"), Some(IdKind::Upn));
/// assert_eq!(IdKind::infer("1234567899"), Some(IdKind::Uln));
/// assert_eq!(IdKind::infer("820 1234"), Some(IdKind::LaEstab)); // spaces ignored
/// assert_eq!(IdKind::infer("EY123456"), Some(IdKind::Urn));
/// assert_eq!(IdKind::infer("abc"), None);
/// assert_eq!("ukprn".parse::<IdKind>()?, IdKind::Ukprn);
/// assert_eq!(IdKind::Scn.to_string(), "scn");
/// # Ok::<(), mis_mapping::IdError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IdKind {
    /// Unique Pupil Number (England and Wales).
    Upn,
    /// Unique Learner Number (LRS, age 14+).
    Uln,
    /// Scottish Candidate Number.
    Scn,
    /// LA code + DfE establishment number (7 digits).
    LaEstab,
    /// Unique Reference Number (GIAS), 6 digits.
    Urn,
    /// UK Provider Reference Number, 8 digits.
    Ukprn,
}

impl IdKind {
    /// The lowercase name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upn => "upn",
            Self::Uln => "uln",
            Self::Scn => "scn",
            Self::LaEstab => "laestab",
            Self::Urn => "urn",
            Self::Ukprn => "ukprn",
        }
    }

    /// Guess the kind from the shape of a value (used when the caller does not say).
    pub fn infer(value: &str) -> Option<Self> {
        let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        let digits = v.bytes().all(|b| b.is_ascii_digit());
        match (v.len(), digits) {
            (13, false) => Some(Self::Upn),
            (10, true) => Some(Self::Uln),
            (9, true) => Some(Self::Scn),
            (8, true) => Some(Self::Ukprn),
            (7, true) => Some(Self::LaEstab),
            (6, true) => Some(Self::Urn),
            _ if v.starts_with("EY") => Some(Self::Urn),
            _ => None,
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IdKind {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        match s {
            "upn" => Ok(Self::Upn),
            "uln" => Ok(Self::Uln),
            "scn" => Ok(Self::Scn),
            "laestab" => Ok(Self::LaEstab),
            "urn" => Ok(Self::Urn),
            "ukprn" => Ok(Self::Ukprn),
            _ => Err(IdError::UnknownKind(s.to_owned())),
        }
    }
}

/// Why a value is not a valid identifier.
///
/// # Examples
/// ```
/// use mis_mapping::{IdError, IdKind, Uln, Upn};
/// // uk-mis.md §2.2: the weighted sum of A801200005001 is 93, 93 mod 23 = 1, so the letter is B
/// let err = Upn::parse("A801200005001").unwrap_err();
/// assert_eq!(err, IdError::CheckCharacter { kind: IdKind::Upn, expected: 'B', found: 'A' });
/// assert_eq!(err.code(), "id.check_character");
/// assert_eq!(err.to_string(), "upn check character is 'A', computed 'B'");
///
/// let err = Upn::parse("B8012000050O1").unwrap_err(); // letter O for zero
/// assert_eq!(err, IdError::Character { kind: IdKind::Upn, position: 12, found: 'O' });
/// assert_eq!(Uln::parse("12345").unwrap_err().code(), "id.length");
/// assert_eq!("nhs".parse::<IdKind>().unwrap_err().code(), "id.unknown_kind");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Wrong number of characters after normalisation.
    #[error("{kind} must be {expected} characters, found {found}")]
    Length {
        /// The identifier kind.
        kind: IdKind,
        /// Expected length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A character not allowed at this position.
    #[error("{kind} has an invalid character {found:?} at position {position}")]
    Character {
        /// The identifier kind.
        kind: IdKind,
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The check character does not match the computed one.
    #[error("{kind} check character is {found:?}, computed {expected:?}")]
    CheckCharacter {
        /// The identifier kind.
        kind: IdKind,
        /// Computed check character.
        expected: char,
        /// Check character in the value.
        found: char,
    },
    /// The checksum has no valid check digit (ULN remainder 0, SCN remainder 1).
    #[error("{kind} checksum has no valid check digit")]
    NoCheckDigit {
        /// The identifier kind.
        kind: IdKind,
    },
    /// A leading digit the format does not allow (UKPRN must start with 1).
    #[error("{kind} must start with {expected:?}")]
    Prefix {
        /// The identifier kind.
        kind: IdKind,
        /// Required prefix.
        expected: &'static str,
    },
    /// The kind name is not one we know.
    #[error("unknown identifier kind {0:?}")]
    UnknownKind(String),
}

impl IdError {
    /// A stable machine-readable code, e.g. `"id.check_character"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "id.length",
            Self::Character { .. } => "id.character",
            Self::CheckCharacter { .. } => "id.check_character",
            Self::NoCheckDigit { .. } => "id.no_check_digit",
            Self::Prefix { .. } => "id.prefix",
            Self::UnknownKind(_) => "id.unknown_kind",
        }
    }
}

fn normalise(s: &str) -> String {
    normalised(s).into_owned()
}

/// `s` without whitespace, upper-cased; borrowed when it already is (the
/// usual case).
fn normalised(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect(),
    )
}

fn check_len(kind: IdKind, v: &str, expected: usize) -> Result<(), IdError> {
    if v.len() == expected && v.is_ascii() {
        return Ok(());
    }
    let found = v.chars().count();
    if found != expected {
        return Err(IdError::Length {
            kind,
            expected,
            found,
        });
    }
    // The right number of characters, but not all ASCII (full-width digits,
    // say): name the first one that is not.
    let (position, c) = v
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii())
        .map_or((0, '?'), |(i, c)| (i + 1, c));
    Err(IdError::Character {
        kind,
        position,
        found: c,
    })
}

fn digits(kind: IdKind, v: &str, offset: usize) -> Result<Vec<u32>, IdError> {
    v.chars()
        .enumerate()
        .map(|(i, c)| {
            c.to_digit(10).ok_or(IdError::Character {
                kind,
                position: i + 1 + offset,
                found: c,
            })
        })
        .collect()
}

macro_rules! id_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The normalised value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// The normalised value, owned.
            pub fn into_inner(self) -> String {
                self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

id_newtype!(
    /// A Unique Pupil Number: check letter + LA(3) + establishment(4) + year(2) +
    /// serial(3), or a temporary UPN whose last character is a letter.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::Upn;
    /// let upn: Upn = "P207000016049".parse()?;
    /// assert_eq!(upn.la_code(), "207");
    /// assert_eq!(upn.establishment(), "0000"); // P 207 0000 16 049
    /// assert!(!upn.is_temporary());
    /// // A vendor help page's "corrected" UPN is itself wrong:
    /// assert!("Q207000016049".parse::<Upn>().is_err());
    ///
    /// // a temporary UPN ends in a letter; input is normalised (spaces, case)
    /// let tmp = Upn::parse("l201 1234 2401a")?;
    /// assert_eq!(tmp.as_str(), "L20112342401A");
    /// assert!(tmp.is_temporary());
    /// // serde goes through the same check
    /// assert!(serde_json::from_str::<Upn>(r#""A801200005001""#).is_err());
    /// # Ok::<(), mis_mapping::IdError>(())
    /// ```
    Upn
);

impl Upn {
    /// Compute the check letter for the 12 characters after it.
    fn check_letter(body: &[u8]) -> Result<char, IdError> {
        let mut sum: u32 = 0;
        for (i, &b) in body.iter().enumerate() {
            let weight = u32::try_from(i + 2).unwrap_or(0);
            let v = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                alpha23_value(b).ok_or(IdError::Character {
                    kind: IdKind::Upn,
                    position: i + 2,
                    found: char::from(b),
                })?
            };
            sum += weight * v;
        }
        Ok(alpha23_letter(sum % 23))
    }

    /// Parse and check a UPN (spaces removed, upper-cased first).
    ///
    /// # Errors
    /// [`IdError`] for a wrong length, a character outside the format, or a
    /// wrong check letter. An unknown LA code is *not* an error; see
    /// [`LaCodeList`].
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Self::check(s).map(|v| Self(v.into_owned()))
    }

    /// Check a UPN without keeping it: its normalised text (borrowed when
    /// `s` is already normalised).
    pub(crate) fn check(s: &str) -> Result<std::borrow::Cow<'_, str>, IdError> {
        let kind = IdKind::Upn;
        let v = normalised(s);
        check_len(kind, &v, 13)?;
        let b = v.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            let ok = match i {
                0 => alpha23_value(c).is_some(),
                12 => c.is_ascii_digit() || alpha23_value(c).is_some(),
                _ => c.is_ascii_digit(),
            };
            if !ok {
                return Err(IdError::Character {
                    kind,
                    position: i + 1,
                    found: char::from(c),
                });
            }
        }
        let (first, body) = b.split_first().ok_or(IdError::Length {
            kind,
            expected: 13,
            found: 0,
        })?;
        let expected = Self::check_letter(body)?;
        let found = char::from(*first);
        if expected != found {
            return Err(IdError::CheckCharacter {
                kind,
                expected,
                found,
            });
        }
        Ok(v)
    }

    /// Whether this is a temporary UPN (last character a letter).
    pub fn is_temporary(&self) -> bool {
        self.0
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphabetic())
    }

    /// The LA code of the allocating school (characters 2–4).
    pub fn la_code(&self) -> &str {
        self.0.get(1..4).unwrap_or("")
    }

    /// The DfE establishment number of the allocating school (characters 5–8).
    pub fn establishment(&self) -> &str {
        self.0.get(4..8).unwrap_or("")
    }
}

id_newtype!(
    /// A Unique Learner Number: 10 digits, mod-11 check digit.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::{IdError, IdKind, Uln};
    /// assert!("1234567899".parse::<Uln>().is_ok());
    /// assert!("9876543210".parse::<Uln>().is_err()); // remainder 0: never valid
    /// assert_eq!(Uln::parse("1000000000")?.as_str(), "1000000000"); // sum 10, r 10, check 0
    /// // the "ULN not known" placeholder is not a real ULN (the check digit would be 8)
    /// assert_eq!(Uln::parse("9999999999").unwrap_err(),
    ///     IdError::CheckCharacter { kind: IdKind::Uln, expected: '8', found: '9' });
    /// # Ok::<(), IdError>(())
    /// ```
    Uln
);

impl Uln {
    /// Parse and check a ULN.
    ///
    /// # Errors
    /// [`IdError`] for a wrong length, a non-digit, remainder 0, or a wrong check digit.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Self::check(s).map(|v| Self(v.into_owned()))
    }

    /// Check a ULN without keeping it: its normalised text (borrowed when
    /// `s` is already normalised).
    pub(crate) fn check(s: &str) -> Result<std::borrow::Cow<'_, str>, IdError> {
        let kind = IdKind::Uln;
        let v = normalised(s);
        check_len(kind, &v, 10)?;
        let mut buf = [0u32; 10];
        for (i, (slot, c)) in buf.iter_mut().zip(v.chars()).enumerate() {
            *slot = c.to_digit(10).ok_or(IdError::Character {
                kind,
                position: i + 1,
                found: c,
            })?;
        }
        let d = buf.as_slice();
        let (check, body) = d.split_last().ok_or(IdError::NoCheckDigit { kind })?;
        let sum: u32 = body.iter().zip((2..=10u32).rev()).map(|(x, w)| x * w).sum();
        let r = sum % 11;
        if r == 0 {
            return Err(IdError::NoCheckDigit { kind });
        }
        let expected = 10 - r;
        if expected != *check {
            return Err(IdError::CheckCharacter {
                kind,
                expected: char::from_digit(expected, 10).unwrap_or('?'),
                found: char::from_digit(*check, 10).unwrap_or('?'),
            });
        }
        Ok(v)
    }
}

id_newtype!(
    /// A Scottish Candidate Number: 9 digits, mod-11 with weights 3 2 7 6 5 4 3 2.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::{IdError, IdKind, Scn};
    /// assert!("123456785".parse::<Scn>().is_ok());
    /// assert!("051234561".parse::<Scn>().is_ok()); // sum 87, r 10, check 1
    /// assert_eq!(Scn::parse("123456784").unwrap_err(),
    ///     IdError::CheckCharacter { kind: IdKind::Scn, expected: '5', found: '4' });
    /// ```
    Scn
);

impl Scn {
    /// Parse and check an SCN.
    ///
    /// # Errors
    /// [`IdError`] for a wrong length, a non-digit, remainder 1, or a wrong check digit.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const W: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
        let kind = IdKind::Scn;
        let v = normalise(s);
        check_len(kind, &v, 9)?;
        let d = digits(kind, &v, 0)?;
        let (check, body) = d.split_last().ok_or(IdError::NoCheckDigit { kind })?;
        let r: u32 = body.iter().zip(W).map(|(x, w)| x * w).sum::<u32>() % 11;
        let expected = match r {
            0 => 0,
            1 => return Err(IdError::NoCheckDigit { kind }),
            r => 11 - r,
        };
        if expected != *check {
            return Err(IdError::CheckCharacter {
                kind,
                expected: char::from_digit(expected, 10).unwrap_or('?'),
                found: char::from_digit(*check, 10).unwrap_or('?'),
            });
        }
        Ok(Self(v))
    }
}

id_newtype!(
    /// LA code (3 digits) + DfE establishment number (4 digits), the "DfE number".
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::LaEstab;
    /// let a = LaEstab::parse("820/4001")?;
    /// let b = LaEstab::from_parts("820", "4001")?; // CTF LEA + Estab
    /// assert_eq!(a, b);
    /// assert_eq!((a.as_str(), a.la_code()), ("8204001", "820"));
    /// assert_eq!(LaEstab::parse("82O4001").unwrap_err().code(), "id.character");
    /// # Ok::<(), mis_mapping::IdError>(())
    /// ```
    LaEstab
);

impl LaEstab {
    /// Parse a LAESTAB (7 digits; an optional `/` or `-` after the LA code is accepted).
    ///
    /// # Errors
    /// [`IdError`] for a wrong length or a non-digit.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let kind = IdKind::LaEstab;
        let v: String = normalise(s)
            .chars()
            .filter(|c| *c != '/' && *c != '-')
            .collect();
        check_len(kind, &v, 7)?;
        digits(kind, &v, 0)?;
        Ok(Self(v))
    }

    /// Build from separate LA and establishment parts (CTF `LEA` + `Estab`).
    ///
    /// # Errors
    /// As [`LaEstab::parse`].
    pub fn from_parts(la: &str, estab: &str) -> Result<Self, IdError> {
        Self::parse(&format!("{}{}", la.trim(), estab.trim()))
    }

    /// The LA code (first 3 digits).
    pub fn la_code(&self) -> &str {
        self.0.get(0..3).unwrap_or("")
    }
}

id_newtype!(
    /// A GIAS Unique Reference Number (6 digits, or `EY` + digits for Ofsted early years).
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::Urn;
    /// assert_eq!(Urn::parse("100000")?.as_str(), "100000");
    /// assert_eq!(Urn::parse("ey123456")?.as_str(), "EY123456");
    /// assert_eq!(Urn::parse("12345").unwrap_err().code(), "id.length");
    /// # Ok::<(), mis_mapping::IdError>(())
    /// ```
    Urn
);

impl Urn {
    /// Parse a URN.
    ///
    /// # Errors
    /// [`IdError`] for a wrong length or a non-digit.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let kind = IdKind::Urn;
        let v = normalise(s);
        if let Some(rest) = v.strip_prefix("EY") {
            if rest.is_empty() {
                return Err(IdError::Length {
                    kind,
                    expected: 6,
                    found: 2,
                });
            }
            digits(kind, rest, 2)?;
            return Ok(Self(v));
        }
        check_len(kind, &v, 6)?;
        digits(kind, &v, 0)?;
        Ok(Self(v))
    }
}

id_newtype!(
    /// A UK Provider Reference Number (8 digits, starting with 1).
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::{IdError, IdKind, Ukprn};
    /// assert_eq!(Ukprn::parse("10012345")?.to_string(), "10012345");
    /// assert_eq!(Ukprn::parse("20012345").unwrap_err(), IdError::Prefix { kind: IdKind::Ukprn, expected: "1" });
    /// # Ok::<(), IdError>(())
    /// ```
    Ukprn
);

impl Ukprn {
    /// Parse a UKPRN.
    ///
    /// # Errors
    /// [`IdError`] for a wrong length, a non-digit or a first digit other than 1.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let kind = IdKind::Ukprn;
        let v = normalise(s);
        check_len(kind, &v, 8)?;
        digits(kind, &v, 0)?;
        if !v.starts_with('1') {
            return Err(IdError::Prefix {
                kind,
                expected: "1",
            });
        }
        Ok(Self(v))
    }
}

/// A list of local-authority codes, kept as data (the list drifts with
/// reorganisations, so membership is advisory).
///
/// ```
/// use mis_mapping::LaCodeList;
/// let list = LaCodeList::builtin();
/// assert!(list.contains("820"));
/// assert!(!list.contains("999"));
/// ```
#[derive(Clone, Debug)]
pub struct LaCodeList {
    ranges: Vec<(u16, u16)>,
}

/// The built-in LA code list (`data/la-codes.txt`).
const BUILTIN_LA_CODES: &str = include_str!("../data/la-codes.txt");

impl LaCodeList {
    /// The list shipped with the crate.
    pub fn builtin() -> Self {
        // The built-in text is checked by a unit test, so parse errors cannot occur.
        Self::from_text(BUILTIN_LA_CODES).unwrap_or(Self { ranges: Vec::new() })
    }

    /// Parse a list: one code or `a-b` range per line, `#` comments.
    ///
    /// # Errors
    /// The 1-based line number of the first line that is not a code or range.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::LaCodeList;
    /// let list = LaCodeList::from_text("# Wales\n660-681\n820 # Bedford\n").unwrap();
    /// assert!(list.contains("670") && list.contains("820"));
    /// assert!(!list.contains("682"));
    /// assert_eq!(LaCodeList::from_text("201\n213-201\n").unwrap_err(), 2); // a backwards range
    /// ```
    pub fn from_text(text: &str) -> Result<Self, usize> {
        let mut ranges = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (a, b) = line.split_once('-').unwrap_or((line, line));
            let a: u16 = a.trim().parse().map_err(|_| n + 1)?;
            let b: u16 = b.trim().parse().map_err(|_| n + 1)?;
            if b < a {
                return Err(n + 1);
            }
            ranges.push((a, b));
        }
        Ok(Self { ranges })
    }

    /// Whether a 3-digit LA code is on the list.
    pub fn contains(&self, code: &str) -> bool {
        code.len() == 3
            && code
                .parse::<u16>()
                .is_ok_and(|c| self.ranges.iter().any(|&(a, b)| a <= c && c <= b))
    }
}

/// The outcome of checking one value with [`check_id`].
///
/// # Examples
/// ```
/// use mis_mapping::{IdKind, LaCodeList, check_id};
/// let c = check_id(IdKind::Upn, "A801200005001", &LaCodeList::builtin());
/// assert_eq!(c.kind, IdKind::Upn);
/// assert_eq!(c.result.unwrap_err().code(), "id.check_character");
/// assert!(c.warnings.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdCheck {
    /// The kind checked against.
    pub kind: IdKind,
    /// `Err` when invalid.
    pub result: Result<String, IdError>,
    /// Advisory notes on a valid value (e.g. an LA code not on the list).
    pub warnings: Vec<String>,
}

/// Check a value as the given kind; LA codes of UPNs and LAESTABs are
/// compared with `la_codes` and an unknown code is a warning.
///
/// # Examples
/// ```
/// use mis_mapping::{IdKind, LaCodeList, check_id};
/// let la = LaCodeList::builtin();
/// let ok = check_id(IdKind::Upn, "b801 2000 05001", &la);
/// assert_eq!(ok.result.as_deref(), Ok("B801200005001"));
/// assert!(ok.warnings.is_empty());
///
/// // a valid DfE number whose LA code is not on the list: valid, with a warning
/// let odd = check_id(IdKind::LaEstab, "9994001", &la);
/// assert!(odd.result.is_ok());
/// assert_eq!(odd.warnings, ["LA code 999 is not on the LA code list"]);
/// ```
pub fn check_id(kind: IdKind, value: &str, la_codes: &LaCodeList) -> IdCheck {
    let mut warnings = Vec::new();
    let mut la_warn = |code: &str| {
        if !la_codes.contains(code) {
            warnings.push(format!("LA code {code} is not on the LA code list"));
        }
    };
    let result = match kind {
        IdKind::Upn => Upn::parse(value).map(|u| {
            la_warn(u.la_code());
            u.into_inner()
        }),
        IdKind::Uln => Uln::parse(value).map(Uln::into_inner),
        IdKind::Scn => Scn::parse(value).map(Scn::into_inner),
        IdKind::LaEstab => LaEstab::parse(value).map(|l| {
            la_warn(l.la_code());
            l.into_inner()
        }),
        IdKind::Urn => Urn::parse(value).map(Urn::into_inner),
        IdKind::Ukprn => Ukprn::parse(value).map(Ukprn::into_inner),
    };
    IdCheck {
        kind,
        result,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_are_a_character_error_not_a_length_one() {
        let e = Uln::parse("１２３４５６７８９９").unwrap_err();
        assert_eq!(
            e,
            IdError::Character {
                kind: IdKind::Uln,
                position: 1,
                found: '１'
            }
        );
        assert!(!e.to_string().contains("found 10"), "{e}");
        // A wrong length is still reported as one.
        assert!(matches!(
            Uln::parse("12345"),
            Err(IdError::Length { found: 5, .. })
        ));
    }

    #[test]
    fn upn_vectors_from_spec() {
        for ok in [
            "B801200005001",
            "P207000016049",
            "L20112342401A",
            "A20112342401B",
            "M80120000500A",
        ] {
            assert!(Upn::parse(ok).is_ok(), "{ok} should be valid");
        }
        assert_eq!(
            Upn::parse("A801200005001"),
            Err(IdError::CheckCharacter {
                kind: IdKind::Upn,
                expected: 'B',
                found: 'A'
            })
        );
        // Arbor and Juniper help pages print Q207000016049 as the corrected UPN: it is wrong.
        assert_eq!(
            Upn::parse("Q207000016049"),
            Err(IdError::CheckCharacter {
                kind: IdKind::Upn,
                expected: 'P',
                found: 'Q'
            })
        );
    }

    #[test]
    fn upn_temporary_and_parts() {
        let t = Upn::parse("l201 1234 2401a").unwrap();
        assert!(t.is_temporary());
        assert_eq!(t.as_str(), "L20112342401A");
        assert_eq!(t.la_code(), "201");
        assert_eq!(t.establishment(), "1234");
        assert!(!Upn::parse("B801200005001").unwrap().is_temporary());
    }

    #[test]
    fn upn_rejects_shapes() {
        assert_eq!(Upn::parse("B80120000500").unwrap_err().code(), "id.length");
        // I, O, S are never allowed.
        let e = Upn::parse("I801200005001").unwrap_err();
        assert!(matches!(e, IdError::Character { position: 1, .. }));
        let e = Upn::parse("B80120000500S").unwrap_err();
        assert!(matches!(e, IdError::Character { position: 13, .. }));
        let e = Upn::parse("B8012X0005001").unwrap_err();
        assert!(matches!(e, IdError::Character { position: 6, .. }));
        assert!(Upn::parse("B801200005001\u{e9}").is_err());
    }

    #[test]
    fn uln_vectors() {
        for ok in ["1234567899", "5000000004", "1000000000"] {
            assert!(Uln::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Uln::parse("9876543210").unwrap_err(),
            IdError::NoCheckDigit { kind: IdKind::Uln }
        );
        assert!(matches!(
            Uln::parse("9999999999").unwrap_err(),
            IdError::CheckCharacter { expected: '8', .. }
        ));
        assert_eq!(Uln::parse("12345").unwrap_err().code(), "id.length");
    }

    #[test]
    fn scn_vectors() {
        for ok in ["051234561", "123456785", "240000016"] {
            assert!(Scn::parse(ok).is_ok(), "{ok}");
        }
        assert!(matches!(
            Scn::parse("123456784").unwrap_err(),
            IdError::CheckCharacter { expected: '5', .. }
        ));
    }

    #[test]
    fn other_formats() {
        assert_eq!(LaEstab::parse("820/1234").unwrap().as_str(), "8201234");
        assert!(LaEstab::parse("82012345").is_err());
        assert!(Urn::parse("100000").is_ok());
        assert!(Urn::parse("EY123456").is_ok());
        assert!(Urn::parse("10000").is_err());
        assert!(Ukprn::parse("10012345").is_ok());
        assert_eq!(Ukprn::parse("20012345").unwrap_err().code(), "id.prefix");
    }

    #[test]
    fn la_list_is_data_and_unknown_code_is_a_warning() {
        assert!(LaCodeList::from_text(BUILTIN_LA_CODES).is_ok());
        let list = LaCodeList::builtin();
        assert!(list.contains("201") && list.contains("681") && list.contains("940"));
        assert!(!list.contains("999") && !list.contains("20"));
        // A valid UPN allocated under LA 999: valid, with a warning.
        let body = b"999123424001";
        let letter = Upn::check_letter(body).unwrap();
        let upn = format!("{letter}999123424001");
        let c = check_id(IdKind::Upn, &upn, &list);
        assert!(c.result.is_ok());
        assert_eq!(c.warnings.len(), 1);
        assert!(LaCodeList::from_text("12x").is_err());
    }

    #[test]
    fn serde_round_trip_and_inference() {
        let u: Upn = serde_json::from_str("\"B801200005001\"").unwrap();
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"B801200005001\"");
        assert!(serde_json::from_str::<Upn>("\"A801200005001\"").is_err());
        assert_eq!(IdKind::infer("B801200005001"), Some(IdKind::Upn));
        assert_eq!(IdKind::infer("1234567899"), Some(IdKind::Uln));
        assert_eq!(IdKind::infer("8201234"), Some(IdKind::LaEstab));
        assert_eq!(IdKind::infer("x"), None);
        assert_eq!("urn".parse::<IdKind>().unwrap(), IdKind::Urn);
    }

    proptest::proptest! {
        #[test]
        fn upn_accepts_exactly_what_it_computes(body in "[0-9]{11}[0-9A-HJ-NP-RT-Z]") {
            let letter = Upn::check_letter(body.as_bytes()).unwrap();
            let good = format!("{letter}{body}");
            proptest::prop_assert!(Upn::parse(&good).is_ok());
            for &wrong in ALPHA23.iter().filter(|&&c| char::from(c) != letter) {
                let bad = format!("{}{body}", char::from(wrong));
                proptest::prop_assert!(Upn::parse(&bad).is_err());
            }
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,20}") {
            let list = LaCodeList::builtin();
            for k in [IdKind::Upn, IdKind::Uln, IdKind::Scn, IdKind::LaEstab, IdKind::Urn, IdKind::Ukprn] {
                let _ = check_id(k, &s, &list);
            }
        }
    }
}
