//! Tables and charts that compare waves, and the learning matches, for the
//! shortcodes in [`crate::blocks`]:
//!
//! - tables `waves_questions` (every closed question per wave, with the
//!   change test), `waves_survey` (`question="<id>"`: answers per wave),
//!   `waves_transition` (`question="<id>"`, optional `from="<year>"`: how
//!   the municipalities answering in both waves moved), `waves_panel`,
//!   `waves_response` (`by="size_class"|"province"`), `waves_codes`
//!   (`level="action_line"|"code"`), `waves_municipality`
//!   (`gemeente="<name or code>"`: one municipality across the waves) and
//!   `learning` (learning matches);
//! - charts `waves_survey` (`question="<id>"`), `waves_codes` and
//!   `waves_change` (`question="<id>"`: per municipality its answer in the
//!   first wave it answered and now, a dot plot) and `waves_map`
//!   (`question="<id>"`: the map with each such municipality coloured by
//!   the direction of its change).
//!
//! Changes are shown with a real minus sign; a change is starred only when
//! the test's rule allows it (see `pokeval_analysis::waves`).

use std::collections::BTreeMap;

use pokeval_analysis::tables::shorten;
use pokeval_analysis::waves::{ChangeTest, CodeStatus, Comparison, QuestionTrend};
use pokeval_analysis::Analysis;
use pokeval_survey::QuestionType;

use crate::charts::{self, ChangeRow, Chart, Series};
use crate::error::ShortcodeError;
use crate::format::{format_count as n, format_number, format_percent};
use crate::map::Direction;
use crate::table::Table;
use pokeval_model::Wave;
use std::fmt::Write as _;

fn comparison(a: &Analysis) -> Result<&Comparison, ShortcodeError> {
    a.comparison.as_ref().ok_or_else(|| ShortcodeError::NoData({
        "this wave is not compared with earlier waves: name them in the project file ([comparison] earlier = [\"../2024\"])".to_string()
    }))
}

/// A signed number with a real minus sign (U+2212) and a plus for rises.
pub fn signed(v: f64, decimals: usize) -> String {
    let s = format_number(v.abs(), decimals);
    if s.chars().all(|c| c == '0' || c == ',' || c == '.') {
        s
    } else if v < 0.0 {
        format!("\u{2212}{s}")
    } else {
        format!("+{s}")
    }
}

fn question<'a>(
    c: &'a Comparison,
    args: &BTreeMap<String, String>,
) -> Result<&'a QuestionTrend, ShortcodeError> {
    let qid = args.get("question").ok_or(ShortcodeError::Arguments(
        "this block needs question=\"<question id>\"".into(),
    ))?;
    c.questions
        .iter()
        .find(|q| &q.question == qid)
        .ok_or_else(|| {
            ShortcodeError::NoData(format!("no closed survey question '{qid}' in any wave"))
        })
}

/// The test as words: "χ² = 3,2; p = 0,20" and a caveat.
fn test_text(t: &ChangeTest) -> String {
    match (t.chi_square, t.p_value) {
        (Some(chi), Some(p)) => {
            let star = if t.significant { " *" } else { "" };
            let caveat = t
                .caveat
                .as_ref()
                .map(|c| format!(" (geen ster: {c})"))
                .unwrap_or_default();
            format!(
                "χ² = {}; df = {}; p = {}{star}{caveat}",
                format_number(chi, 1),
                t.df,
                p_text(p)
            )
        }
        _ => t.caveat.clone().unwrap_or_else(|| "geen toets".into()),
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0,001".into()
    } else {
        format_number(p, 3)
    }
}

const TEST_NOTE: &str = "Toets: chi-kwadraattoets op de inhoudelijke antwoorden (zonder 'weet niet') van een eerdere meting tegenover de laatste. Een ster (*) staat alleen bij p < 0,05 als beide metingen minstens 30 respondenten hebben en de verwachte aantallen groot genoeg zijn.";

