//! Data blocks that report sources place with shortcodes:
//!
//! - `{{ table(name="funds") }}` and the other tables below, alone on a line;
//! - `{{ chart(name="funds_per_year") }}`, alone on a line;
//! - `{{ quotes(code="AL4") }}`: up to three quotes for a code or action line;
//! - `{{ map() }}`: a map of the Netherlands with the story municipalities
//!   as pins that link to their pages; `colour="participation"` colours the
//!   municipalities by survey and interview, `colour="funds_per_1000"` by
//!   POK-middelen per 1.000 inhabitants (see [`crate::map`]);
//! - `{{ value(name="respondents") }}`, inline in a sentence; a count takes
//!   `one="gemeente", many="gemeenten"` to print the noun that agrees with
//!   it ("1 gemeente", "3 gemeenten");
//! - `{{ page(ref="verhaal-enschede") }}`, inline: "pagina 12", linking to
//!   that page (a chapter id, a page id or `bijlage` / `meer-weten`).
//!
//! Tables (see [`TABLES`]): `funds`, `action_lines` (the eight action lines
//! in short: routes, money, coded passages, municipalities),
//! `codings_per_action_line`,
//! `code_frequencies`, `crosstab` (`by="size_class"|"province"`,
//! `level="action_line"|"code"`), `cooccurrence` (`level=...`), `agreement`,
//! `rule_quality`, `rule_disagreements`, `response`, `vouchers_by_size_class`,
//! `vouchers_by_province`, `funds_per_municipality`, `survey` and
//! `survey_by_size_class` (both with `question="<id>"`), `inputs`, `rejects`.
//! Charts: `funds_per_year`, `payment_routes` (which action line is paid
//! through which route, with its money, from the funds table),
//! `codings_per_action_line`, `funds_per_1000`,
//! `vouchers_per_size_class`, `likert` (optional `group="..."`),
//! `cooccurrence` (`level="action_line"|"code"`, a heat map).
//! Values: `respondents`, `survey_municipalities`, `interviews`,
//! `interview_municipalities`, `segments`, `codings`, `vouchers`,
//! `voucher_amount`, `municipalities`, `funds_total` and
//! `funds_difference` (both with `year="<year>"`), `action_line_segments`
//! and `action_line_municipalities` (both with `line="<1-8>"`), `waves`
//! ("2024, 2025 en 2026"), `panel_all` and `panel_several` (municipalities
//! that answered the survey in every wave, in two or more), and
//! `learning_matches`.
//!
//! Comparisons of waves and learning matches: see [`crate::wave_blocks`].
//!
//! An unknown shortcode, name or argument is an error naming file and line.

use std::collections::BTreeMap;

use pokeval_analysis::manual::CodeAgreement;
use pokeval_analysis::tables::{Category, Cooccurrence, CrossTab, Frequency, Level, Quotes};
use pokeval_analysis::Analysis;
use regex::Regex;
use serde::Serialize;

use crate::charts::{self, Chart};
use crate::error::ShortcodeError;
use crate::format::{
    format_compact, format_count as count, format_eur, format_number, format_percent,
};
use std::fmt::Write as _;

pub use crate::table::Table;

/// A rendered block.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Block {
    /// A table.
    Table(Table),
    /// A chart or map.
    Chart(Chart),
    /// Coded quotes for a code or action line.
    Quotes(Quotes),
}

/// A parsed shortcode.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortcode {
    /// Its name (`table`, `chart`, `quotes`, `value`, `map`, `page`).
    pub kind: String,
    /// Its arguments.
    pub args: BTreeMap<String, String>,
}

/// The shortcode syntax: `{{ kind(key="value", ...) }}`.
/// Compiled once per process.
pub fn shortcode_regex() -> &'static Regex {
    static SHORTCODE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"\{\{\s*([a-z_]+)\s*\(([^)]*)\)\s*\}\}")
            .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
    });
    &SHORTCODE
}

/// Parses the arguments `key="value", key2="value2"`.
pub fn parse_args(text: &str) -> Result<BTreeMap<String, String>, ShortcodeError> {
    static ARG: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r#"^\s*([a-z_]+)\s*=\s*"([^"]*)"\s*(?:,|$)"#)
            .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
    });
    let arg = &*ARG;
    let mut args = BTreeMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let caps = arg.captures(rest).ok_or_else(|| {
            ShortcodeError::Arguments({
                format!("cannot read the arguments '{text}'; write them as name=\"value\"")
            })
        })?;
        args.insert(caps[1].to_string(), caps[2].to_string());
        rest = rest[caps[0].len()..].trim_start();
    }
    Ok(args)
}

