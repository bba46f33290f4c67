//! The domain model shared by every stage: municipalities, waves, action lines,
//! sources, spans and segments.
//!
//! These types live in the lowest crate that needs them (this one), so that
//! `analysis` and `report` speak the same language without depending on each
//! other's internals. Everything here is plain data with serde.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A value outside what the domain allows: a wave, action line, size class
/// or CBS code that does not exist. The caller adds the file and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A year that is not one of the evaluation waves.
    #[error("wave {0} is not one of the evaluation waves (2024, 2025, 2026)")]
    Wave(u16),
    /// An action line number outside 1 to 8.
    #[error("action line {0} does not exist (use 1 to 8)")]
    ActionLine(u8),
    /// A CBS size class outside 1 to 8.
    #[error("size class {0} does not exist (use 1 to 8)")]
    SizeClass(u8),
    /// A text that is not a CBS municipality code.
    #[error(
        "'{0}' is not a CBS municipality code (expected GM followed by four digits, like GM0363)"
    )]
    CbsCode(String),
}

/// An evaluation wave: the three-yearly evaluations of 2024, 2025 and 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Wave(u16);

impl Wave {
    /// The waves the evaluation consists of.
    pub const ALL: [u16; 3] = [2024, 2025, 2026];

    /// The first wave (2024).
    pub const FIRST: Wave = Wave(2024);

    /// Builds a wave, rejecting years outside the evaluation.
    pub fn new(year: u16) -> std::result::Result<Self, ValueError> {
        if Self::ALL.contains(&year) {
            Ok(Wave(year))
        } else {
            Err(ValueError::Wave(year))
        }
    }

    /// The year of the wave.
    pub fn year(self) -> u16 {
        self.0
    }

    /// The ordinal in the series: 1 for 2024, 2 for 2025, 3 for 2026.
    pub fn ordinal(self) -> u16 {
        self.0 - 2023
    }
}

impl TryFrom<u16> for Wave {
    type Error = ValueError;
    fn try_from(year: u16) -> std::result::Result<Self, ValueError> {
        Wave::new(year)
    }
}

impl From<Wave> for u16 {
    fn from(w: Wave) -> u16 {
        w.0
    }
}

impl fmt::Display for Wave {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How money reaches municipalities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Route {
    /// Paid from the national budget (BZK), not through the Gemeentefonds.
    Rijksbegroting,
    /// Decentralisatie-uitkering (DU) of the Gemeentefonds, to selected (centrum)gemeenten.
    DecentralisatieUitkering,
    /// Algemene uitkering (AU) of the Gemeentefonds, un-earmarked, to all municipalities.
    AlgemeneUitkering,
}

impl Route {
    /// The three routes, in the order of the funds table.
    pub const ALL: [Route; 3] = [
        Route::Rijksbegroting,
        Route::DecentralisatieUitkering,
        Route::AlgemeneUitkering,
    ];

    /// The Dutch label used in reports and input tables.
    pub fn label(self) -> &'static str {
        match self {
            Route::Rijksbegroting => "Rijksbegroting BZK",
            Route::DecentralisatieUitkering => "DU gemeentefonds",
            Route::AlgemeneUitkering => "AU gemeentefonds",
        }
    }

    /// Parses the labels users write in funds tables: "Rijksbegroting BZK",
    /// "Rijksbegroting", "DU", "DU gemeentefonds", "Decentralisatie-uitkering",
    /// "AU", "Algemene uitkering", ... (case-insensitive).
    pub fn parse(text: &str) -> Option<Route> {
        let t = text.trim().to_lowercase();
        if t.starts_with("rijksbegroting") || t == "rb" {
            Some(Route::Rijksbegroting)
        } else if t == "du" || t.starts_with("du ") || t.starts_with("decentralisatie") {
            Some(Route::DecentralisatieUitkering)
        } else if t == "au" || t.starts_with("au ") || t.starts_with("algemene uitkering") {
            Some(Route::AlgemeneUitkering)
        } else {
            None
        }
    }
}

/// One of the eight action lines (actielijnen) of the POK-middelen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct ActionLine(u8);

impl ActionLine {
    /// Builds an action line, rejecting numbers outside 1 to 8.
    pub fn new(n: u8) -> std::result::Result<Self, ValueError> {
        if (1..=8).contains(&n) {
            Ok(ActionLine(n))
        } else {
            Err(ValueError::ActionLine(n))
        }
    }

    /// All eight action lines in order.
    pub fn all() -> impl Iterator<Item = ActionLine> {
        (1..=8).map(ActionLine)
    }