/// A municipality name as sorted in lists: "'s-Hertogenbosch" under H,
/// case and diacritics ignored.
fn sort_key(name: &str) -> String {
    let folded = pokeval_model::text::fold(name);
    folded
        .trim_start_matches("'s-")
        .trim_start_matches("'t ")
        .to_string()
}

/// A comparison table, or `None` when `name` is not one.
pub fn table(
    name: &str,
    args: &BTreeMap<String, String>,
    a: &Analysis,
) -> Option<Result<Table, ShortcodeError>> {
    let t = match name {
        "waves_questions" => comparison(a).map(questions_table),
        "waves_survey" => comparison(a).and_then(|c| survey_table(c, args)),
        "waves_transition" => comparison(a).and_then(|c| transition_table(c, args)),
        "waves_panel" => comparison(a).map(panel_table),
        "waves_response" => comparison(a).and_then(|c| response_table(c, args)),
        "waves_codes" => comparison(a).and_then(|c| codes_table(c, args)),
        "waves_municipality" => comparison(a).and_then(|c| municipality_table(c, args)),
        "waves_funds" => comparison(a).and_then(funds_table),
        "learning" => Ok(learning_table(a)),
        _ => return None,
    };
    Some(t)
}

/// The table names this module adds.
pub const TABLES: &[&str] = &[
    "waves_questions",
    "waves_survey",
    "waves_transition",
    "waves_panel",
    "waves_response",
    "waves_codes",
    "waves_municipality",
    "waves_funds",
    "learning",
];

fn wave_headers(c: &Comparison) -> Vec<String> {
    c.waves.iter().map(|w| w.wave.to_string()).collect()
}

fn questions_table(c: &Comparison) -> Table {
    let mut headers = vec!["Vraag".to_string()];
    headers.extend(c.waves.iter().map(|w| format!("n {}", w.wave)));
    headers.push("Verandering".into());
    let k = c.waves.len();
    let rows = c
        .questions
        .iter()
        .map(|q| {
            let mut row = vec![q.short.clone()];
            row.extend(
                q.waves
                    .iter()
                    .map(|w| w.as_ref().map_or("–".into(), |w| n(w.n))),
            );
            row.push(if let Some(note) = &q.note {
                note.clone()
            } else if q.changes.is_empty() {
                match q.kind {
                    QuestionType::Numeric => "gemiddelden, geen toets".into(),
                    QuestionType::Multiple => "meerdere antwoorden, geen toets".into(),
                    _ => "geen toets".into(),
                }
            } else {
                let tests: Vec<String> = q
                    .changes
                    .iter()
                    .map(|t| match t.p_value {
                        Some(p) => format!(
                            "{}–{}: p = {}{}",
                            t.from,
                            t.to,
                            p_text(p),
                            if t.significant { " *" } else { "" }
                        ),
                        None => format!("{}–{}: geen toets", t.from, t.to),
                    })
                    .collect();
                let caveats: std::collections::BTreeSet<&str> = q
                    .changes
                    .iter()
                    .filter_map(|t| t.caveat.as_deref())
                    .collect();
                let mut cell = tests.join("; ");
                if !caveats.is_empty() {
                    _ = write!(
                        cell,
                        " (geen ster: {})",
                        caveats.into_iter().collect::<Vec<_>>().join(", ")
                    );
                }
                cell
            });
            row
        })
        .collect();
    Table {
        caption: "Gesloten enquêtevragen per meting".into(),
        numeric: (1..=k).collect(),
        headers,
        rows,
        footer: vec![],
        note: Some(TEST_NOTE.into()),
        ..Default::default()
    }
}

