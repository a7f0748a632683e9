//! Gradebook and resources entities: categories, line items, results, score
//! scales, the 1.2 link files, resources and their class/course/user links.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    Base, JsonEntity, Record, RecordError, base, base_cells, bool_str, date, gref, join_braced,
    json, opt_bool, opt_disp, opt_float, opt_gref, opt_str, opt_text, pairs, strings, text,
};
use crate::ids::GuidRef;
use crate::package::RowRef;
use crate::schema::FileKind;
use crate::vocab::{
    GuidRefType as G, Importance, LearningObjectiveSource, RoleV1p1, ScoreStatus, Version,
};

use super::common::{gid, parse_token};

// ---------------------------------------------------------------- gradebook

/// `categories.csv` / `category`.
///
/// # Examples
/// ```
/// use oneroster_model::{Category, parse_single};
/// // some servers send numbers as strings
/// let c: Category = parse_single(r#"{"category":{"sourcedId":"cat-hw","title":"Homework","weight":"0.25"}}"#)?;
/// assert_eq!((c.title.as_str(), c.weight), ("Homework", Some(0.25)));
/// assert_eq!(serde_json::to_value(&c)?["weight"], 0.25); // written as a number
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Title.
    pub title: String,
    /// Weight (1.2).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_number"
    )]
    pub weight: Option<f64>,
}
json_entity!(Category, "categories", "category");

impl Record for Category {
    const FILE: FileKind = FileKind::Categories;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            title: text(&row, "title")?,
            weight: opt_float(&row, "weight")?,
        })
    }
    fn to_cells(&self, version: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.push(("title", self.title.clone()));
        if version == Version::V1_2 {
            c.push(("weight", opt_disp(&self.weight)));
        }
        c
    }
}

/// `lineItems.csv` / `lineItem`. The session is CSV `gradingPeriodSourcedId`
/// (1.1) or `academicSessionSourcedId` (1.2); JSON `gradingPeriod` /
/// `academicSession`. Assign/due dates are CSV dates and JSON DateTimes.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, LineItem, Record, Table, Version};
/// // 1.1 names the session column gradingPeriodSourcedId
/// let mut t = Table::new(FileKind::LineItems, Version::V1_1);
/// t.push_named(&[("sourcedId", "li-1"), ("title", "Fractions quiz"), ("assignDate", "2025-10-06"),
///     ("dueDate", "2025-10-13"), ("classSourcedId", "cls-7x-ma"), ("categorySourcedId", "cat-hw"),
///     ("gradingPeriodSourcedId", "ht-aut1"), ("resultValueMin", "0"), ("resultValueMax", "20")])?;
/// let li: LineItem = t.records(Version::V1_1).next().unwrap()?;
/// assert_eq!(li.academic_session.sourced_id.as_str(), "ht-aut1");
/// assert_eq!(li.result_value_max, Some(20.0));
/// // 1.2 writes the same session as academicSessionSourcedId
/// assert!(li.to_cells(Version::V1_2).contains(&("academicSessionSourcedId", "ht-aut1".to_owned())));
/// // and JSON carries the dates as DateTimes
/// assert_eq!(serde_json::to_value(&li)?["dueDate"], "2025-10-13T00:00:00.000Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Assigned on.
    #[serde(with = "json::date_as_datetime")]
    pub assign_date: NaiveDate,
    /// Due on.
    #[serde(with = "json::date_as_datetime")]
    pub due_date: NaiveDate,
    /// The class.
    pub class: GuidRef,
    /// The category.
    pub category: GuidRef,
    /// The grading period / academic session.
    #[serde(alias = "gradingPeriod")]
    pub academic_session: GuidRef,
    /// Lowest score.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_number"
    )]
    pub result_value_min: Option<f64>,
    /// Highest score.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_number"
    )]
    pub result_value_max: Option<f64>,
    /// The school (1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<GuidRef>,
}
json_entity!(LineItem, "lineItems", "lineItem");

fn session_col(version: Version) -> &'static str {
    match version {
        Version::V1_1 => "gradingPeriodSourcedId",
        _ => "academicSessionSourcedId",
    }
}