fn take(
    args: &BTreeMap<String, String>,
    key: &str,
    allowed: &[&str],
) -> Result<String, ShortcodeError> {
    for k in args.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(ShortcodeError::Arguments(format!(
                "unknown argument '{k}' (allowed: {})",
                allowed.join(", ")
            )));
        }
    }
    args.get(key)
        .cloned()
        .ok_or_else(|| ShortcodeError::Arguments(format!("missing argument {key}=\"...\"")))
}

/// Renders a block shortcode (table or chart).
pub fn block(sc: &Shortcode, a: &Analysis) -> Result<Block, ShortcodeError> {
    match sc.kind.as_str() {
        "table" => {
            let name = take(
                &sc.args,
                "name",
                &["name", "question", "by", "level", "from", "gemeente"],
            )?;
            if let Some(t) = crate::wave_blocks::table(&name, &sc.args, a) {
                return t.map(Block::Table);
            }
            table(&name, &sc.args, a).map(Block::Table)
        }
        "chart" => {
            let name = take(&sc.args, "name", &["name", "group", "level", "question"])?;
            if let Some(c) = crate::wave_blocks::chart(&name, &sc.args, a) {
                return c.map(Block::Chart);
            }
            let chart = match name.as_str() {
                "likert" => {
                    let group = sc.args.get("group").map(String::as_str);
                    let qs: Vec<&pokeval_analysis::QuestionFrequencies> = a
                        .survey
                        .iter()
                        .filter(|q| q.kind == pokeval_survey::QuestionType::Likert)
                        .filter(|q| group.is_none_or(|g| q.group.as_deref() == Some(g)))
                        .collect();
                    if qs.is_empty() {
                        return Err(ShortcodeError::NoData(format!("no Likert questions{}", group.map(|g| format!(" in group '{g}'")).unwrap_or_default())));
                    }
                    charts::likert(&qs, &format!("likert-{}", group.unwrap_or("alle")))
                }
                "cooccurrence" => match sc.args.get("level").map_or("action_line", String::as_str) {
                    "action_line" => charts::cooccurrence_heatmap(&a.action_line_cooccurrence, "cooccurrence-action_line"),
                    "code" => charts::cooccurrence_heatmap(&a.code_cooccurrence, "cooccurrence-code"),
                    other => return Err(ShortcodeError::Unknown(format!("unknown level '{other}' (action_line or code)"))),
                },
                "funds_per_year" => charts::funds_per_year(&a.funds),
                "payment_routes" => charts::payment_routes(&a.funds),
                "codings_per_action_line" => {
                    charts::codings_per_action_line(&a.action_line_frequencies)
                }
                "funds_per_1000" => match &a.funds_per_municipality {
                    Some(f) => charts::funds_per_1000(f),
                    None => return Err(ShortcodeError::NoData("the project has no [allocation] table, so there is no money per municipality".into())),
                },
                "vouchers_per_size_class" => charts::vouchers_per_size_class(&a.vouchers),
                other => {
                    return Err(ShortcodeError::Unknown(format!(
                        "unknown chart '{other}' (charts: funds_per_year, payment_routes, codings_per_action_line, funds_per_1000, vouchers_per_size_class, likert, cooccurrence, waves_survey, waves_codes, waves_change, waves_map)"
                    )))
                }
            };
            chart
                .map(Block::Chart)
                .map_err(|e| ShortcodeError::Chart(Box::new(e)))
        }
        "quotes" => {
            let code = take(&sc.args, "code", &["code"])?;
            a.action_line_quotes
                .iter()
                .chain(&a.code_quotes)
                .find(|q| q.category.id == code)
                .cloned()
                .map(Block::Quotes)
                .ok_or_else(|| ShortcodeError::NoData(format!("no code or action line '{code}' (use a code id from the codebook, or AL1 to AL8)")))
        }
        other => Err(ShortcodeError::Unknown(format!(
            "unknown shortcode '{other}' (shortcodes: table, chart, quotes, value)"
        ))),
    }
}

