//! Academic years, school calendars and NC years → CEDS grades (`uk-mis.md` §3).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// An English academic year (September–August), named by its start year:
/// `AcademicYear(2025)` is 2025/26. OneRoster's `schoolYear` is the *end*
/// year (see [`AcademicYear::oneroster_school_year`]).
///
/// # Examples
/// ```
/// use mis_mapping::AcademicYear;
/// let y = AcademicYear::containing("2026-02-02".parse()?);
/// assert_eq!(y, AcademicYear::starting(2025));
/// assert_eq!(AcademicYear::containing("2026-09-01".parse()?), y.next()); // September starts a new year
/// assert_eq!((y.start_year(), y.oneroster_school_year()), (2025, 2026));
/// assert_eq!(y.to_string(), "2025/26");
/// assert_eq!(AcademicYear::starting(1999).to_string(), "1999/00");
/// assert_eq!(y.default_end().map(|d| d.to_string()).as_deref(), Some("2026-08-31"));
/// # Ok::<(), chrono::ParseError>(())
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct AcademicYear(i32);

impl AcademicYear {
    /// The academic year starting in September of `start_year`.
    pub fn starting(start_year: i32) -> Self {
        Self(start_year)
    }

    /// The academic year containing `date` (September starts a new year).
    pub fn containing(date: NaiveDate) -> Self {
        if date.month() >= 9 {
            Self(date.year())
        } else {
            Self(date.year() - 1)
        }
    }

    /// The start year (2025 for 2025/26).
    pub fn start_year(self) -> i32 {
        self.0
    }

    /// OneRoster `schoolYear`: the year the school year ends (2026 for 2025/26).
    pub fn oneroster_school_year(self) -> i32 {
        self.0.saturating_add(1)
    }

    /// The next academic year.
    pub fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }

    /// 1 September of the start year.
    pub fn default_start(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0, 9, 1)
    }

    /// 31 August of the end year.
    pub fn default_end(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0.saturating_add(1), 8, 31)
    }
}

impl fmt::Display for AcademicYear {
    /// `2025/26`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{:02}",
            self.0,
            (self.0.saturating_add(1)).rem_euclid(100)
        )
    }
}

/// A National Curriculum year as in census `NCyearActual`.
///
/// # Examples
/// ```
/// use mis_mapping::{GradeProfile, NcYear};
/// let y7: NcYear = "Year 7".parse()?;
/// assert_eq!((y7, y7.to_string()), (NcYear::Year(7), "7".to_owned()));
/// assert_eq!("R".parse::<NcYear>()?.next(), NcYear::Year(1));
/// assert_eq!(NcYear::Year(14).next(), NcYear::Year(14));
/// // CEDS grades by profile (uk-mis.md §3.2): Year 7 is US grade 6 by age, "07" by label
/// assert_eq!(y7.ceds_grade(GradeProfile::AgeAligned), "06");
/// assert_eq!(y7.ceds_grade(GradeProfile::LabelAligned), "07");
/// assert_eq!(NcYear::R.ceds_grade(GradeProfile::AgeAligned), "PK");
/// assert_eq!(NcYear::X.ceds_grade(GradeProfile::LabelAligned), "UG");
/// # Ok::<(), mis_mapping::InvalidNcYear>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum NcYear {
    /// Early years, age 0 ("Year −4").
    E1,
    /// Early years, age 1.
    E2,
    /// Nursery first year, age 2.
    N1,
    /// Nursery second year, age 3.
    N2,
    /// Reception, age 4.
    R,
    /// Years 1–14.
    Year(u8),
    /// Outside the National Curriculum.
    X,
}

/// A value that is not an NC year code.
///
/// # Examples
/// ```
/// use mis_mapping::{InvalidNcYear, NcYear};
/// assert_eq!("15".parse::<NcYear>(), Err(InvalidNcYear("15".into())));
/// assert_eq!("Year 15".parse::<NcYear>().unwrap_err().to_string(),
///     r#""Year 15" is not an NC year (E1, E2, N1, N2, R, 1-14, X)"#);
/// // The early years' numbered labels are NC years: R is "Year 0", E1 "Year −4".
/// assert_eq!("Year 0".parse::<NcYear>(), Ok(NcYear::R));
/// assert_eq!("Year -4".parse::<NcYear>(), Ok(NcYear::E1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an NC year (E1, E2, N1, N2, R, 1-14, X)")]
pub struct InvalidNcYear(pub String);

impl InvalidNcYear {
    /// Stable machine-readable code.
    ///
    /// ```
    /// let e = "Year 15".parse::<mis_mapping::NcYear>().unwrap_err();
    /// assert_eq!(e.code(), "calendar.invalid_nc_year");
    /// ```
    pub fn code(&self) -> &'static str {
        "calendar.invalid_nc_year"
    }
}