fn survey_table(c: &Comparison, args: &BTreeMap<String, String>) -> Result<Table, ShortcodeError> {
    let q = question(c, args)?;
    let mut headers = vec!["Antwoord".to_string()];
    let asked: Vec<_> = q.waves.iter().flatten().collect();
    headers.extend(asked.iter().map(|w| format!("{} (n = {})", w.wave, n(w.n))));
    let numeric = q.kind == QuestionType::Numeric;
    let rows = if numeric {
        let mut row = vec!["Gemiddelde".to_string()];
        row.extend(
            asked
                .iter()
                .map(|w| w.mean.map_or("–".into(), |m| format_number(m, 1))),
        );
        vec![row]
    } else {
        q.options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let mut row = vec![o.label.clone()];
                row.extend(asked.iter().map(|w| {
                    let count = w.counts[i];
                    if w.n == 0 {
                        "–".into()
                    } else {
                        format!(
                            "{} ({})",
                            n(count),
                            format_percent(100.0 * count as f64 / w.n as f64, 0)
                        )
                    }
                }));
                row
            })
            .collect()
    };
    let footer = q
        .changes
        .iter()
        .map(|t| {
            let mut row = vec![format!("Toets {}–{}", t.from, t.to)];
            row.push(test_text(t));
            row.extend(std::iter::repeat_n(
                String::new(),
                asked.len().saturating_sub(1),
            ));
            row
        })
        .collect();
    let mut note = String::from("Aantal respondenten en percentage van wie de vraag beantwoordde.");
    if q.kind == QuestionType::Multiple {
        note.push_str(" Meerdere antwoorden mogelijk; de percentages tellen niet op tot 100.");
    }
    if let Some(why) = &q.note {
        _ = write!(note, " Niet als verandering te lezen: {why}.");
    } else if !q.changes.is_empty() {
        note.push(' ');
        note.push_str(TEST_NOTE);
    }
    Ok(Table {
        caption: format!("{} (per meting)", q.text),
        numeric: (1..headers.len()).collect(),
        headers,
        rows,
        footer,
        note: Some(note),
        ..Default::default()
    })
}

fn transition_table(
    c: &Comparison,
    args: &BTreeMap<String, String>,
) -> Result<Table, ShortcodeError> {
    let q = question(c, args)?;
    let ts: Vec<_> = c
        .panel
        .transitions
        .iter()
        .filter(|t| t.question == q.question)
        .collect();
    let t = match args.get("from") {
        Some(y) => ts
            .iter()
            .find(|t| t.from.to_string() == *y)
            .ok_or_else(|| ShortcodeError::NoData(format!("no transition of '{}' from {y}", q.question)))?,
        None => ts.first().ok_or_else(|| ShortcodeError::NoData({
            format!(
                "question '{}' has no transitions: it is not comparable or not a single-choice or Likert question",
                q.question
            )
        }))?,
    };
    let mut headers = vec![format!("{} \\ {}", t.from, t.to)];
    headers.extend(t.options.iter().map(|o| o.label.clone()));
    let rows = t
        .options
        .iter()
        .zip(&t.counts)
        .filter(|(_, row)| row.iter().any(|x| *x > 0))
        .map(|(o, row)| {
            let mut r = vec![o.label.clone()];
            r.extend(row.iter().map(|x| n(*x)));
            r
        })
        .collect();
    Ok(Table {
        caption: format!("{}: antwoord van dezelfde gemeenten in {} en {}", q.short, t.from, t.to),
        numeric: (1..headers.len()).collect(),
        headers,
        rows,
        footer: vec![],
        note: Some(format!(
            "{} gemeenten beantwoordden de vraag in beide metingen; {} gaven hetzelfde antwoord. Per gemeente telt de eerste respondent.",
            n(t.municipalities),
            n(t.unchanged)
        )),
        ..Default::default()
    })
}