    /// Its number, 1 to 8.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The Dutch name, as in the VNG members' letter of 14 December 2021.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "Digitale overheid",
            2 => "Robuuste rechtsbescherming",
            3 => "Versterken leervermogen aanpak kwetsbare wijken",
            4 => "Versterking wijkteams",
            5 => "Integraal werken in het sociaal domein",
            6 => "Toekomstscenario kind- en gezinsbescherming",
            7 => "(Hoog) risicovol verward gedrag",
            _ => "Gemeentelijk ondersteuningsprogramma",
        }
    }

    /// The routes through which this action line is (or was) paid.
    pub fn routes(self) -> &'static [Route] {
        match self.0 {
            1 | 8 => &[Route::Rijksbegroting],
            3 => &[Route::DecentralisatieUitkering, Route::AlgemeneUitkering],
            6 | 7 => &[Route::DecentralisatieUitkering],
            _ => &[Route::AlgemeneUitkering],
        }
    }
}

impl TryFrom<u8> for ActionLine {
    type Error = ValueError;
    fn try_from(n: u8) -> std::result::Result<Self, ValueError> {
        ActionLine::new(n)
    }
}

impl From<ActionLine> for u8 {
    fn from(a: ActionLine) -> u8 {
        a.0
    }
}

impl fmt::Display for ActionLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}. {}", self.0, self.name())
    }
}

/// CBS municipality size class (gemeentegrootteklasse) on inhabitants at 1 January.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct SizeClass(u8);

impl SizeClass {
    /// Lower bounds (inclusive) of classes 1 to 8, as published by CBS.
    const LOWER: [u64; 8] = [0, 5_000, 10_000, 20_000, 50_000, 100_000, 150_000, 250_000];

    /// The class a municipality with this many inhabitants falls in.
    pub fn for_inhabitants(inhabitants: u64) -> SizeClass {
        let idx = Self::LOWER
            .iter()
            .rposition(|&lo| inhabitants >= lo)
            .unwrap_or(0);
        SizeClass(idx as u8 + 1)
    }

    /// The eight size classes, smallest first.
    pub fn all() -> impl Iterator<Item = SizeClass> {
        (1..=8).map(SizeClass)
    }

    /// Its CBS code, 1 to 8.
    pub fn code(self) -> u8 {
        self.0
    }

    /// Dutch label, for example "20.000 tot 50.000 inwoners".
    pub fn label(self) -> &'static str {
        match self.0 {
            1 => "minder dan 5.000 inwoners",
            2 => "5.000 tot 10.000 inwoners",
            3 => "10.000 tot 20.000 inwoners",
            4 => "20.000 tot 50.000 inwoners",
            5 => "50.000 tot 100.000 inwoners",
            6 => "100.000 tot 150.000 inwoners",
            7 => "150.000 tot 250.000 inwoners",
            _ => "250.000 inwoners of meer",
        }
    }

    /// Short label for chart axes, in thousands of inhabitants ("20–50").
    pub fn short_label(self) -> &'static str {
        match self.0 {
            1 => "< 5",
            2 => "5–10",
            3 => "10–20",
            4 => "20–50",
            5 => "50–100",
            6 => "100–150",
            7 => "150–250",
            _ => "≥ 250",
        }
    }
}

/// The planned yearly amount of the POK-middelen that the funds are
/// measured against (EUR million).
pub const PLANNED_YEARLY_MLN: f64 = 150.0;

impl TryFrom<u8> for SizeClass {
    type Error = ValueError;
    fn try_from(n: u8) -> std::result::Result<Self, ValueError> {
        if (1..=8).contains(&n) {
            Ok(SizeClass(n))
        } else {
            Err(ValueError::SizeClass(n))
        }
    }
}

impl From<SizeClass> for u8 {
    fn from(s: SizeClass) -> u8 {
        s.0
    }
}

/// A municipality (gemeente), identified by its CBS code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Municipality {
    /// CBS code such as `GM0363` (Amsterdam).
    pub code: String,
    /// The municipality's name as the register writes it.
    pub name: String,
    /// The province it lies in.
    pub province: String,
    /// Its number of inhabitants on 1 January of the register's year.
    pub inhabitants: u64,
    /// Its CBS size class by inhabitants.
    pub size_class: SizeClass,
    /// Other names people use ("Den Bosch" for 's-Hertogenbosch).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Longitude and latitude (WGS84) of the town centre, for point maps.
    #[serde(default)]
    pub location: Option<(f64, f64)>,
}

/// Checks that `code` looks like a CBS municipality code (`GM` and four digits).
pub fn validate_cbs_code(code: &str) -> std::result::Result<(), ValueError> {
    let ok =
        code.len() == 6 && code.starts_with("GM") && code[2..].chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(ValueError::CbsCode(code.to_string()))
    }
}

