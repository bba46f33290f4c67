//! An export as read, before any instrument: its layout, columns with
//! stable keys, the answers as text columns, value labels, missing values
//! and multiple-response sets. Every reader (CSV, workbooks, SPSS,
//! LimeSurvey archives) fills one; structure files and the decoder read it.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use pokeval_model::error::Result;

/// Survey platforms (and file kinds) pokeval reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// Qualtrics.
    Qualtrics,
    /// LimeSurvey.
    Limesurvey,
    /// SurveyMonkey.
    Surveymonkey,
    /// Google Forms.
    GoogleForms,
    /// Microsoft Forms.
    MicrosoftForms,
    /// An SPSS file (.sav, .zsav), whatever platform wrote it.
    Spss,
    /// Any CSV or XLSX with one header row; needs a column map.
    Generic,
}

impl Platform {
    /// The name used in `[columns.<name>]` and `platform = "<name>"`.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Qualtrics => "qualtrics",
            Platform::Limesurvey => "limesurvey",
            Platform::Surveymonkey => "surveymonkey",
            Platform::GoogleForms => "google-forms",
            Platform::MicrosoftForms => "microsoft-forms",
            Platform::Spss => "spss",
            Platform::Generic => "generic",
        }
    }
}

/// A name that is not one of the names a setting takes (a platform, an
/// encoding), with the names it does take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{given}' is not {what}: {allowed}")]
pub struct UnknownName {
    /// The name as given.
    pub given: String,
    /// What it should name ("a platform", "an encoding").
    pub what: &'static str,
    /// The names it takes.
    pub allowed: String,
}

impl std::str::FromStr for Platform {
    type Err = UnknownName;

    fn from_str(s: &str) -> std::result::Result<Self, UnknownName> {
        let all = [
            Platform::Qualtrics,
            Platform::Limesurvey,
            Platform::Surveymonkey,
            Platform::GoogleForms,
            Platform::MicrosoftForms,
            Platform::Spss,
            Platform::Generic,
        ];
        all.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|p| p.name()).collect();
            UnknownName {
                given: s.to_string(),
                what: "a platform",
                allowed: names.join(", "),
            }
        })
    }
}

impl std::str::FromStr for EncodingChoice {
    type Err = UnknownName;

    fn from_str(s: &str) -> std::result::Result<Self, UnknownName> {
        match s {
            "auto" => Ok(EncodingChoice::Auto),
            "utf-8" => Ok(EncodingChoice::Utf8),
            "windows-1252" => Ok(EncodingChoice::Windows1252),
            _ => Err(UnknownName {
                given: s.to_string(),
                what: "an encoding",
                allowed: "auto, utf-8 or windows-1252".into(),
            }),
        }
    }
}

/// The file layouts pokeval recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// Qualtrics' current CSV: a header row, a question-text row and an ImportId row.
    QualtricsCurrent,
    /// Qualtrics' CSV with Insights headings.
    QualtricsInsights,
    /// Qualtrics' legacy CSV: two header rows.
    QualtricsLegacy,
    /// SurveyMonkey's two header rows: question, then answer option.
    SurveymonkeyTwoRow,
    /// LimeSurvey with question codes as headings.
    LimesurveyCodes,
    /// LimeSurvey with full question texts as headings.
    LimesurveyText,
    /// LimeSurvey's "Question code & question text" headings
    /// (`id. Response ID`, `aandeel[al2]. Welk deel ...`): keyed by the code.
    LimesurveyCodeText,
    /// LimeSurvey's export for Python/pandas.
    LimesurveyPandas,
    /// A LimeSurvey survey archive (.lsa): structure and responses (.lsr).
    LimesurveyArchive,
    /// Google Forms' CSV or Sheets download.
    GoogleForms,
    /// Microsoft Forms' Excel download.
    MicrosoftForms,
    /// An SPSS file (.sav, .zsav).
    Spss,
    /// Any other table: one header row, one row per respondent.
    Generic,
}

impl Layout {
    /// The platform that writes this layout.
    pub fn platform(self) -> Platform {
        match self {
            Layout::QualtricsCurrent | Layout::QualtricsInsights | Layout::QualtricsLegacy => {
                Platform::Qualtrics
            }
            Layout::SurveymonkeyTwoRow => Platform::Surveymonkey,
            Layout::LimesurveyCodes
            | Layout::LimesurveyText
            | Layout::LimesurveyCodeText
            | Layout::LimesurveyPandas
            | Layout::LimesurveyArchive => Platform::Limesurvey,
            Layout::GoogleForms => Platform::GoogleForms,
            Layout::MicrosoftForms => Platform::MicrosoftForms,
            Layout::Spss => Platform::Spss,
            Layout::Generic => Platform::Generic,
        }
    }