impl Record for LineItem {
    const FILE: FileKind = FileKind::LineItems;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            title: text(&row, "title")?,
            description: opt_text(&row, "description"),
            assign_date: date(&row, "assignDate")?,
            due_date: date(&row, "dueDate")?,
            class: gref(&row, "classSourcedId", G::Class)?,
            category: gref(&row, "categorySourcedId", G::Category)?,
            academic_session: gref(&row, session_col(version), G::AcademicSession)?,
            result_value_min: opt_float(&row, "resultValueMin")?,
            result_value_max: opt_float(&row, "resultValueMax")?,
            school: opt_gref(&row, "schoolSourcedId", G::Org)?,
        })
    }
    fn to_cells(&self, version: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("title", self.title.clone()),
            ("description", opt_str(&self.description)),
            ("assignDate", self.assign_date.to_string()),
            ("dueDate", self.due_date.to_string()),
            ("classSourcedId", self.class.sourced_id.to_string()),
            ("categorySourcedId", self.category.sourced_id.to_string()),
            (
                session_col(version),
                self.academic_session.sourced_id.to_string(),
            ),
            ("resultValueMin", opt_disp(&self.result_value_min)),
            ("resultValueMax", opt_disp(&self.result_value_max)),
        ]);
        if version == Version::V1_2 {
            c.push(("schoolSourcedId", gid(&self.school)));
        }
        c
    }
}

/// `results.csv` / `result`.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, ResultRecord, ScoreStatus, Table, Version};
/// let mut t = Table::new(FileKind::Results, Version::V1_2);
/// t.push_named(&[("sourcedId", "res-1"), ("lineItemSourcedId", "li-1"), ("studentSourcedId", "usr-1"),
///     ("scoreStatus", "fully graded"), ("score", "17"), ("scoreDate", "2025-10-14"), ("late", "true")])?;
/// let r: ResultRecord = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!((r.score_status, r.score, r.late), (ScoreStatus::FullyGraded, Some(17.0), Some(true)));
/// assert_eq!(r.student.sourced_id.as_str(), "usr-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultRecord {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// The line item.
    pub line_item: GuidRef,
    /// The student.
    pub student: GuidRef,
    /// Status of the score.
    pub score_status: ScoreStatus,
    /// The score.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_number"
    )]
    pub score: Option<f64>,
    /// Scored on.
    pub score_date: NaiveDate,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Text score (1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_score: Option<String>,
    /// The class (1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<GuidRef>,
    /// In progress (1.2).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub in_progress: Option<bool>,
    /// Incomplete (1.2).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub incomplete: Option<bool>,
    /// Late (1.2).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub late: Option<bool>,
    /// Missing (1.2).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub missing: Option<bool>,
}
json_entity!(ResultRecord, "results", "result");

impl Record for ResultRecord {
    const FILE: FileKind = FileKind::Results;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            line_item: gref(&row, "lineItemSourcedId", G::LineItem)?,
            student: gref(&row, "studentSourcedId", G::User)?,
            score_status: parse_token(&row, "scoreStatus", "a score status", ScoreStatus::parse)?,
            score: opt_float(&row, "score")?,
            score_date: date(&row, "scoreDate")?,
            comment: opt_text(&row, "comment"),
            text_score: opt_text(&row, "textScore"),
            class: opt_gref(&row, "classSourcedId", G::Class)?,
            in_progress: opt_bool(&row, "inProgress")?,
            incomplete: opt_bool(&row, "incomplete")?,
            late: opt_bool(&row, "late")?,
            missing: opt_bool(&row, "missing")?,
        })
    }
    fn to_cells(&self, version: Version) -> Vec<(&'static str, String)> {
        let b = |v: Option<bool>| v.map(bool_str).unwrap_or_default();
        let mut c = base_cells(&self.base);
        c.extend([
            ("lineItemSourcedId", self.line_item.sourced_id.to_string()),
            ("studentSourcedId", self.student.sourced_id.to_string()),
            ("scoreStatus", self.score_status.to_string()),
            ("score", opt_disp(&self.score)),
            ("scoreDate", self.score_date.to_string()),
            ("comment", opt_str(&self.comment)),
        ]);
        if version == Version::V1_2 {
            c.extend([
                ("textScore", opt_str(&self.text_score)),
                ("classSourcedId", gid(&self.class)),
                ("inProgress", b(self.in_progress)),
                ("incomplete", b(self.incomplete)),
                ("late", b(self.late)),
                ("missing", b(self.missing)),
            ]);
        }
        c
    }
}

/// One `{lhs:rhs}` item of a score scale.
///
/// # Examples
/// ```
/// use oneroster_model::ScoreScaleValue;
/// let v: ScoreScaleValue = serde_json::from_str(r#"{"itemValueLHS":"A","itemValueRHS":"90"}"#)?;
/// assert_eq!((v.item_value_lhs.as_str(), v.item_value_rhs.as_str()), ("A", "90"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreScaleValue {
    /// The value (e.g. `A`).
    #[serde(rename = "itemValueLHS")]
    pub item_value_lhs: String,
    /// Its meaning (e.g. `90`).
    #[serde(rename = "itemValueRHS")]
    pub item_value_rhs: String,
}