/// A position range in a text, in Unicode code points, end exclusive (the
/// REFI-QDA convention). Rust strings index bytes: convert with
/// [`Span::from_byte_range`] and [`Span::slice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    /// The first code point.
    pub start: usize,
    /// The code point after the last one.
    pub end: usize,
}

impl Span {
    /// The span from `start` to `end` (code points, end exclusive).
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end);
        Span { start, end }
    }

    /// Its length in code points.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether it holds no code points.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// Converts a byte range of `text` (as `str` methods return) to code points.
    pub fn from_byte_range(text: &str, start: usize, end: usize) -> Span {
        let cp_start = text[..start].chars().count();
        let cp_end = cp_start + text[start..end].chars().count();
        Span::new(cp_start, cp_end)
    }

    /// The byte range of this span in `text`, or `None` when it lies outside.
    pub fn byte_range(self, text: &str) -> Option<(usize, usize)> {
        let mut start = None;
        for (i, (b, _)) in text.char_indices().enumerate() {
            if i == self.start {
                start = Some(b);
            }
            if i == self.end {
                return start.map(|s| (s, b));
            }
        }
        let n = text.chars().count();
        if self.end == n {
            let s = if self.start == n {
                Some(text.len())
            } else {
                start
            };
            return s.map(|s| (s, text.len()));
        }
        None
    }

    /// The text this span covers in `text`.
    pub fn slice(self, text: &str) -> Option<&str> {
        self.byte_range(text).map(|(s, e)| &text[s..e])
    }
}

/// What kind of material a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SourceKind {
    /// An answer to an open survey question.
    SurveyAnswer,
    /// Interview notes or a transcript.
    Interview,
    /// A policy document (spending plan, council decision).
    Document,
}

impl SourceKind {
    /// The Dutch label the report uses for this kind of source.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::SurveyAnswer => "enquête-antwoord",
            SourceKind::Interview => "interview",
            SourceKind::Document => "document",
        }
    }
}

/// A text that can be coded: an open survey answer, interview notes, a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Stable id, unique in a project (for example `interview:enschede.md`).
    pub id: String,
    /// What kind of source it is (interview, document, survey answer).
    pub kind: SourceKind,
    /// CBS code of the municipality the source is about, when known.
    pub municipality: Option<Arc<str>>,
    /// The wave it belongs to.
    pub wave: Wave,
    /// The plain text; spans refer to this string.
    pub text: String,
    /// The file this source was read from, relative to the project file
    /// (shared: every open answer of an export names the same file).
    pub file: Arc<str>,
    /// Other metadata (date, role of the respondent, question id, ...).
    #[serde(default)]
    pub meta: Meta,
}

impl Source {
    /// What a reader needs to place a passage of this source: the question
    /// as asked for a survey answer, the respondent's role (`rol`) for
    /// notes and documents.
    pub fn context(&self) -> Option<&str> {
        match self.kind {
            SourceKind::SurveyAnswer => self.meta.get("question_text"),
            _ => self.meta.get("rol"),
        }
    }
}

/// A source's metadata: a small map from field to value, sorted by field.
///
/// A survey of 100,000 respondents has 200,000 open answers with three
/// fields each; a `BTreeMap<String, String>` per answer (a 500-byte node
/// and six strings) was the largest single cost of a build's memory. Here
/// the fields are one short vector, fixed field names are not allocated,
/// and a value repeated across sources (the question as asked) can be
/// shared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta(Vec<(std::borrow::Cow<'static, str>, std::sync::Arc<str>)>);

impl Meta {
    /// An empty map with room for `n` fields.
    pub fn with_capacity(n: usize) -> Meta {
        Meta(Vec::with_capacity(n))
    }

    /// The value of `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.position(field).ok().map(|i| &*self.0[i].1)
    }

    /// Sets `field` to `value`, replacing an earlier value.
    pub fn insert(
        &mut self,
        field: impl Into<std::borrow::Cow<'static, str>>,
        value: impl Into<std::sync::Arc<str>>,
    ) {
        let field = field.into();
        let value = value.into();
        match self.position(&field) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (field, value)),
        }
    }

    /// The fields and values, sorted by field.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    /// Whether it holds no metadata.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Frees unused room (a map made field by field has room for four).
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }

    fn position(&self, field: &str) -> std::result::Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(field))
    }
}

impl std::ops::Index<&str> for Meta {
    type Output = str;

    /// The value of `field`; panics when there is none (for tests and
    /// fields a reader always sets).
    fn index(&self, field: &str) -> &str {
        match self.get(field) {
            Some(v) => v,
            None => panic!("no metadata field '{field}'"),
        }
    }
}

impl FromIterator<(String, String)> for Meta {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Meta {
        let mut meta = Meta::default();
        for (k, v) in iter {
            meta.insert(k, v);
        }
        meta
    }
}

