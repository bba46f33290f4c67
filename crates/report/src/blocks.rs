//! Data blocks that report sources place with shortcodes:
//!
//! - `{{ table(name="funds") }}` and the other tables below, alone on a line;
//! - `{{ chart(name="funds_per_year") }}`, alone on a line;
//! - `{{ value(name="respondents") }}`, inline in a sentence.
//!
//! Tables: `funds`, `codings_per_action_line`, `vouchers_by_size_class`,
//! `inputs`, `rejects`, `survey` (with `question="<id>"`).
//! Charts: `funds_per_year`, `codings_per_action_line`.
//! Values: `respondents`, `survey_municipalities`, `interviews`,
//! `interview_municipalities`, `segments`, `codings`, `vouchers`,
//! `voucher_amount`, `municipalities`, `funds_total` and
//! `funds_difference` (both with `year="<year>"`).
//!
//! An unknown shortcode, name or argument is an error naming file and line.

use std::collections::BTreeMap;

use pokeval_analysis::Analysis;
use regex::Regex;
use serde::Serialize;

use crate::charts::{self, Chart};
use crate::format::{format_compact, format_eur, format_number};

/// A table ready for the template: every cell already formatted.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub caption: String,
    pub headers: Vec<String>,
    /// Columns (by index) that hold numbers and are right-aligned.
    pub numeric: Vec<usize>,
    pub rows: Vec<Vec<String>>,
    /// Rows in the table footer (totals).
    pub footer: Vec<Vec<String>>,
    /// A note under the table (source, unit).
    pub note: Option<String>,
}

/// A rendered block.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Block {
    Table(Table),
    Chart(Chart),
}

/// A parsed shortcode.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortcode {
    pub kind: String,
    pub args: BTreeMap<String, String>,
}

/// The shortcode syntax: `{{ kind(key="value", ...) }}`.
pub fn shortcode_regex() -> Regex {
    Regex::new(r#"\{\{\s*([a-z_]+)\s*\(([^)]*)\)\s*\}\}"#).expect("valid regex")
}

/// Parses the arguments `key="value", key2="value2"`.
pub fn parse_args(text: &str) -> Result<BTreeMap<String, String>, String> {
    let arg = Regex::new(r#"^\s*([a-z_]+)\s*=\s*"([^"]*)"\s*(?:,|$)"#).expect("valid regex");
    let mut args = BTreeMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let caps = arg.captures(rest).ok_or_else(|| {
            format!("cannot read the arguments '{text}'; write them as name=\"value\"")
        })?;
        args.insert(caps[1].to_string(), caps[2].to_string());
        rest = rest[caps[0].len()..].trim_start();
    }
    Ok(args)
}

fn take(args: &BTreeMap<String, String>, key: &str, allowed: &[&str]) -> Result<String, String> {
    for k in args.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(format!(
                "unknown argument '{k}' (allowed: {})",
                allowed.join(", ")
            ));
        }
    }
    args.get(key)
        .cloned()
        .ok_or_else(|| format!("missing argument {key}=\"...\""))
}

/// Renders a block shortcode (table or chart).
pub fn block(sc: &Shortcode, a: &Analysis) -> Result<Block, String> {
    match sc.kind.as_str() {
        "table" => {
            let name = take(&sc.args, "name", &["name", "question"])?;
            table(&name, &sc.args, a).map(Block::Table)
        }
        "chart" => {
            let name = take(&sc.args, "name", &["name"])?;
            let chart = match name.as_str() {
                "funds_per_year" => charts::funds_per_year(&a.funds),
                "codings_per_action_line" => {
                    charts::codings_per_action_line(&a.codings_per_action_line)
                }
                other => {
                    return Err(format!(
                        "unknown chart '{other}' (charts: funds_per_year, codings_per_action_line)"
                    ))
                }
            };
            chart.map(Block::Chart).map_err(|e| e.to_string())
        }
        other => Err(format!(
            "unknown shortcode '{other}' (shortcodes: table, chart, value)"
        )),
    }
}

/// Renders an inline `value` shortcode as text.
pub fn value(sc: &Shortcode, a: &Analysis) -> Result<String, String> {
    if sc.kind != "value" {
        return Err(format!(
            "the shortcode '{}' makes a block and must stand alone on its line",
            sc.kind
        ));
    }
    let name = take(&sc.args, "name", &["name", "year"])?;
    let year_index = || -> Result<usize, String> {
        let y = sc
            .args
            .get("year")
            .ok_or("this value needs year=\"<year>\"")?;
        a.funds
            .years
            .iter()
            .position(|fy| fy.to_string() == *y)
            .ok_or_else(|| format!("the funds table has no year {y}"))
    };
    let n = |v: usize| format_number(v as f64, 0);
    Ok(match name.as_str() {
        "respondents" => n(a.sources.survey_respondents),
        "survey_municipalities" => n(a.sources.survey_municipalities),
        "interviews" => n(a.sources.interviews),
        "interview_municipalities" => n(a.sources.interview_municipalities),
        "segments" => n(a.segments),
        "codings" => n(a.codings.len()),
        "vouchers" => n(a.vouchers.count),
        "voucher_amount" => format_eur(a.vouchers.total_amount),
        "municipalities" => n(a.municipalities.len()),
        "funds_total" => format!(
            "€ {} miljoen",
            format_compact(a.funds.totals[year_index()?])
        ),
        "funds_difference" => format!(
            "€ {} miljoen",
            format_compact(a.funds.difference_from_planned[year_index()?])
        ),
        other => return Err(format!("unknown value '{other}'")),
    })
}