impl FromStr for NcYear {
    type Err = InvalidNcYear;
    fn from_str(s: &str) -> Result<Self, InvalidNcYear> {
        let t = s.trim();
        let t = t
            .strip_prefix("Year ")
            .or_else(|| t.strip_prefix("Y"))
            .unwrap_or(t);
        Ok(match t {
            "E1" => Self::E1,
            "E2" => Self::E2,
            "N1" => Self::N1,
            "N2" => Self::N2,
            // The numbered labels of the early years (uk-mis.md, NCyearActual):
            // R is "Year 0", N2 "Year −1" ... E1 "Year −4".
            "R" | "Reception" | "0" => Self::R,
            "-1" | "\u{2212}1" => Self::N2,
            "-2" | "\u{2212}2" => Self::N1,
            "-3" | "\u{2212}3" => Self::E2,
            "-4" | "\u{2212}4" => Self::E1,
            "X" => Self::X,
            n => match n.parse::<u8>() {
                Ok(v @ 1..=14) => Self::Year(v),
                _ => return Err(InvalidNcYear(s.to_owned())),
            },
        })
    }
}

impl fmt::Display for NcYear {
    /// The census code: `E1`, `R`, `7`, `X`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::E1 => f.write_str("E1"),
            Self::E2 => f.write_str("E2"),
            Self::N1 => f.write_str("N1"),
            Self::N2 => f.write_str("N2"),
            Self::R => f.write_str("R"),
            Self::Year(n) => write!(f, "{n}"),
            Self::X => f.write_str("X"),
        }
    }
}

impl NcYear {
    /// The year after this one (Reception → 1; 14 and X stay).
    pub fn next(self) -> Self {
        match self {
            Self::E1 => Self::E2,
            Self::E2 => Self::N1,
            Self::N1 => Self::N2,
            Self::N2 => Self::R,
            Self::R => Self::Year(1),
            Self::Year(n) if n < 14 => Self::Year(n + 1),
            other => other,
        }
    }

    /// The CEDS grade token under a profile (`uk-mis.md` §3.2 table).
    pub fn ceds_grade(self, profile: GradeProfile) -> &'static str {
        const NUM: [&str; 14] = [
            "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "Other",
        ];
        let aligned = |offset: u8, n: u8| {
            let i = usize::from(n.saturating_sub(offset));
            if n <= offset {
                "KG"
            } else {
                NUM.get(i.saturating_sub(1)).copied().unwrap_or("Other")
            }
        };
        match (self, profile) {
            (Self::E1 | Self::E2, _) => "IT",
            (Self::N1, _) => "PR",
            (Self::N2, GradeProfile::AgeAligned) => "PR",
            (Self::N2, GradeProfile::LabelAligned) => "PK",
            (Self::R, GradeProfile::AgeAligned) => "PK",
            (Self::R, GradeProfile::LabelAligned) => "KG",
            (Self::Year(n), GradeProfile::AgeAligned) => aligned(1, n),
            (Self::Year(14), GradeProfile::LabelAligned) => "Other",
            (Self::Year(n), GradeProfile::LabelAligned) => aligned(0, n),
            (Self::X, _) => "UG",
        }
    }
}

/// How UK NC years become CEDS grade tokens. The NC year always travels in
/// `metadata.uk.ncYear` as well.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, GradeProfile, NcYear};
/// let c = Contract::from_toml("consumer = \"maths-app\"\ngrade_profile = \"label-aligned\"")?;
/// assert_eq!(c.grade_profile, GradeProfile::LabelAligned);
/// assert_eq!(GradeProfile::default(), GradeProfile::AgeAligned);
/// assert_eq!(NcYear::Year(1).ceds_grade(GradeProfile::AgeAligned), "KG");
/// assert_eq!(NcYear::Year(1).ceds_grade(GradeProfile::LabelAligned), "01");
/// # Ok::<(), mis_mapping::ContractError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum GradeProfile {
    /// By age: Reception → PK, Year 1 → KG, Year n → n−1 (US-equivalent).
    #[default]
    AgeAligned,
    /// By label: Reception → KG, Year n → n.
    LabelAligned,
}