/// `scoreScales.csv` / `scoreScale` (1.2).
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, RecordError, ScoreScale, Table, Version};
/// let mut t = Table::new(FileKind::ScoreScales, Version::V1_2);
/// t.push_named(&[("sourcedId", "ss-gcse"), ("title", "GCSE 9-1"), ("type", "letter"),
///     ("classSourcedId", "cls-11x-ma"), ("scoreScaleValue", "{9:90},{8:80},{7:70}")])?;
/// t.push_named(&[("sourcedId", "ss-bad"), ("title", "Broken"), ("type", "letter"),
///     ("classSourcedId", "cls-11x-ma"), ("scoreScaleValue", "9:90")])?;
/// let mut rows = t.records::<ScoreScale>(Version::V1_2);
/// let gcse = rows.next().unwrap()?;
/// assert_eq!(gcse.score_scale_value.len(), 3);
/// assert_eq!(gcse.score_scale_value[0].item_value_rhs, "90");
/// assert!(matches!(rows.next().unwrap(), Err(RecordError::Invalid { column: "scoreScaleValue", .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreScale {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Title.
    pub title: String,
    /// Type.
    #[serde(rename = "type")]
    pub scale_type: String,
    /// The org (CSV only in practice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<GuidRef>,
    /// The course.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course: Option<GuidRef>,
    /// The class.
    pub class: GuidRef,
    /// The values.
    pub score_scale_value: Vec<ScoreScaleValue>,
}
json_entity!(ScoreScale, "scoreScales", "scoreScale");

impl Record for ScoreScale {
    const FILE: FileKind = FileKind::ScoreScales;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            title: text(&row, "title")?,
            scale_type: text(&row, "type")?,
            org: opt_gref(&row, "orgSourcedId", G::Org)?,
            course: opt_gref(&row, "courseSourcedId", G::Course)?,
            class: gref(&row, "classSourcedId", G::Class)?,
            score_scale_value: pairs(&row, "scoreScaleValue", "{lhs:rhs} items")?
                .into_iter()
                .map(|(item_value_lhs, item_value_rhs)| ScoreScaleValue {
                    item_value_lhs,
                    item_value_rhs,
                })
                .collect(),
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        let values: Vec<(String, String)> = self
            .score_scale_value
            .iter()
            .map(|v| (v.item_value_lhs.clone(), v.item_value_rhs.clone()))
            .collect();
        c.extend([
            ("title", self.title.clone()),
            ("type", self.scale_type.clone()),
            ("orgSourcedId", gid(&self.org)),
            ("courseSourcedId", gid(&self.course)),
            ("classSourcedId", self.class.sourced_id.to_string()),
            ("scoreScaleValue", join_braced(&values)),
        ]);
        c
    }
}

/// `lineItemScoreScales.csv` / `resultScoreScales.csv` row (1.2): links a
/// line item or result (`owner`) to a score scale.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, ScoreScaleLink, Table, Version};
/// let mut t = Table::new(FileKind::ResultScoreScales, Version::V1_2);
/// t.push_named(&[("sourcedId", "rss-1"), ("resultSourcedId", "res-1"), ("scoreScaleSourcedId", "ss-gcse")])?;
/// let link = ScoreScaleLink::from_row(t.row(0).unwrap(), Version::V1_2, FileKind::ResultScoreScales)?;
/// assert_eq!((link.owner.sourced_id.as_str(), link.score_scale.sourced_id.as_str()), ("res-1", "ss-gcse"));
/// // written back to the file it came from, the owner is in resultSourcedId
/// let cells = link.to_cells(FileKind::ResultScoreScales);
/// assert!(cells.contains(&("resultSourcedId", "res-1".to_owned())));
///
/// // the owner column depends on the file: a line item's link names a line item
/// let mut t = Table::new(FileKind::LineItemScoreScales, Version::V1_2);
/// t.push_named(&[("sourcedId", "liss-1"), ("lineItemSourcedId", "li-1"), ("scoreScaleSourcedId", "ss-gcse")])?;
/// let link = ScoreScaleLink::from_row(t.row(0).unwrap(), Version::V1_2, FileKind::LineItemScoreScales)?;
/// assert!(link.to_cells(FileKind::LineItemScoreScales).contains(&("lineItemSourcedId", "li-1".to_owned())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreScaleLink {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The line item or result.
    pub owner: GuidRef,
    /// The score scale.
    pub score_scale: GuidRef,
}