fn table(name: &str, args: &BTreeMap<String, String>, a: &Analysis) -> Result<Table, String> {
    let n = |v: usize| format_number(v as f64, 0);
    let amount = |v: Option<f64>| v.map(format_compact).unwrap_or_default();
    match name {
        "funds" => {
            let f = &a.funds;
            let mut headers = vec!["Route".to_string(), "Actielijn".to_string()];
            headers.extend(f.years.iter().map(|y| y.to_string()));
            let rows = f
                .rows
                .iter()
                .map(|r| {
                    let mut row = vec![r.route_label.clone(), format!("{}. {}", r.action_line.number(), r.name)];
                    row.extend(r.amounts.iter().map(|v| amount(*v)));
                    row
                })
                .collect();
            let mut total = vec!["Totaal".to_string(), String::new()];
            total.extend(f.totals.iter().map(|t| format_compact(*t)));
            let mut diff = vec!["Verschil met € 150 miljoen".to_string(), String::new()];
            diff.extend(f.difference_from_planned.iter().map(|d| format_compact(*d)));
            Ok(Table {
                caption: "Verdeling POK-middelen over de actielijnen per jaar (€ miljoen)".into(),
                numeric: (2..headers.len()).collect(),
                headers,
                rows,
                footer: vec![total, diff],
                note: Some("Bedragen in miljoenen euro's, zoals gepland in de decembercirculaire 2021. Een leeg vak betekent dat voor dat jaar niets is gepland.".into()),
            })
        }
        "codings_per_action_line" => Ok(Table {
            caption: "Gecodeerde passages per actielijn".into(),
            headers: vec!["Actielijn".into(), "Passages".into(), "Bronnen".into(), "Gemeenten".into()],
            numeric: vec![1, 2, 3],
            rows: a
                .codings_per_action_line
                .iter()
                .map(|c| vec![format!("{}. {}", c.action_line.number(), c.name), n(c.segments), n(c.sources), n(c.municipalities)])
                .collect(),
            footer: vec![],
            note: Some(format!(
                "Automatisch gecodeerd met het codeboek '{}' op {} passages uit interviews en open enquête-antwoorden.",
                a.codebook.name,
                n(a.segments)
            )),
        }),
        "vouchers_by_size_class" => Ok(Table {
            caption: "POK-vouchers naar gemeentegrootte".into(),
            headers: vec!["Gemeentegrootte".into(), "Vouchers".into(), "Gemeenten".into(), "Bedrag".into()],
            numeric: vec![1, 2, 3],
            rows: a
                .vouchers
                .by_size_class
                .iter()
                .map(|r| vec![r.label.clone(), n(r.vouchers), n(r.municipalities), format_eur(r.amount)])
                .collect(),
            footer: vec![vec![
                "Totaal".into(),
                n(a.vouchers.count),
                n(a.vouchers.by_size_class.iter().map(|r| r.municipalities).sum()),
                format_eur(a.vouchers.total_amount),
            ]],
            note: None,
        }),
        "inputs" => Ok(Table {
            caption: "Verwerkte invoer".into(),
            headers: vec!["Invoer".into(), "Bestand".into(), "Gelezen".into(), "Geaccepteerd".into(), "Afgewezen".into()],
            numeric: vec![2, 3, 4],
            rows: a
                .inputs
                .iter()
                .map(|i| vec![i.input.clone(), i.file.clone(), n(i.read), n(i.accepted), n(i.rejected)])
                .collect(),
            footer: vec![],
            note: None,
        }),
        "rejects" => Ok(Table {
            caption: "Afgewezen invoer en de reden".into(),
            headers: vec!["Bestand".into(), "Regel".into(), "Reden".into()],
            numeric: vec![1],
            rows: a.rejects.iter().map(|r| vec![r.file.clone(), r.line.to_string(), r.reason.clone()]).collect(),
            footer: vec![],
            note: a.rejects.is_empty().then(|| "Er is geen invoer afgewezen.".to_string()),
        }),
        "survey" => {
            let qid = args.get("question").ok_or("the survey table needs question=\"<question id>\"")?;
            let q = a
                .survey
                .iter()
                .find(|q| &q.question == qid)
                .ok_or_else(|| format!("no closed survey question '{qid}'"))?;
            Ok(Table {
                caption: q.text.clone(),
                headers: vec!["Antwoord".into(), "Aantal".into()],
                numeric: vec![1],
                rows: q.options.iter().map(|o| vec![o.label.clone(), n(o.count)]).collect(),
                footer: vec![vec!["Beantwoord".into(), n(q.answered)]],
                note: None,
            })
        }
        other => Err(format!(
            "unknown table '{other}' (tables: funds, codings_per_action_line, vouchers_by_size_class, inputs, rejects, survey)"
        )),
    }
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