/// One term of a school's year, optionally split into half-terms.
///
/// # Examples
/// ```
/// use mis_mapping::Term;
/// let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// let mut michaelmas = Term::new("Michaelmas", d("2025-09-04"), d("2025-12-12"));
/// michaelmas.half_terms.push(("Michaelmas 1".into(), d("2025-09-04"), d("2025-10-17")));
/// assert_eq!(michaelmas.half_terms.len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Term {
    /// Display name ("Autumn", "Michaelmas").
    pub name: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Half-terms (name, first day, last day), become `gradingPeriod` sessions.
    pub half_terms: Vec<(String, NaiveDate, NaiveDate)>,
}

impl Term {
    /// A term without half-terms.
    pub fn new(name: impl Into<String>, start: NaiveDate, end: NaiveDate) -> Self {
        Self {
            name: name.into(),
            start,
            end,
            half_terms: Vec::new(),
        }
    }
}

/// One academic year of one school's calendar.
///
/// # Examples
/// ```
/// use mis_mapping::{AcademicYear, YearCalendar, check_year_calendar};
/// let cal = YearCalendar::english_default(AcademicYear::starting(2025)).unwrap();
/// assert_eq!((cal.start.to_string(), cal.end.to_string()), ("2025-09-01".into(), "2026-08-31".into()));
/// let names: Vec<&str> = cal.terms.iter().map(|t| t.name.as_str()).collect();
/// assert_eq!(names, ["Autumn", "Spring", "Summer"]);
/// assert_eq!(cal.terms[0].half_terms[1].0, "Autumn 2");
/// assert!(check_year_calendar(&cal).is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct YearCalendar {
    /// The academic year.
    pub year: AcademicYear,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Terms in order.
    pub terms: Vec<Term>,
}

impl YearCalendar {
    /// A year with no terms yet.
    pub fn new(year: AcademicYear, start: NaiveDate, end: NaiveDate) -> Self {
        Self {
            year,
            start,
            end,
            terms: Vec::new(),
        }
    }

    /// The usual English pattern: 1 Sep–31 Aug, three terms each split in two.
    /// Dates are typical, not a particular LA's.
    pub fn english_default(year: AcademicYear) -> Option<Self> {
        let y = year.start_year();
        let d = |yy: i32, m: u32, dd: u32| NaiveDate::from_ymd_opt(yy, m, dd);
        let n = y.saturating_add(1);
        let mut cal = Self::new(year, year.default_start()?, year.default_end()?);
        let mut term = |name: &str, parts: [(NaiveDate, NaiveDate); 2]| {
            let [(a, b), (c, e)] = parts;
            let mut t = Term::new(name, a, e);
            t.half_terms = vec![(format!("{name} 1"), a, b), (format!("{name} 2"), c, e)];
            cal.terms.push(t);
        };
        term(
            "Autumn",
            [(d(y, 9, 3)?, d(y, 10, 24)?), (d(y, 11, 3)?, d(y, 12, 19)?)],
        );
        term(
            "Spring",
            [(d(n, 1, 5)?, d(n, 2, 13)?), (d(n, 2, 23)?, d(n, 3, 27)?)],
        );
        term(
            "Summer",
            [(d(n, 4, 13)?, d(n, 5, 22)?), (d(n, 6, 1)?, d(n, 7, 22)?)],
        );
        Some(cal)
    }
}

/// A problem with calendar dates (reported, never a panic).
///
/// # Examples
/// ```
/// use mis_mapping::{AcademicYear, CalendarProblem, Term, YearCalendar, check_year_calendar};
/// let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// let mut cal = YearCalendar::new(AcademicYear::starting(2025), d("2025-09-01"), d("2026-08-31"));
/// cal.terms.push(Term::new("Autumn", d("2025-12-19"), d("2025-09-03"))); // start and end swapped
/// cal.terms.push(Term::new("Summer", d("2026-04-13"), d("2026-09-22"))); // runs past the year
/// let problems = check_year_calendar(&cal);
/// assert!(matches!(&problems[0], CalendarProblem::EndBeforeStart { what, .. } if what.contains("Autumn")));
/// assert!(problems.iter().any(|p| matches!(p, CalendarProblem::OutsideParent { what, .. } if what.contains("Summer"))));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarProblem {
    /// A period ends before it starts.
    #[error("{what} ends ({end}) before it starts ({start})")]
    EndBeforeStart {
        /// Which period.
        what: String,
        /// Start.
        start: NaiveDate,
        /// End.
        end: NaiveDate,
    },
    /// A period lies outside its parent.
    #[error("{what} is outside {parent}")]
    OutsideParent {
        /// Which period.
        what: String,
        /// The enclosing period.
        parent: String,
    },
}