fn panel_table(c: &Comparison) -> Table {
    let any_former = c.panel.rows.iter().any(|r| !r.former.is_empty());
    let mut headers = vec!["Gemeente".to_string()];
    headers.extend(wave_headers(c));
    if any_former {
        headers.push("Eerder als".into());
    }
    let mut sorted: Vec<_> = c.panel.rows.iter().collect();
    sorted.sort_by_cached_key(|r| (sort_key(&r.name), r.code.clone()));
    let rows = sorted
        .into_iter()
        .map(|r| {
            let mut row = vec![r.name.clone()];
            row.extend(c.waves.iter().map(|w| {
                let e = r.answered.contains(&w.wave);
                let i = r.interviewed.contains(&w.wave);
                match (e, i) {
                    (true, true) => "enquête, interview".to_string(),
                    (true, false) => "enquête".into(),
                    (false, true) => "interview".into(),
                    (false, false) => "–".into(),
                }
            }));
            if any_former {
                row.push(r.former.join(", "));
            }
            row
        })
        .collect();
    let by: Vec<String> = c
        .panel
        .by_waves_answered
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "{} in {} {}",
                n(*m),
                i + 1,
                if i == 0 { "meting" } else { "metingen" }
            )
        })
        .collect();
    let mut note = format!(
        "Deelname per meting. Gemeenten die de enquête invulden: {}.",
        by.join(", ")
    );
    if !c.panel.unfollowed.is_empty() {
        _ = write!(
            note,
            " {} eerdere gemeentecodes konden niet aan een huidige gemeente worden gekoppeld.",
            n(c.panel.unfollowed.len())
        );
    }
    note.push_str(" Een gemeente die is opgegaan in een andere telt mee bij haar opvolger.");
    Table {
        caption: "Gemeenten per meting".into(),
        numeric: vec![],
        headers,
        rows,
        footer: vec![],
        note: Some(note),
        ..Default::default()
    }
}

fn response_table(
    c: &Comparison,
    args: &BTreeMap<String, String>,
) -> Result<Table, ShortcodeError> {
    let by = args.get("by").map_or("size_class", String::as_str);
    let (rows, first) = match by {
        "size_class" => (&c.response_by_size_class, "Gemeentegrootte"),
        "province" => (&c.response_by_province, "Provincie"),
        other => {
            return Err(ShortcodeError::Unknown(format!(
                "unknown by=\"{other}\" (size_class or province)"
            )))
        }
    };
    let mut headers = vec![first.to_string()];
    headers.extend(wave_headers(c));
    let k = c.waves.len();
    let mut total = vec!["Totaal".to_string()];
    total.extend((0..k).map(|i| n(rows.iter().map(|r| r.counts[i]).sum())));
    Ok(Table {
        caption: format!(
            "Gemeenten die de enquête invulden, per meting naar {}",
            if by == "province" {
                "provincie"
            } else {
                "gemeentegrootte"
            }
        ),
        numeric: (1..=k).collect(),
        headers,
        rows: rows
            .iter()
            .map(|r| {
                let mut row = vec![r.label.clone()];
                row.extend(r.counts.iter().map(|x| n(*x)));
                row
            })
            .collect(),
        footer: vec![total],
        note: Some("Elke meting met het gemeenteregister van dat jaar.".into()),
        ..Default::default()
    })
}