/// `lineItemLearningObjectiveIds.csv` / `resultLearningObjectiveIds.csv` row (1.2).
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, LearningObjectiveLink, LearningObjectiveSource, Table, Version, is_case_urn};
/// let mut t = Table::new(FileKind::LineItemLearningObjectiveIds, Version::V1_2);
/// t.push_named(&[("sourcedId", "lo-1"), ("lineItemSourcedId", "li-1"), ("source", "case"),
///     ("learningObjectiveId", "urn:uuid:6b1f4c5e-9a2d-4e11-8c3a-2f0b7d9e1a44")])?;
/// let lo = LearningObjectiveLink::from_row(t.row(0).unwrap(), Version::V1_2, FileKind::LineItemLearningObjectiveIds)?;
/// assert_eq!(lo.source, LearningObjectiveSource::Case);
/// assert!(is_case_urn(&lo.learning_objective_id));
/// // score and textScore exist only in the result file
/// assert!(!lo.to_cells(FileKind::LineItemLearningObjectiveIds).iter().any(|(c, _)| *c == "score"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LearningObjectiveLink {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// The line item or result.
    pub owner: GuidRef,
    /// Where the objective is defined.
    pub source: LearningObjectiveSource,
    /// The objective.
    pub learning_objective_id: String,
    /// Score (result file only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_number"
    )]
    pub score: Option<f64>,
    /// Text score (result file only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_score: Option<String>,
}

/// Which link file a [`ScoreScaleLink`] / [`LearningObjectiveLink`] row is read from.
fn link_owner(kind: FileKind) -> (&'static str, G) {
    match kind {
        FileKind::ResultScoreScales | FileKind::ResultLearningObjectiveIds => {
            ("resultSourcedId", G::Result)
        }
        _ => ("lineItemSourcedId", G::LineItem),
    }
}

impl ScoreScaleLink {
    /// Read a row of `lineItemScoreScales.csv` or `resultScoreScales.csv`.
    ///
    /// # Errors
    /// As [`Record::from_row`].
    pub fn from_row(
        row: RowRef<'_>,
        version: Version,
        kind: FileKind,
    ) -> Result<Self, RecordError> {
        let (col, g) = link_owner(kind);
        Ok(Self {
            base: base(&row, version, kind)?,
            title: opt_text(&row, "title"),
            owner: gref(&row, col, g)?,
            score_scale: gref(&row, "scoreScaleSourcedId", G::ScoreScale)?,
        })
    }
    /// The cells for `kind`.
    pub fn to_cells(&self, kind: FileKind) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("title", opt_str(&self.title)),
            (link_owner(kind).0, self.owner.sourced_id.to_string()),
            (
                "scoreScaleSourcedId",
                self.score_scale.sourced_id.to_string(),
            ),
        ]);
        c
    }
}

impl LearningObjectiveLink {
    /// Read a row of `lineItemLearningObjectiveIds.csv` or `resultLearningObjectiveIds.csv`.
    ///
    /// # Errors
    /// As [`Record::from_row`].
    pub fn from_row(
        row: RowRef<'_>,
        version: Version,
        kind: FileKind,
    ) -> Result<Self, RecordError> {
        let (col, g) = link_owner(kind);
        Ok(Self {
            base: base(&row, version, kind)?,
            owner: gref(&row, col, g)?,
            source: parse_token(
                &row,
                "source",
                "case|unknown|ext:*",
                LearningObjectiveSource::parse,
            )?,
            learning_objective_id: text(&row, "learningObjectiveId")?,
            score: opt_float(&row, "score")?,
            text_score: opt_text(&row, "textScore"),
        })
    }
    /// The cells for `kind`.
    pub fn to_cells(&self, kind: FileKind) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            (link_owner(kind).0, self.owner.sourced_id.to_string()),
            ("source", self.source.to_string()),
            ("learningObjectiveId", self.learning_objective_id.clone()),
        ]);
        if kind == FileKind::ResultLearningObjectiveIds {
            c.extend([
                ("score", opt_disp(&self.score)),
                ("textScore", opt_str(&self.text_score)),
            ]);
        }
        c
    }
}

// ---------------------------------------------------------------- resources

/// `resources.csv` / `resource`.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Importance, Resource, RoleV1p1, Table, Version};
/// let mut t = Table::new(FileKind::Resources, Version::V1_2);
/// t.push_named(&[("sourcedId", "rsc-1"), ("vendorResourceId", "maths-co:fractions-1"), ("title", "Fractions"),
///     ("roles", "student,teacher"), ("importance", "primary")])?;
/// let r: Resource = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!(r.roles, [RoleV1p1::Student, RoleV1p1::Teacher]);
/// assert_eq!(r.importance, Some(Importance::Primary));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// The vendor's id.
    pub vendor_resource_id: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Intended roles.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub roles: Vec<RoleV1p1>,
    /// Importance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importance: Option<Importance>,
    /// Vendor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<String>,
    /// Application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
}
json_entity!(Resource, "resources", "resource");