impl CalendarProblem {
    /// Stable machine-readable code: that of the run report finding
    /// (`calendar.dates_contradict`, an error) for every variant.
    ///
    /// ```
    /// use mis_mapping::{AcademicYear, CalendarProblem, Term, YearCalendar, check_year_calendar};
    /// let d = |s: &str| s.parse::<chrono::NaiveDate>();
    /// let mut cal = YearCalendar::new(AcademicYear::starting(2025), d("2025-09-01")?, d("2026-08-31")?);
    /// cal.terms.push(Term::new("Autumn", d("2025-12-19")?, d("2025-09-03")?));
    /// let problems = check_year_calendar(&cal);
    /// assert!(matches!(problems.first(), Some(CalendarProblem::EndBeforeStart { .. })));
    /// assert!(problems.iter().all(|p| p.code() == "calendar.dates_contradict"));
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::EndBeforeStart { .. } | Self::OutsideParent { .. } => "calendar.dates_contradict",
        }
    }
}

/// Check a year calendar's dates: every period starts before it ends and
/// lies inside its parent.
pub fn check_year_calendar(cal: &YearCalendar) -> Vec<CalendarProblem> {
    let mut out = Vec::new();
    let year_name = format!("academic year {}", cal.year);
    let mut check =
        |what: String, s: NaiveDate, e: NaiveDate, parent: Option<(&str, NaiveDate, NaiveDate)>| {
            if e < s {
                out.push(CalendarProblem::EndBeforeStart {
                    what: what.clone(),
                    start: s,
                    end: e,
                });
            }
            if let Some((p, ps, pe)) = parent
                && (s < ps || e > pe)
            {
                out.push(CalendarProblem::OutsideParent {
                    what,
                    parent: p.to_owned(),
                });
            }
        };
    check(year_name.clone(), cal.start, cal.end, None);
    for t in &cal.terms {
        let tn = format!("term {:?}", t.name);
        check(
            tn.clone(),
            t.start,
            t.end,
            Some((&year_name, cal.start, cal.end)),
        );
        for (hn, hs, he) in &t.half_terms {
            check(
                format!("half-term {hn:?}"),
                *hs,
                *he,
                Some((&tn, t.start, t.end)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn academic_year_switches_in_september() {
        assert_eq!(AcademicYear::containing(d("2025-08-31")).start_year(), 2024);
        assert_eq!(AcademicYear::containing(d("2025-09-01")).start_year(), 2025);
        assert_eq!(AcademicYear::starting(2025).oneroster_school_year(), 2026);
        assert_eq!(AcademicYear::starting(2025).to_string(), "2025/26");
        assert_eq!(AcademicYear::starting(2099).to_string(), "2099/00");
    }

    #[test]
    fn grade_profiles_follow_the_table() {
        use GradeProfile::*;
        let cases = [
            ("E1", "IT", "IT"),
            ("N1", "PR", "PR"),
            ("N2", "PR", "PK"),
            ("R", "PK", "KG"),
            ("1", "KG", "01"),
            ("2", "01", "02"),
            ("6", "05", "06"),
            ("7", "06", "07"),
            ("11", "10", "11"),
            ("13", "12", "13"),
            ("14", "13", "Other"),
            ("X", "UG", "UG"),
        ];
        for (nc, age, label) in cases {
            let y: NcYear = nc.parse().unwrap();
            assert_eq!(y.ceds_grade(AgeAligned), age, "{nc} age");
            assert_eq!(y.ceds_grade(LabelAligned), label, "{nc} label");
            assert_eq!(y.to_string(), nc);
        }
        assert!("15".parse::<NcYear>().is_err());
        // "Year 0" is reception and the early years count down from it.
        assert_eq!("0".parse::<NcYear>().unwrap(), NcYear::R);
        assert_eq!("Year -1".parse::<NcYear>().unwrap(), NcYear::N2);
        assert_eq!("Year \u{2212}3".parse::<NcYear>().unwrap(), NcYear::E2);
        assert!("-5".parse::<NcYear>().is_err());
        assert_eq!("Year 7".parse::<NcYear>().unwrap(), NcYear::Year(7));
        assert_eq!(NcYear::R.next(), NcYear::Year(1));
        assert_eq!(NcYear::Year(14).next(), NcYear::Year(14));
    }

    #[test]
    fn default_calendar_is_consistent_and_bad_dates_are_reported() {
        let cal = YearCalendar::english_default(AcademicYear::starting(2025)).unwrap();
        assert_eq!(cal.terms.len(), 3);
        assert!(check_year_calendar(&cal).is_empty());
        let mut bad = cal.clone();
        bad.terms[0].end = d("2025-08-01");
        let problems = check_year_calendar(&bad);
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, CalendarProblem::EndBeforeStart { .. }))
        );
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, CalendarProblem::OutsideParent { .. }))
        );
    }
}