fn funds_table(c: &Comparison) -> Result<Table, ShortcodeError> {
    let shown: Vec<usize> = (0..c.waves.len())
        .filter(|i| c.funds_years[*i].is_some())
        .collect();
    if shown.is_empty() {
        return Err(ShortcodeError::NoData(
            "no wave has money per municipality: add an [allocation] table to the wave projects"
                .into(),
        ));
    }
    let mut headers = vec!["Gemeente".to_string()];
    headers.extend(shown.iter().map(|i| {
        let w = c.waves[*i].wave;
        match c.funds_years[*i] {
            Some(y) if y != w.year() => format!("{w} (bedragen {y})"),
            _ => w.to_string(),
        }
    }));
    let two = shown.len() >= 2;
    if two {
        headers.push("Verschil".into());
    }
    let mut rows: Vec<&pokeval_analysis::waves::FundsTrend> = c.funds.iter().collect();
    rows.sort_by_cached_key(|r| (sort_key(&r.name), r.code.clone()));
    let eur = |v: Option<f64>| v.map_or("–".to_string(), crate::format::format_eur);
    Ok(Table {
        caption: "POK-middelen via de algemene uitkering per 1.000 inwoners, per meting".into(),
        numeric: (1..headers.len()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                let mut row = vec![r.name.clone()];
                row.extend(shown.iter().map(|i| eur(r.per_1000[*i])));
                if two {
                    let first = r.per_1000[shown[0]];
                    let last = r.per_1000[*shown.last().unwrap_or(&0)];
                    row.push(match (first, last) {
                        (Some(a), Some(b)) => format!("€ {}", signed(b - a, 0)),
                        _ => "–".into(),
                    });
                }
                row
            })
            .collect(),
        headers,
        footer: vec![],
        note: Some("Per meting met de inwonertallen van het register van die meting; een opgeheven gemeente telt mee bij haar opvolger. Verschil: laatste tegenover eerste meting, in euro per 1.000 inwoners.".into()),
        ..Default::default()
    })
}

fn status_text(s: CodeStatus) -> &'static str {
    match s {
        CodeStatus::New => "nieuw",
        CodeStatus::Vanished => "verdwenen",
        CodeStatus::Continued => "",
        CodeStatus::Absent => "niet gecodeerd",
    }
}

fn codes_table(c: &Comparison, args: &BTreeMap<String, String>) -> Result<Table, ShortcodeError> {
    let level = args.get("level").map_or("action_line", String::as_str);
    let lines = match level {
        "action_line" => true,
        "code" => false,
        other => {
            return Err(ShortcodeError::Unknown(format!(
                "unknown level '{other}' (action_line or code)"
            )))
        }
    };
    let mut headers = vec![if lines { "Actielijn" } else { "Code" }.to_string()];
    headers.extend(c.waves.iter().map(|w| format!("{} (per bron)", w.wave)));
    headers.push("Ontwikkeling".into());
    let k = c.waves.len();
    let rows = c
        .codes
        .iter()
        .filter(|r| r.is_action_line == lines)
        .filter(|r| r.status != CodeStatus::Absent)
        .map(|r| {
            let mut row = vec![if lines {
                format!(
                    "{}. {}",
                    r.action_line.map_or(0, pokeval_model::ActionLine::number),
                    r.label
                )
            } else {
                r.label.clone()
            }];
            row.extend(r.waves.iter().map(|w| {
                format!(
                    "{} ({})",
                    n(w.passages),
                    w.per_source.map_or("–".into(), |p| format_number(p, 2))
                )
            }));
            row.push(status_text(r.status).to_string());
            row
        })
        .collect();
    let sources: Vec<String> = c
        .waves
        .iter()
        .map(|w| format!("{} {} bronnen", w.wave, n(w.sources)))
        .collect();
    Ok(Table {
        caption: format!(
            "Gecodeerde passages per {} en meting",
            if lines { "actielijn" } else { "code" }
        ),
        numeric: (1..=k).collect(),
        headers,
        rows,
        footer: vec![],
        note: Some(format!(
            "Passages met de code (regels en handmatige codering); tussen haakjes per gecodeerde bron van die meting ({}). Nieuw: nu gecodeerd en in geen eerdere meting; verdwenen: eerder wel, nu niet.",
            sources.join(", ")
        )),
        ..Default::default()
    })
}