impl Record for Resource {
    const FILE: FileKind = FileKind::Resources;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        let roles = strings(&row, "roles")
            .iter()
            .map(|r| {
                RoleV1p1::parse(r).map_err(|_| RecordError::Invalid {
                    column: "roles",
                    value: r.clone(),
                    expected: "roles",
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            vendor_resource_id: text(&row, "vendorResourceId")?,
            title: opt_text(&row, "title"),
            roles,
            importance: super::parsed(&row, "importance", "primary|secondary", |s| {
                Importance::parse(s).ok()
            })?,
            vendor_id: opt_text(&row, "vendorId"),
            application_id: opt_text(&row, "applicationId"),
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("vendorResourceId", self.vendor_resource_id.clone()),
            ("title", opt_str(&self.title)),
            (
                "roles",
                self.roles
                    .iter()
                    .map(|r| r.as_str().to_owned())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("importance", opt_disp(&self.importance)),
            ("vendorId", opt_str(&self.vendor_id)),
            ("applicationId", opt_str(&self.application_id)),
        ]);
        c
    }
}

/// `classResources.csv` / `courseResources.csv` row: links a class or course
/// (`owner`) to a resource.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, GuidRefType, ResourceLink, Table, Version};
/// let mut t = Table::new(FileKind::CourseResources, Version::V1_2);
/// t.push_named(&[("sourcedId", "cr-1"), ("title", "Year 7 maths"), ("courseSourcedId", "crs-ma7"),
///     ("resourceSourcedId", "rsc-1")])?;
/// let link = ResourceLink::from_row(t.row(0).unwrap(), Version::V1_2, FileKind::CourseResources)?;
/// assert_eq!(link.owner.kind, Some(GuidRefType::Course));
/// assert_eq!(link.resource.sourced_id.as_str(), "rsc-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceLink {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The class or course.
    pub owner: GuidRef,
    /// The resource.
    pub resource: GuidRef,
}

impl ResourceLink {
    fn owner_col(kind: FileKind) -> (&'static str, G) {
        match kind {
            FileKind::CourseResources => ("courseSourcedId", G::Course),
            _ => ("classSourcedId", G::Class),
        }
    }
    /// Read a row of `classResources.csv` or `courseResources.csv`.
    ///
    /// # Errors
    /// As [`Record::from_row`].
    pub fn from_row(
        row: RowRef<'_>,
        version: Version,
        kind: FileKind,
    ) -> Result<Self, RecordError> {
        let (col, g) = Self::owner_col(kind);
        Ok(Self {
            base: base(&row, version, kind)?,
            title: opt_text(&row, "title"),
            owner: gref(&row, col, g)?,
            resource: gref(&row, "resourceSourcedId", G::Resource)?,
        })
    }
    /// The cells for `kind`.
    pub fn to_cells(&self, kind: FileKind) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("title", opt_str(&self.title)),
            (Self::owner_col(kind).0, self.owner.sourced_id.to_string()),
            ("resourceSourcedId", self.resource.sourced_id.to_string()),
        ]);
        c
    }
}

/// `userResources.csv` row (1.2).
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Table, UserResource, Version};
/// let mut t = Table::new(FileKind::UserResources, Version::V1_2);
/// t.push_named(&[("sourcedId", "ur-1"), ("userSourcedId", "usr-1"), ("resourceSourcedId", "rsc-1")])?;
/// let ur: UserResource = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!((ur.user.sourced_id.as_str(), ur.class.is_none()), ("usr-1", true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserResource {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// The user.
    pub user: GuidRef,
    /// The org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<GuidRef>,
    /// The class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<GuidRef>,
    /// The resource.
    pub resource: GuidRef,
}

impl Record for UserResource {
    const FILE: FileKind = FileKind::UserResources;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            user: gref(&row, "userSourcedId", G::User)?,
            org: opt_gref(&row, "orgSourcedId", G::Org)?,
            class: opt_gref(&row, "classSourcedId", G::Class)?,
            resource: gref(&row, "resourceSourcedId", G::Resource)?,
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("userSourcedId", self.user.sourced_id.to_string()),
            ("orgSourcedId", gid(&self.org)),
            ("classSourcedId", gid(&self.class)),
            ("resourceSourcedId", self.resource.sourced_id.to_string()),
        ]);
        c
    }
}