    /// Header rows before the first response.
    pub fn header_rows(self) -> usize {
        match self {
            Layout::QualtricsCurrent | Layout::QualtricsInsights => 3,
            Layout::QualtricsLegacy | Layout::SurveymonkeyTwoRow => 2,
            Layout::Spss | Layout::LimesurveyArchive => 0,
            _ => 1,
        }
    }

    /// Human description for summaries.
    pub fn describe(self) -> &'static str {
        match self {
            Layout::QualtricsCurrent => {
                "Qualtrics CSV, current layout (3 header rows, JSON ImportIds)"
            }
            Layout::QualtricsInsights => {
                "Qualtrics CSV, Insights 2016-17 layout (3 header rows, dict-style ImportIds)"
            }
            Layout::QualtricsLegacy => "Qualtrics CSV, legacy layout (2 header rows, V1..V10)",
            Layout::SurveymonkeyTwoRow => "SurveyMonkey CSV (2 header rows)",
            Layout::LimesurveyCodes => "LimeSurvey CSV with question codes",
            Layout::LimesurveyText => "LimeSurvey CSV with question texts",
            Layout::LimesurveyCodeText => "LimeSurvey CSV with code. text headings",
            Layout::LimesurveyPandas => "LimeSurvey data rewritten by pandas (code. text headings)",
            Layout::LimesurveyArchive => "LimeSurvey survey archive (.lsa) with its responses",
            Layout::GoogleForms => "Google Forms responses",
            Layout::MicrosoftForms => "Microsoft Forms responses",
            Layout::Spss => "SPSS data file",
            Layout::Generic => "generic table with one header row",
        }
    }
}

/// How to decode a text export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EncodingChoice {
    /// UTF-8 (with or without BOM, or UTF-16 with BOM); when the bytes are
    /// not valid UTF-8, Windows-1252 (the encoding Excel writes on Dutch and
    /// US Windows). The summary says which was used.
    #[default]
    Auto,
    /// Strict UTF-8: an invalid byte is an error with its line and offset.
    Utf8,
    /// Windows-1252, which Excel on Windows writes.
    Windows1252,
}

/// One column of an export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportColumn {
    /// Stable key that column maps refer to (see the module docs).
    pub key: String,
    /// The column name as the file shows it (row 1).
    pub name: String,
    /// The question text, when the export carries it.
    pub text: String,
    /// The choice, statement or sub-field this column stands for.
    pub choice: Option<String>,
}

/// SPSS-style missing-value declaration of one column.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MissingSpec {
    /// Values declared missing.
    pub values: Vec<String>,
    /// A range of numbers declared missing (low, high), inclusive.
    pub range: Option<(f64, f64)>,
}

impl MissingSpec {
    /// Whether nothing is declared missing.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.range.is_none()
    }

    /// Whether `value` is declared missing.
    pub fn contains(&self, value: &str) -> bool {
        if self.values.iter().any(|v| v == value) {
            return true;
        }
        match (self.range, value.trim().parse::<f64>()) {
            (Some((lo, hi)), Ok(x)) => x >= lo && x <= hi,
            _ => false,
        }
    }
}

/// A multiple-response set (SPSS `$name` sets): columns that together hold
/// one multiple-choice question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MrSet {
    /// The set's name (without the `$`).
    pub name: String,
    /// Its label, the question as asked.
    pub label: String,
    /// `Some(value)` for a dichotomy set (the value that means "chosen"),
    /// `None` for a category set.
    pub counted: Option<String>,
    /// The variables that belong to it, in order.
    pub columns: Vec<String>,
}

/// A survey export as read, before harmonisation.
#[derive(Debug, Clone)]
pub struct Export {
    /// The file as shown in messages.
    pub file: String,
    /// Keep Qualtrics test responses (from [`ReadOptions::include_tests`]).
    pub include_tests: bool,
    /// The layout it was detected as.
    pub layout: Layout,
    /// The encoding the text was decoded from ("UTF-8", "windows-1252", ...).
    pub encoding: String,
    /// The columns, with their names and question texts.
    pub columns: Vec<ExportColumn>,
    /// One text column per export column, named `c0`, `c1`, ...
    pub body: DataFrame,
    /// The line (or SPSS case number) each body row starts on.
    pub lines: Vec<u64>,
    /// Value labels per column index (code -> label), from SPSS, an R
    /// syntax file or a structure file.
    pub labels: BTreeMap<usize, BTreeMap<String, String>>,
    /// Declared missing values per column index.
    pub missing: BTreeMap<usize, MissingSpec>,
    /// SPSS multiple-response sets.
    pub mr_sets: Vec<MrSet>,
    /// Where the responses come from, for messages: "line" or "case".
    pub record_word: &'static str,
}