fn municipality_table(
    c: &Comparison,
    args: &BTreeMap<String, String>,
) -> Result<Table, ShortcodeError> {
    let g = args.get("gemeente").ok_or(ShortcodeError::Arguments(
        "this table needs gemeente=\"<name or CBS code>\"".into(),
    ))?;
    let row = c
        .panel
        .rows
        .iter()
        .find(|r| r.code == *g || r.name.eq_ignore_ascii_case(g))
        .ok_or_else(|| {
            ShortcodeError::NoData(format!(
                "'{g}' took part in no wave (no survey answer or interview)"
            ))
        })?;
    let mut headers = vec!["Onderwerp".to_string()];
    headers.extend(wave_headers(c));
    let mut rows = Vec::new();
    let mut part = vec!["Deelname".to_string()];
    part.extend(c.waves.iter().map(|w| {
        let mut how = Vec::new();
        if row.answered.contains(&w.wave) {
            how.push("enquête");
        }
        if row.interviewed.contains(&w.wave) {
            how.push("interview");
        }
        if how.is_empty() {
            "–".to_string()
        } else {
            how.join(", ")
        }
    }));
    rows.push(part);
    for q in &c.questions {
        if !matches!(q.kind, QuestionType::Single | QuestionType::Likert)
            || q.group.is_some() && q.kind == QuestionType::Likert && !q.comparable
        {
            continue;
        }
        if row.answers.iter().all(|a| !a.contains_key(&q.question)) {
            continue;
        }
        let mut r = vec![q.short.clone()];
        r.extend(row.answers.iter().map(|a| {
            a.get(&q.question).map_or_else(
                || "–".into(),
                |code| {
                    q.options
                        .iter()
                        .find(|o| &o.code == code)
                        .map_or(code.clone(), |o| o.label.clone())
                },
            )
        }));
        rows.push(r);
    }
    let mut lines = vec!["Actielijnen in de gecodeerde bronnen".to_string()];
    lines.extend(row.passages.iter().map(|p| {
        let named: Vec<String> = p
            .iter()
            .enumerate()
            .filter(|(_, k)| **k > 0)
            .map(|(i, k)| format!("AL{} ({})", i + 1, n(*k)))
            .collect();
        if named.is_empty() {
            "–".to_string()
        } else {
            named.join(", ")
        }
    }));
    rows.push(lines);
    Ok(Table {
        caption: format!("{} in de metingen", row.name),
        numeric: vec![],
        headers,
        rows,
        footer: vec![],
        note: Some("Antwoorden van de eerste respondent van de gemeente per meting; tussen haakjes het aantal gecodeerde passages per actielijn.".into()),
        ..Default::default()
    })
}

fn learning_table(a: &Analysis) -> Table {
    Table {
        caption: "Leerpartners: vergelijkbare gemeenten die sterk zijn waar een gemeente dat nog niet is".into(),
        headers: vec![
            "Gemeente".into(),
            "Leerpartner".into(),
            "Gelijkenis".into(),
            "Waarom".into(),
            "Uit de bronnen van de leerpartner".into(),
        ],
        numeric: vec![2],
        rows: a
            .learning
            .iter()
            .map(|m| {
                vec![
                    m.municipality_name.clone(),
                    m.peer_name.clone(),
                    format_number(m.similarity, 2),
                    m.reason.clone(),
                    m.strengths
                        .first()
                        .and_then(|s| s.passages.first())
                        .map(|p| format!("‘{}’", shorten(&p.text, 160)))
                        .unwrap_or_default(),
                ]
            })
            .collect(),
        footer: vec![],
        note: Some(format!(
            "Gelijkenis: cosinus van de profielen van gecodeerde passages per actielijn (1 is gelijk, minimaal {}). Leerpartners zijn van dezelfde of een naburige grootteklasse en hebben minstens {} passages over een actielijn waarover de gemeente er geen heeft; per gemeente hooguit {}.",
            format_number(pokeval_analysis::waves::MIN_SIMILARITY, 2),
            pokeval_analysis::waves::MIN_PEER_PASSAGES,
            pokeval_analysis::waves::MAX_PEERS
        )),
        ..Default::default()
    }
}