/// Renders an inline `value` shortcode as text.
pub fn value(sc: &Shortcode, a: &Analysis) -> Result<String, ShortcodeError> {
    if sc.kind != "value" {
        return Err(ShortcodeError::Arguments(format!(
            "the shortcode '{}' makes a block and must stand alone on its line",
            sc.kind
        )));
    }
    let name = take(&sc.args, "name", &["name", "year", "line", "one", "many"])?;
    let line = || -> Result<&pokeval_analysis::tables::Frequency, ShortcodeError> {
        let l = sc.args.get("line").ok_or(ShortcodeError::Arguments(
            "this value needs line=\"<action line 1-8>\"".into(),
        ))?;
        a.action_line_frequencies
            .iter()
            .find(|f| {
                f.category
                    .action_line
                    .is_some_and(|al| al.number().to_string() == *l)
            })
            .ok_or_else(|| ShortcodeError::Arguments(format!("'{l}' is not an action line (1-8)")))
    };
    let year_index = || -> Result<usize, ShortcodeError> {
        let y = sc.args.get("year").ok_or(ShortcodeError::Arguments(
            "this value needs year=\"<year>\"".into(),
        ))?;
        a.funds
            .years
            .iter()
            .position(|fy| fy.to_string() == *y)
            .ok_or_else(|| ShortcodeError::NoData(format!("the funds table has no year {y}")))
    };
    let count = match name.as_str() {
        "respondents" => a.sources.survey_respondents,
        "survey_municipalities" => a.sources.survey_municipalities,
        "interviews" => a.sources.interviews,
        "interview_municipalities" => a.sources.interview_municipalities,
        "segments" => a.segments,
        "codings" => a.codings.len(),
        "vouchers" => a.vouchers.count,
        "municipalities" => a.municipalities.len(),
        "action_line_segments" => line()?.segments,
        "action_line_municipalities" => line()?.municipalities,
        _ => {
            if sc.args.contains_key("one") || sc.args.contains_key("many") {
                return Err(ShortcodeError::Arguments(format!(
                    "one= and many= go with counts; '{name}' is not a count"
                )));
            }
            return Ok(match name.as_str() {
                "voucher_amount" => format_eur(a.vouchers.total_amount),
                "funds_total" => format!(
                    "€ {} miljoen",
                    format_compact(a.funds.totals[year_index()?])
                ),
                "funds_difference" => format!(
                    "€ {} miljoen",
                    format_compact(a.funds.difference_from_planned[year_index()?])
                ),
                "waves" | "panel_all" | "panel_several" | "learning_matches" => {
                    return crate::wave_blocks::value(&name, a)
                }
                other => return Err(ShortcodeError::Unknown(format!("unknown value '{other}'"))),
            });
        }
    };
    let number = format_number(count as f64, 0);
    // "1 gemeente", "3 gemeenten": the noun agrees with the number
    match (sc.args.get("one"), sc.args.get("many")) {
        (None, None) => Ok(number),
        (Some(one), Some(many)) => Ok(format!("{number} {}", if count == 1 { one } else { many })),
        _ => Err(ShortcodeError::Arguments(
            "give both one=\"<singular>\" and many=\"<plural>\", or neither".into(),
        )),
    }
}