impl Export {
    /// An export without value labels, missing values or sets; keys made
    /// unique.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        display: &str,
        opts: &ReadOptions,
        layout: Layout,
        encoding: String,
        mut columns: Vec<ExportColumn>,
        body: DataFrame,
        lines: Vec<u64>,
        record_word: &'static str,
    ) -> Export {
        dedupe_keys(&mut columns);
        Export {
            file: display.to_string(),
            include_tests: opts.include_tests,
            layout,
            encoding,
            columns,
            body,
            lines,
            labels: BTreeMap::new(),
            missing: BTreeMap::new(),
            mr_sets: Vec::new(),
            record_word,
        }
    }

    /// How many body records it has.
    pub fn height(&self) -> usize {
        self.body.height()
    }

    /// The index of the column with `key`, or else with that name.
    pub fn find(&self, key: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.key == key)
            .or_else(|| self.columns.iter().position(|c| c.name == key))
    }

    /// The text of column `idx` as a string column.
    pub fn column(&self, idx: usize) -> Result<&StringChunked> {
        let name = format!("c{idx}");
        self.body
            .column(&name)
            .and_then(|c| c.str())
            .map_err(|e| crate::table_error(&self.file, format!("column {name}"), e))
    }

    /// The column holding respondent ids, if the layout has one.
    pub fn respondent_column(&self) -> Option<usize> {
        let candidates: &[&str] = match self.layout {
            Layout::QualtricsCurrent | Layout::QualtricsInsights | Layout::QualtricsLegacy => {
                &["_recordId", "ResponseId"]
            }
            Layout::SurveymonkeyTwoRow => &["RespondentID", "Respondent ID"],
            Layout::LimesurveyCodes | Layout::LimesurveyText | Layout::LimesurveyArchive => {
                &["id", "Response ID", "Antwoord ID"]
            }
            Layout::LimesurveyCodeText => &["id"],
            Layout::LimesurveyPandas => &["_index", "id"],
            Layout::MicrosoftForms => &["Id", "ID"],
            Layout::Spss => &["ResponseId", "ResponseID", "id", "ID", "respondent"],
            Layout::GoogleForms | Layout::Generic => &["respondent", "ResponseId", "id"],
        };
        candidates.iter().find_map(|k| self.find(k))
    }

    /// The column with the submission time, if the layout has one.
    pub fn submitted_column(&self) -> Option<usize> {
        let candidates: &[&str] = match self.layout {
            Layout::QualtricsCurrent | Layout::QualtricsInsights => &["recordedDate", "endDate"],
            Layout::QualtricsLegacy => &["endDate"],
            Layout::SurveymonkeyTwoRow => &["EndDate"],
            Layout::LimesurveyCodes | Layout::LimesurveyText | Layout::LimesurveyArchive => {
                &["submitdate", "Date submitted", "Datum verstuurd"]
            }
            Layout::LimesurveyCodeText => &["submitdate"],
            Layout::GoogleForms => &["Timestamp", "Tijdstempel"],
            Layout::MicrosoftForms => &["Completion time", "Tijd van voltooien"],
            _ => &[],
        };
        candidates.iter().find_map(|k| self.find(k))
    }
}

/// Options for [`read_export`].
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The platform the user declared; `None` detects it.
    pub platform: Option<Platform>,
    /// How to decode the text.
    pub encoding: EncodingChoice,
    /// Worksheet of an .xlsx (default: the first).
    pub sheet: Option<String>,
    /// Keep Qualtrics test responses (Status 2, "Survey Test"): off by
    /// default, since generated test answers are not real responses.
    pub include_tests: bool,
}

/// Makes keys unique (`key`, `key#2`, ...) so every column can be addressed.
pub(crate) fn dedupe_keys(columns: &mut [ExportColumn]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for c in columns.iter_mut() {
        let n = seen.entry(c.key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            c.key = format!("{}#{}", c.key, n);
        }
    }
}

/// Formats a number without a trailing `.0` (`4.0` -> `4`).
pub fn format_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}