impl Serialize for Meta {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Meta {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Meta, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(deserializer)?;
        Ok(map.into_iter().collect())
    }
}

/// The unit a segment stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentUnit {
    /// A paragraph of a note or document.
    Paragraph,
    /// A sentence.
    Sentence,
    /// A speaker's turn in a transcript.
    Turn,
    /// A whole open survey answer.
    Answer,
}

/// A codable unit of a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// `<source id>#<n>`.
    pub id: String,
    /// The id of the source it is a part of.
    pub source: String,
    /// Its position in the source's text.
    pub span: Span,
    /// What kind of part it is.
    pub unit: SegmentUnit,
}

/// Reads a required value, with the error naming the file, line and field.
pub fn field_error(
    file: &std::path::Path,
    line: Option<u64>,
    field: &str,
    message: impl Into<String>,
) -> Error {
    Error::Field {
        file: file.to_path_buf(),
        line,
        field: field.to_string(),
        message: message.into(),
    }
}

/// The outline of one municipality: outer rings of (longitude, latitude).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Boundary {
    /// The municipality's CBS code.
    pub code: String,
    /// Its rings of (longitude, latitude) points in WGS84; a multipolygon has several
    /// outer rings.
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// The municipality outlines a map is drawn from, with the attribution
/// printed under it (the licence of the embedded CBS boundaries asks for
/// it; a project's own file names its source in the project file).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Boundaries {
    /// The outlines, one per municipality.
    pub outlines: Vec<Boundary>,
    /// "Bron: ..." as printed under the map (Dutch, like the report).
    pub attribution: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_is_a_sorted_map_that_serialises_like_one() {
        let mut meta = Meta::default();
        meta.insert("rol", "ambtenaar");
        meta.insert("datum", String::from("2024-03-04"));
        meta.insert("rol", "beleidsadviseur");
        assert_eq!(meta.get("rol"), Some("beleidsadviseur"));
        assert_eq!(meta.get("gemeente"), None);
        assert_eq!(&meta["datum"], "2024-03-04");
        let fields: Vec<&str> = meta.iter().map(|(k, _)| k).collect();
        assert_eq!(fields, ["datum", "rol"]);
        // the same JSON as the map it replaces, and back
        let map: std::collections::BTreeMap<&str, &str> = meta.iter().collect();
        let json = serde_json::to_string(&meta).unwrap();
        assert_eq!(json, serde_json::to_string(&map).unwrap());
        let back: Meta = serde_json::from_str(&json).unwrap();
        assert_eq!(back, meta);
        let built: Meta = [("b".to_string(), "2".to_string()), ("a".into(), "1".into())]
            .into_iter()
            .collect();
        assert_eq!(built.iter().collect::<Vec<_>>(), [("a", "1"), ("b", "2")]);
    }

    #[test]
    fn size_classes_follow_cbs_bounds() {
        assert_eq!(SizeClass::for_inhabitants(972).code(), 1);
        assert_eq!(SizeClass::for_inhabitants(5_000).code(), 2);
        assert_eq!(SizeClass::for_inhabitants(49_999).code(), 4);
        assert_eq!(SizeClass::for_inhabitants(50_000).code(), 5);
        assert_eq!(SizeClass::for_inhabitants(931_298).code(), 8);
    }

    #[test]
    fn waves_and_action_lines_are_bounded() {
        assert!(Wave::new(2023).is_err());
        assert_eq!(Wave::new(2025).unwrap().ordinal(), 2);
        assert!(ActionLine::new(0).is_err());
        assert!(ActionLine::new(9).is_err());
        assert_eq!(ActionLine::new(4).unwrap().name(), "Versterking wijkteams");
    }

    #[test]
    fn spans_round_trip_with_diacritics_and_emoji() {
        let text = "Eén zin 🙂 over geïnvesteerd geld.";
        let b = text.find("geïnvesteerd").unwrap();
        let span = Span::from_byte_range(text, b, b + "geïnvesteerd".len());
        assert_eq!(span.len(), 12);
        assert_eq!(span.slice(text), Some("geïnvesteerd"));
        let all = Span::new(0, text.chars().count());
        assert_eq!(all.slice(text), Some(text));
        assert_eq!(Span::new(40, 41).slice(text), None);
    }

    #[test]
    fn routes_parse_common_labels() {
        assert_eq!(
            Route::parse("AU gemeentefonds"),
            Some(Route::AlgemeneUitkering)
        );
        assert_eq!(
            Route::parse("Decentralisatie-uitkering"),
            Some(Route::DecentralisatieUitkering)
        );
        assert_eq!(
            Route::parse("Rijksbegroting BZK"),
            Some(Route::Rijksbegroting)
        );
        assert_eq!(Route::parse("SPUK"), None);
    }
}