fn table(
    name: &str,
    args: &BTreeMap<String, String>,
    a: &Analysis,
) -> Result<Table, ShortcodeError> {
    let n = |v: usize| format_number(v as f64, 0);
    let amount = |v: Option<f64>| v.map(format_compact).unwrap_or_default();
    match name {
        "funds" => {
            let f = &a.funds;
            // AEF's Tabel 1: the rows grouped under their payment route,
            // an amount that changed after the plan marked with its note
            let mut headers = vec!["Actielijn".to_string()];
            headers.extend(f.years.iter().map(std::string::ToString::to_string));
            let mut rows = Vec::new();
            let mut groups: Vec<crate::table::RowGroup> = Vec::new();
            for r in &f.rows {
                if groups.last().is_none_or(|g| g.label != r.route_label) {
                    groups.push(crate::table::RowGroup {
                        before: rows.len(),
                        label: r.route_label.clone(),
                    });
                }
                let mut row = vec![format!("{}. {}", r.action_line.number(), r.name)];
                row.extend(r.amounts.iter().enumerate().map(|(i, v)| {
                    let mark = r.marks.get(i).copied().flatten();
                    match (amount(*v), mark) {
                        (cell, Some(m)) if !cell.is_empty() => format!("{cell}{}", superscript(m)),
                        (cell, _) => cell,
                    }
                }));
                rows.push(row);
            }
            let marked = f.rows.iter().any(|r| r.marks.iter().any(Option::is_some));
            let mut total = vec!["Totaal".to_string()];
            total.extend(f.totals.iter().map(|t| format_compact(*t)));
            let mut diff = vec![format!(
                "Verschil met € {} miljoen",
                format_compact(pokeval_model::PLANNED_YEARLY_MLN)
            )];
            diff.extend(f.difference_from_planned.iter().map(|d| format_compact(*d)));
            Ok(Table {
                caption: "Verdeling POK-middelen over de actielijnen per jaar (€ miljoen)".into(),
                numeric: (1..headers.len()).collect(),
                headers,
                rows,
                footer: vec![total, diff],
                note: Some(format!(
                    "Bedragen in miljoenen euro's, zoals gepland in de decembercirculaire 2021. Een leeg vak betekent dat voor dat jaar niets is gepland.{}",
                    if marked { " Een bedrag met een cijfer is na de planning gewijzigd; de tekst licht de wijziging met dat cijfer toe." } else { "" }
                )),
                groups,
            })
        }
        "action_lines" => {
            // per action line: the routes it is paid through, its money over
            // the years of the funds table, and what the sources say of it
            let years = crate::format::format_years(&a.funds.years);
            let rows: Vec<Vec<String>> = pokeval_model::ActionLine::all()
                .map(|al| {
                    let funds: Vec<_> = a.funds.rows.iter().filter(|r| r.action_line == al).collect();
                    let mut routes: Vec<&str> = Vec::new();
                    for r in &funds {
                        if !routes.contains(&r.route.label()) {
                            routes.push(r.route.label());
                        }
                    }
                    let money: f64 = funds.iter().flat_map(|r| r.amounts.iter().flatten()).sum();
                    let f = a.action_line_frequencies.iter().find(|f| f.category.action_line == Some(al));
                    vec![
                        format!("{}. {}", al.number(), al.name()),
                        if routes.is_empty() { "–".into() } else { routes.join(", ") },
                        if funds.is_empty() { "–".into() } else { format_compact(money) },
                        n(f.map_or(0, |f| f.segments)),
                        n(f.map_or(0, |f| f.municipalities)),
                    ]
                })
                .collect();
            let total: f64 = a.funds.rows.iter().flat_map(|r| r.amounts.iter().flatten()).sum();
            Ok(Table {
                caption: "De acht actielijnen in het kort".into(),
                headers: vec![
                    "Actielijn".into(),
                    "Uitgekeerd via".into(),
                    format!("Middelen {years} (€ miljoen)"),
                    "Gecodeerde passages".into(),
                    "Gemeenten".into(),
                ],
                numeric: vec![2, 3, 4],
                rows,
                footer: vec![vec!["Totaal".into(), String::new(), format_compact(total), String::new(), String::new()]],
                note: Some("Middelen volgens de verdeling in de middelentabel; passages en gemeenten uit het codeboek toegepast op interviews en open enquête-antwoorden.".into()),
                ..Default::default()
            })
        }
        "codings_per_action_line" => Ok(frequency_table(
            "Gecodeerde passages per actielijn",
            "Actielijn",
            &a.action_line_frequencies,
            Some(format!(
                "Gecodeerd met het codeboek '{}' op {} passages uit interviews en open enquête-antwoorden; sub-codes tellen mee bij hun actielijn.",
                a.codebook.name,
                n(a.segments)
            )),
        )),
        "code_frequencies" => Ok(frequency_table(
            "Gecodeerde passages per code",
            "Code",
            &a.code_frequencies,
            None,
        )),
        "crosstab" => {
            let by = args.get("by").map_or("size_class", String::as_str);
            let level = args.get("level").map_or("action_line", String::as_str);
            let (tab, what) = match (by, level) {
                ("size_class", "action_line") => (&a.action_lines_by_size_class, "gemeentegrootte"),
                ("size_class", "code") => (&a.codes_by_size_class, "gemeentegrootte"),
                ("province", "code") => (&a.codes_by_province, "provincie"),
                _ => return Err(ShortcodeError::Unknown(format!("no crosstab by=\"{by}\" level=\"{level}\" (use by=\"size_class\" with level=\"action_line\" or \"code\", or by=\"province\" with level=\"code\")"))),
            };
            Ok(crosstab_table(tab, what))
        }
        "cooccurrence" => {
            let level = args.get("level").map_or("action_line", String::as_str);
            let co = match level {
                "action_line" => &a.action_line_cooccurrence,
                "code" => &a.code_cooccurrence,
                other => return Err(ShortcodeError::Unknown(format!("unknown level '{other}' (action_line or code)"))),
            };
            Ok(cooccurrence_table(co))
        }
        "agreement" => agreement_table(a),
        "rule_quality" => rule_quality_table(a),
        "response" => Ok(Table {
            caption: "Respons naar gemeentegrootte".into(),
            headers: vec!["Gemeentegrootte".into(), "Gemeenten in Nederland".into(), "Enquête".into(), "Respons".into(), "Interviews".into()],
            numeric: vec![1, 2, 3, 4],
            rows: a
                .response_by_size_class
                .iter()
                .map(|r| vec![r.label.clone(), n(r.population), n(r.survey), pct(r.survey_percent), n(r.interviewed)])
                .collect(),
            footer: vec![vec![
                "Totaal".into(),
                n(a.response_by_size_class.iter().map(|r| r.population).sum()),
                n(a.response_by_size_class.iter().map(|r| r.survey).sum()),
                String::new(),
                n(a.response_by_size_class.iter().map(|r| r.interviewed).sum()),
            ]],
            note: Some("Respons: het aantal gemeenten dat de enquête invulde als percentage van alle gemeenten in die grootteklasse.".into()),
            ..Default::default()
        }),
        "vouchers_by_province" => Ok(Table {
            caption: "POK-vouchers per provincie".into(),
            headers: vec!["Provincie".into(), "Vouchers".into(), "Aandeel vouchers".into(), "Aandeel gemeenten".into()],
            numeric: vec![1, 2, 3],
            rows: a
                .vouchers_by_province
                .iter()
                .map(|r| vec![r.province.clone(), n(r.vouchers), pct(r.voucher_percent), pct(r.municipality_percent)])
                .collect(),
            footer: vec![],
            note: Some("Aandeel gemeenten: het deel van alle Nederlandse gemeenten dat in de provincie ligt.".into()),
            ..Default::default()
        }),
        "funds_per_municipality" => {
            let f = a
                .funds_per_municipality
                .as_ref()
                .ok_or(ShortcodeError::NoData("the project has no [allocation] table, so there is no money per municipality".into()))?;
            let mut rows: Vec<_> = f.rows.iter().collect();
            rows.sort_by(|x, y| y.euros.total_cmp(&x.euros).then_with(|| x.name.cmp(&y.name)));
            Ok(Table {
                caption: format!("POK-middelen via de algemene uitkering per gemeente ({})", f.year),
                headers: vec!["Gemeente".into(), "Inwoners".into(), "Bedrag".into(), "Per 1.000 inwoners".into()],
                numeric: vec![1, 2, 3],
                rows: rows
                    .iter()
                    .map(|r| vec![r.name.clone(), n(r.inhabitants as usize), format_eur(r.euros), format_eur(r.per_1000)])
                    .collect(),
                footer: vec![],
                note: Some(format!(
                    "Aandeel van de gemeente in het cluster Bestuur en Ondersteuning (actielijnen 2 en 3, landelijk € {} miljoen) en Sociale Basisvoorzieningen (actielijnen 4 en 5, € {} miljoen).",
                    format_compact(f.cluster_bo_mln),
                    format_compact(f.cluster_sbv_mln)
                )),
                ..Default::default()
            })
        }
        "survey_by_size_class" => {
            let qid = args.get("question").ok_or(ShortcodeError::Arguments("this table needs question=\"<question id>\"".into()))?;
            let q = a
                .survey_by_size_class
                .iter()
                .find(|q| &q.question == qid)
                .ok_or_else(|| ShortcodeError::NoData(format!("no single-choice or Likert question '{qid}'")))?;
            let mut headers = vec!["Gemeentegrootte".to_string()];
            headers.extend(q.options.iter().cloned());
            headers.push("Beantwoord".into());
            Ok(Table {
                caption: format!("{} (naar gemeentegrootte)", q.text),
                numeric: (1..headers.len()).collect(),
                headers,
                rows: q
                    .rows
                    .iter()
                    .map(|r| {
                        let mut row = vec![r.label.clone()];
                        row.extend(r.counts.iter().map(|c| n(*c)));
                        row.push(n(r.answered));
                        row
                    })
                    .collect(),
                footer: vec![],
                note: None,
                ..Default::default()
            })
        }
        "vouchers_by_size_class" => Ok(Table {
            caption: "POK-vouchers naar gemeentegrootte".into(),
            headers: vec![
                "Gemeentegrootte".into(),
                "Vouchers".into(),
                "Gemeenten met voucher".into(),
                "Gemeenten in Nederland".into(),
                "Percentage met voucher".into(),
                "Bedrag".into(),
            ],
            numeric: vec![1, 2, 3, 4, 5],
            rows: a
                .vouchers
                .by_size_class
                .iter()
                .map(|r| {
                    vec![
                        r.label.clone(),
                        n(r.vouchers),
                        n(r.municipalities),
                        n(r.population),
                        pct(r.percent_with_voucher),
                        format_eur(r.amount),
                    ]
                })
                .collect(),
            footer: vec![vec![
                "Totaal".into(),
                n(a.vouchers.count),
                n(a.vouchers.by_size_class.iter().map(|r| r.municipalities).sum()),
                n(a.vouchers.by_size_class.iter().map(|r| r.population).sum()),
                String::new(),
                format_eur(a.vouchers.total_amount),
            ]],
            note: None,
            ..Default::default()
        }),
        "rule_disagreements" => {
            let q = a
                .rule_quality
                .as_ref()
                .ok_or(ShortcodeError::NoData("there are no rule disagreements to show: name a gold coder in [coding] gold of the project file".into()))?;
            let names: std::collections::HashMap<&str, &str> =
                a.municipalities.iter().map(|m| (m.code.as_str(), m.name.as_str())).collect();
            Ok(Table {
                caption: format!("Passages waarover de codeerregels en {} verschillen", q.gold),
                headers: vec!["Bron".into(), "Code".into(), "Toegekend door".into(), "Tekst".into()],
                numeric: vec![],
                rows: q
                    .disagreements
                    .iter()
                    .map(|d| {
                        vec![
                            source_label(d, &names),
                            d.code.clone(),
                            if d.rules_only { "alleen de regels".into() } else { format!("alleen {}", q.gold) },
                            d.text.split_whitespace().collect::<Vec<_>>().join(" "),
                        ]
                    })
                    .collect(),
                footer: vec![],
                note: None,
                ..Default::default()
            })
        }
        "inputs" => Ok(Table {
            caption: "Verwerkte invoer".into(),
            headers: vec!["Invoer".into(), "Bestand".into(), "Gelezen".into(), "Geaccepteerd".into(), "Afgewezen".into()],
            numeric: vec![2, 3, 4],
            rows: a
                .inputs
                .iter()
                .map(|i| vec![i.input.clone(), file_name(&i.file), n(i.read), n(i.accepted), n(i.rejected)])
                .collect(),
            footer: vec![],
            note: None,
            ..Default::default()
        }),
        "rejects" => Ok(Table {
            caption: "Afgewezen invoer en de reden".into(),
            headers: vec!["Bestand".into(), "Regel".into(), "Reden".into()],
            numeric: vec![1],
            // the sort of reason in Dutch; the full message (English, with
            // ids and values) is in the build's summary and the rejects file
            rows: a.rejects.iter().map(|r| vec![file_name(&r.file), if r.line == 0 { "–".into() } else { r.line.to_string() }, r.kind.dutch().to_string()]).collect(),
            footer: vec![],
            note: Some(if a.rejects.is_empty() {
                "Er is geen invoer afgewezen.".to_string()
            } else {
                "De volledige melding per regel, met de waarden die niet werden aanvaard, staat in het overzicht dat pokeval bij het bouwen van dit rapport geeft.".to_string()
            }),
            ..Default::default()
        }),
        "survey" => {
            let qid = args.get("question").ok_or(ShortcodeError::Arguments("the survey table needs question=\"<question id>\"".into()))?;
            let q = a
                .survey
                .iter()
                .find(|q| &q.question == qid)
                .ok_or_else(|| ShortcodeError::NoData(format!("no closed survey question '{qid}'")))?;
            Ok(Table {
                caption: q.text.clone(),
                headers: vec!["Antwoord".into(), "Aantal".into()],
                numeric: vec![1],
                rows: q.options.iter().map(|o| vec![o.label.clone(), n(o.count)]).collect(),
                footer: vec![vec!["Beantwoord".into(), n(q.answered)]],
                note: None,
                ..Default::default()
            })
        }
        other => Err(ShortcodeError::Unknown(format!(
            "unknown table '{other}' (tables: {}, {})",
            TABLES.join(", "),
            crate::wave_blocks::TABLES.join(", ")
        ))),
    }
}