/// An inline comparison value (see [`crate::blocks`]).
pub fn value(name: &str, a: &Analysis) -> Result<String, ShortcodeError> {
    if name == "learning_matches" {
        return Ok(n(a.learning.len()));
    }
    let c = comparison(a)?;
    let by = &c.panel.by_waves_answered;
    Ok(match name {
        "waves" => {
            let w = wave_headers(c);
            match w.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} en {last}", rest.join(", ")),
                _ => w.join(""),
            }
        }
        "panel_all" => n(by.last().copied().unwrap_or(0)),
        "panel_several" => n(by.iter().skip(1).sum()),
        other => return Err(ShortcodeError::Unknown(format!("unknown value '{other}'"))),
    })
}

/// A comparison chart, or `None` when `name` is not one.
pub fn chart(
    name: &str,
    args: &BTreeMap<String, String>,
    a: &Analysis,
) -> Option<Result<Chart, ShortcodeError>> {
    let c = match name {
        "waves_survey" => comparison(a).and_then(|c| survey_chart(c, args)),
        "waves_codes" => comparison(a).and_then(codes_chart),
        "waves_change" => comparison(a).and_then(|c| change_chart(c, args)),
        "waves_map" => comparison(a).and_then(|c| change_map(c, a, args)),
        _ => return None,
    };
    Some(c)
}

fn survey_chart(c: &Comparison, args: &BTreeMap<String, String>) -> Result<Chart, ShortcodeError> {
    let q = question(c, args)?;
    if q.kind == QuestionType::Numeric {
        return Err(ShortcodeError::Arguments(format!(
            "'{}' is numeric: use the table waves_survey",
            q.question
        )));
    }
    let shown: Vec<usize> = (0..q.options.len())
        .filter(|i| !q.options[*i].missing)
        .collect();
    let categories: Vec<String> = shown.iter().map(|i| q.options[*i].label.clone()).collect();
    let series: Vec<Series> = q
        .waves
        .iter()
        .flatten()
        .map(|w| Series {
            label: format!("{} (n = {})", w.wave, n(w.n)),
            values: shown
                .iter()
                .map(|i| {
                    if w.n == 0 {
                        0.0
                    } else {
                        100.0 * w.counts[*i] as f64 / w.n as f64
                    }
                })
                .collect(),
        })
        .collect();
    charts::grouped_bars(
        &format!("waves-survey-{}", q.question),
        &format!("{} per meting (% van wie antwoordde)", q.short),
        &categories,
        &series,
        "% respondenten",
        &|v| format_percent(v, 0),
    )
    .map_err(|e| ShortcodeError::Chart(Box::new(e)))
}

/// Per municipality that answered a single-choice or Likert question in an
/// earlier wave and now: its answer then (the earliest such wave) and now,
/// on the scale of the substantive options.
fn change_chart(c: &Comparison, args: &BTreeMap<String, String>) -> Result<Chart, ShortcodeError> {
    let q = comparable_scale(c, args)?;
    let mut rows = then_and_now(c, q);
    rows.sort_by_cached_key(|r| sort_key(&r.1));
    let from_waves: std::collections::BTreeSet<Wave> = rows.iter().map(|r| r.4).collect();
    let rows: Vec<ChangeRow> = rows
        .into_iter()
        .map(|(_, name, then, now, _)| ChangeRow {
            label: name,
            then,
            now,
        })
        .collect();
    let labels: Vec<String> = q
        .options
        .iter()
        .filter(|o| !o.missing)
        .map(|o| o.label.clone())
        .collect();
    let last = c.waves.len() - 1;
    let then_label = format!(
        "eerste meting ({})",
        from_waves
            .iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>()
            .join(" of ")
    );
    let now_label = format!("{}", c.waves[last].wave);
    charts::change_dots(
        &format!("waves-change-{}", q.question),
        &format!("{}: antwoord per gemeente, eerst en nu", q.short),
        &rows,
        1..=labels.len() as i32,
        &labels,
        (&then_label, &now_label),
    )
    .map_err(|e| ShortcodeError::Chart(Box::new(e)))
}