/// A file as the report names it: its name, never the path on the
/// author's machine (`../../fixtures/2024/enquete.csv` -> `enquete.csv`).
fn file_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

/// Where a passage comes from, in words: "Gemeente Amersfoort,
/// programmamanager, 4 maart 2024" for an interview, "Gemeente Ede,
/// enquête: <question>" for a survey answer.
fn source_label(
    d: &pokeval_analysis::manual::Disagreement,
    names: &std::collections::HashMap<&str, &str>,
) -> String {
    let mut parts = vec![match d.municipality.as_deref() {
        Some(code) => format!("Gemeente {}", names.get(code).copied().unwrap_or(code)),
        None => "Onbekende gemeente".to_string(),
    }];
    match d.kind {
        pokeval_model::SourceKind::SurveyAnswer => parts.push(match &d.context {
            Some(q) => format!("enquête: {q}"),
            None => "enquête".to_string(),
        }),
        pokeval_model::SourceKind::Document => parts.push("document".to_string()),
        pokeval_model::SourceKind::Interview => {
            if let Some(role) = &d.context {
                parts.push(role.clone());
            }
            if let Some(date) = &d.date {
                parts.push(crate::format::format_date(date));
            }
        }
    }
    parts.join(", ")
}

/// The table names `table(name=...)` accepts.
pub const TABLES: &[&str] = &[
    "funds",
    "action_lines",
    "codings_per_action_line",
    "code_frequencies",
    "crosstab",
    "cooccurrence",
    "agreement",
    "rule_quality",
    "rule_disagreements",
    "response",
    "vouchers_by_size_class",
    "vouchers_by_province",
    "funds_per_municipality",
    "survey",
    "survey_by_size_class",
    "inputs",
    "rejects",
];

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |p| format_percent(p, 0))
}

fn ratio(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format_number(x, 2))
}

/// "1. Digitale overheid" for an action line, the path for a code.
fn category_label(cat: &Category) -> String {
    match cat.level {
        Level::ActionLine => cat.label.clone(),
        Level::Code => cat.path.join(" › "),
    }
}

fn frequency_table(caption: &str, first: &str, rows: &[Frequency], note: Option<String>) -> Table {
    Table {
        caption: caption.into(),
        headers: vec![
            first.into(),
            "Passages".into(),
            "Bronnen".into(),
            "Gemeenten".into(),
        ],
        numeric: vec![1, 2, 3],
        rows: rows
            .iter()
            .map(|f| {
                vec![
                    category_label(&f.category),
                    count(f.segments),
                    count(f.sources),
                    count(f.municipalities),
                ]
            })
            .collect(),
        footer: vec![],
        note,
        ..Default::default()
    }
}

/// Counts with column percentages, leaving out empty columns.
fn crosstab_table(tab: &CrossTab, by: &str) -> Table {
    let cols: Vec<usize> = (0..tab.columns.len())
        .filter(|&i| tab.column_base[i] > 0)
        .collect();
    let mut headers = vec![if tab
        .rows
        .first()
        .is_some_and(|r| r.level == Level::ActionLine)
    {
        "Actielijn"
    } else {
        "Code"
    }
    .to_string()];
    headers.extend(
        cols.iter()
            .map(|&i| format!("{} (n = {})", tab.columns[i], tab.column_base[i])),
    );
    Table {
        caption: format!("Aantal gemeenten dat een onderwerp noemt, naar {by}"),
        numeric: (1..headers.len()).collect(),
        headers,
        rows: tab
            .rows
            .iter()
            .enumerate()
            .map(|(r, cat)| {
                let mut row = vec![category_label(cat)];
                row.extend(cols.iter().map(|&c| format!("{} ({})", count(tab.counts[r][c]), pct(tab.column_percent[r][c]))));
                row
            })
            .collect(),
        footer: vec![],
        note: Some(
            "Per cel: het aantal gemeenten waarvan een interview of enquête-antwoord het onderwerp noemt, en dat aantal als percentage van de gemeenten in de kolom (n) waarvan we een bron hebben."
                .to_string(),
        ),
        ..Default::default()
    }
}