/// Per municipality with an answer then and now: its position on the
/// scale of substantive options, then (earliest wave) and now.
fn then_and_now(c: &Comparison, q: &QuestionTrend) -> Vec<(String, String, f64, f64, Wave)> {
    let scale: Vec<&pokeval_analysis::waves::TrendOption> =
        q.options.iter().filter(|o| !o.missing).collect();
    let pos = |code: &str| {
        scale
            .iter()
            .position(|o| o.code == code)
            .map(|i| i as f64 + 1.0)
    };
    let last = c.waves.len() - 1;
    let mut out = Vec::new();
    for r in &c.panel.rows {
        let Some(now) = r.answers[last].get(&q.question).and_then(|v| pos(v)) else {
            continue;
        };
        let then = r.answers[..last]
            .iter()
            .enumerate()
            .find_map(|(i, a)| a.get(&q.question).and_then(|v| pos(v)).map(|p| (i, p)));
        let Some((i, then)) = then else { continue };
        out.push((r.code.clone(), r.name.clone(), then, now, c.waves[i].wave));
    }
    out
}

fn comparable_scale<'a>(
    c: &'a Comparison,
    args: &BTreeMap<String, String>,
) -> Result<&'a QuestionTrend, ShortcodeError> {
    let q = question(c, args)?;
    if !q.comparable || !matches!(q.kind, QuestionType::Single | QuestionType::Likert) {
        return Err(ShortcodeError::NoData(format!(
            "'{}' has no change per municipality: it is not a comparable single-choice or Likert question",
            q.question
        )));
    }
    Ok(q)
}

fn change_map(
    c: &Comparison,
    a: &Analysis,
    args: &BTreeMap<String, String>,
) -> Result<Chart, ShortcodeError> {
    let q = comparable_scale(c, args)?;
    let changes: Vec<(String, Direction)> = then_and_now(c, q)
        .into_iter()
        .map(|(code, _, then, now, _)| {
            let d = if now > then {
                Direction::Up
            } else if now < then {
                Direction::Down
            } else {
                Direction::Same
            };
            (code, d)
        })
        .collect();
    crate::map::change_map(
        &format!("waves-map-{}", q.question),
        &format!(
            "{}: verandering per gemeente sinds de eerste meting",
            q.short
        ),
        &a.municipalities,
        &a.boundaries,
        &changes,
        ["hoger op de schaal", "gelijk", "lager op de schaal"],
    )
    .map_err(|e| ShortcodeError::Chart(Box::new(e)))
}

fn codes_chart(c: &Comparison) -> Result<Chart, ShortcodeError> {
    let lines: Vec<_> = c.codes.iter().filter(|r| r.is_action_line).collect();
    let categories: Vec<String> = lines
        .iter()
        .map(|r| {
            format!(
                "AL{}",
                r.action_line.map_or(0, pokeval_model::ActionLine::number)
            )
        })
        .collect();
    let series: Vec<Series> = c
        .waves
        .iter()
        .enumerate()
        .map(|(i, w)| Series {
            label: w.wave.to_string(),
            values: lines
                .iter()
                .map(|r| r.waves[i].per_source.unwrap_or(0.0))
                .collect(),
        })
        .collect();
    charts::grouped_bars(
        "waves-codes",
        "Gecodeerde passages per bron, per actielijn en meting",
        &categories,
        &series,
        "Passages per bron",
        &|v| format_number(v, 1),
    )
    .map_err(|e| ShortcodeError::Chart(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_uses_a_real_minus() {
        assert_eq!(signed(-20.0, 0), "\u{2212}20");
        assert_eq!(signed(3.5, 1), "+3,5");
        assert_eq!(signed(0.0, 0), "0");
    }
}