fn cooccurrence_table(co: &Cooccurrence) -> Table {
    let short = |c: &Category| match c.level {
        Level::ActionLine => format!(
            "AL{}",
            c.action_line.map_or(0, pokeval_model::ActionLine::number)
        ),
        Level::Code => c.id.clone(),
    };
    let first = if co
        .categories
        .first()
        .is_some_and(|c| c.level == Level::ActionLine)
    {
        "Actielijn"
    } else {
        "Code"
    };
    let mut headers = vec![first.to_string()];
    headers.extend(co.categories.iter().map(short));
    Table {
        caption: "Samen voorkomen op dezelfde passage: aantal passages (c-coëfficiënt)".into(),
        numeric: (1..headers.len()).collect(),
        headers,
        rows: co
            .categories
            .iter()
            .enumerate()
            .map(|(i, cat)| {
                let mut row = vec![cat.label.clone()];
                row.extend((0..co.categories.len()).map(|j| {
                    if i == j {
                        count(co.totals[i])
                    } else if co.counts[i][j] == 0 {
                        "·".to_string()
                    } else {
                        format!("{} ({})", count(co.counts[i][j]), ratio(co.c[i][j]))
                    }
                }));
                row
            })
            .collect(),
        footer: vec![],
        note: Some("Op de diagonaal het aantal passages per onderwerp. c = n12 / (n1 + n2 − n12): 1 als twee onderwerpen altijd samen voorkomen, 0 als nooit.".into()),
        ..Default::default()
    }
}

fn agreement_table(a: &Analysis) -> Result<Table, ShortcodeError> {
    let ag = a.agreement.as_ref().ok_or(ShortcodeError::NoData("there is no agreement to show: it needs manual codings of at least two coders ([coding] manual in the project file)".into()))?;
    // Two coders: their one pair. Three or more: alpha over all coders and
    // the pair that agrees least, named, so that one coder's blind spot is
    // not averaged away.
    let several = ag.coders.len() > 2;
    let pair_name =
        |p: &pokeval_analysis::manual::PairAgreement| format!("{} en {}", p.coder_a, p.coder_b);
    let cells = |label: &str, c: &CodeAgreement| {
        let p = c.weakest_pair();
        let mut row = vec![
            label.to_string(),
            pct(p.and_then(|p| p.percent_agreement).map(|x| x * 100.0)),
            ratio(p.and_then(|p| p.kappa)),
        ];
        if several {
            // when every pair agrees equally there is no weakest pair to name
            let kappas: Vec<Option<f64>> = c.pairs.iter().map(|p| p.kappa).collect();
            let tie = kappas.windows(2).all(|w| w[0] == w[1]);
            row.push(match p {
                Some(_) if tie => "alle paren gelijk".into(),
                Some(p) => pair_name(p),
                None => "–".into(),
            });
        }
        row.push(ratio(c.alpha));
        row
    };
    let mut rows: Vec<Vec<String>> = ag
        .per_code
        .iter()
        .filter(|c| c.alpha.is_some() || c.pairs.iter().any(|p| p.kappa.is_some()))
        .map(|c| cells(&c.label, c))
        .collect();
    rows.sort();
    let o = &ag.overall;
    let mut headers: Vec<String> = vec![
        "Code".into(),
        "Overeenstemming".into(),
        "Cohens kappa".into(),
    ];
    if several {
        headers.push("Zwakste paar".into());
    }
    headers.push("Krippendorffs alfa".into());
    let last = headers.len() - 1;
    let mut note = format!(
        "Op {} passages die door ten minste twee codeurs zijn bekeken. ",
        count(ag.units)
    );
    if several {
        note.push_str("Overeenstemming en kappa van het paar codeurs dat het minst overeenstemt; alfa over alle codeurs. Per paar over alle gebruikte codes: ");
        let per_pair: Vec<String> = o
            .pairs
            .iter()
            .map(|p| format!("{} {}", pair_name(p), ratio(p.kappa)))
            .collect();
        note.push_str(&per_pair.join("; "));
        note.push_str(". ");
    }
    _ = write!(note,
        "De rij Alle codes telt de {} codes die ten minste één codeur toepaste; codes die niemand toepaste, staan niet in de tabel en tellen niet mee.",
        count(ag.pooled_codes.len())
    );
    Ok(Table {
        caption: format!("Overeenstemming tussen codeurs ({})", ag.coders.join(", ")),
        headers,
        numeric: vec![1, 2, last],
        rows,
        footer: vec![cells("Alle codes", o)],
        note: Some(note),
        ..Default::default()
    })
}

fn rule_quality_table(a: &Analysis) -> Result<Table, ShortcodeError> {
    let q = a.rule_quality.as_ref().ok_or(ShortcodeError::NoData(
        "there is no rule quality to show: name a gold coder in [coding] gold of the project file"
            .into(),
    ))?;
    let row = |label: &str, x: &pokeval_analysis::agreement::Quality| {
        vec![
            label.to_string(),
            count(x.true_positives),
            count(x.false_positives),
            count(x.false_negatives),
            ratio(x.precision),
            ratio(x.recall),
            ratio(x.f1),
        ]
    };
    Ok(Table {
        caption: format!("Codeerregels vergeleken met de codering van {}", q.gold),
        headers: vec![
            "Code".into(),
            "Beide".into(),
            "Alleen regels".into(),
            "Alleen codeur".into(),
            "Precisie".into(),
            "Recall".into(),
            "F1".into(),
        ],
        numeric: vec![1, 2, 3, 4, 5, 6],
        rows: q
            .per_code
            .iter()
            .filter(|c| {
                c.quality.true_positives + c.quality.false_positives + c.quality.false_negatives > 0
            })
            .map(|c| row(&c.label, &c.quality))
            .collect(),
        footer: vec![row("Alle codes", &q.overall)],
        note: Some(format!(
            "Op {} passages uit de bronnen die {} codeerde.",
            count(q.units),
            q.gold
        )),
        ..Default::default()
    })
}

/// A note number in superscript digits ("1" gives "¹"), as AEF marks a
/// changed amount in Tabel 1.
fn superscript(n: u8) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcode_arguments() {
        let re = shortcode_regex();
        let c = re
            .captures(r#"zie {{ table(name="survey", question="plan") }} hier"#)
            .unwrap();
        assert_eq!(&c[1], "table");
        let args = parse_args(&c[2]).unwrap();
        assert_eq!(args["question"], "plan");
        assert!(parse_args("name=funds").is_err());
        assert!(parse_args("").unwrap().is_empty());
    }
}
