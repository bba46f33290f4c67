//! Spreadsheet exports for evaluators: one xlsx workbook with a sheet per
//! table, or one CSV file per table.
//!
//! Tables: `citaten` (every coded segment and code, with source,
//! municipality, attributes, the code path split over columns and the text),
//! `code_x_gemeente` (coded segments), `code_x_grootteklasse` (municipalities
//! that mention a code), `respondent_x_code` (0/1) and `enquete` (answers
//! per option), `leerpartners` (learning matches with their reason and
//! backing passages) and, for a wave compared with earlier waves,
//! `golven_vragen` (respondents per option per wave, with the change
//! test), `golven_panel` (participation and answers per municipality per
//! wave) and `golven_codes` (passages per code and action line per wave).
//! A cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return gets a leading `'` so spreadsheets show it as text
//! instead of running it. Workbooks carry a fixed creation date, so the
//! same project exports to the same bytes.

use std::collections::BTreeMap;

use pokeval_analysis::{Origin, Prepared};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::error::{Error, Result};

/// A cell: text or a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number, stored as a number in xlsx.
    Number(f64),
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(neutralise(&s.into()))
    }

    /// The cell as CSV text.
    pub fn csv(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
        }
    }
}

/// Prefixes text that a spreadsheet would read as a formula with `'`.
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// A named table.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The sheet's name (and the CSV file's name).
    pub name: &'static str,
    /// The column headings.
    pub headers: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

/// Builds every table.
pub fn sheets(p: &Prepared) -> Vec<Sheet> {
    let mut out = vec![
        quotes(p),
        code_by_municipality(p),
        code_by_size_class(p),
        respondent_matrix(p),
        survey(p),
        learning(p),
    ];
    if let Some(c) = &p.analysis.comparison {
        out.extend([wave_questions(c), wave_panel(c), wave_codes(c)]);
    }
    out
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(std::string::ToString::to_string).collect()
}

fn learning(p: &Prepared) -> Sheet {
    let rows = p
        .analysis
        .learning
        .iter()
        .flat_map(|m| {
            m.strengths.iter().flat_map(move |s| {
                let base = move |source: &str, text: &str| {
                    vec![
                        Cell::text(m.municipality.clone()),
                        Cell::text(m.municipality_name.clone()),
                        Cell::text(m.peer.clone()),
                        Cell::text(m.peer_name.clone()),
                        Cell::Number((m.similarity * 1000.0).round() / 1000.0),
                        Cell::text(if m.same_size_class { "ja" } else { "nee" }),
                        Cell::Number(f64::from(s.action_line.number())),
                        Cell::Number(s.peer_passages as f64),
                        Cell::text(m.reason.clone()),
                        Cell::text(source.to_string()),
                        Cell::text(text.to_string()),
                    ]
                };
                s.passages.iter().map(move |x| base(&x.source, &x.text))
            })
        })
        .collect();
    Sheet {
        name: "leerpartners",
        headers: headers(&[
            "gemeentecode",
            "gemeente",
            "leerpartner_code",
            "leerpartner",
            "gelijkenis",
            "zelfde grootteklasse",
            "actielijn",
            "passages leerpartner",
            "reden",
            "bron",
            "passage",
        ]),
        rows,
    }
}

fn wave_questions(c: &pokeval_analysis::waves::Comparison) -> Sheet {
    let mut rows = Vec::new();
    for q in &c.questions {
        for w in q.waves.iter().flatten() {
            let test = q.changes.iter().find(|t| t.from == w.wave);
            for (o, count) in q.options.iter().zip(&w.counts) {
                rows.push(vec![
                    Cell::text(q.question.clone()),
                    Cell::text(q.short.clone()),
                    Cell::text(if q.comparable { "ja" } else { "nee" }),
                    Cell::Number(f64::from(w.wave.year())),
                    Cell::Number(w.n as f64),
                    Cell::text(o.code.clone()),
                    Cell::text(o.label.clone()),
                    Cell::Number(*count as f64),
                    test.and_then(|t| t.p_value)
                        .map_or(Cell::text(""), Cell::Number),
                    Cell::text(test.map_or("", |t| if t.significant { "ja" } else { "nee" })),
                    Cell::text(
                        test.and_then(|t| t.caveat.clone())
                            .or_else(|| q.note.clone())
                            .unwrap_or_default(),
                    ),
                ]);
            }
        }
    }
    Sheet {
        name: "golven_vragen",
        headers: headers(&[
            "vraag",
            "kort",
            "vergelijkbaar",
            "meting",
            "n",
            "code",
            "antwoord",
            "aantal",
            "p (tegen laatste meting)",
            "significant",
            "toelichting",
        ]),
        rows,
    }
}

fn wave_panel(c: &pokeval_analysis::waves::Comparison) -> Sheet {
    let mut rows = Vec::new();
    for r in &c.panel.rows {
        for (i, w) in c.waves.iter().enumerate() {
            let lines = r.passages[i];
            let mut row = vec![
                Cell::text(r.code.clone()),
                Cell::text(r.name.clone()),
                Cell::Number(f64::from(w.wave.year())),
                Cell::text(if r.answered.contains(&w.wave) {
                    "ja"
                } else {
                    "nee"
                }),
                Cell::text(if r.interviewed.contains(&w.wave) {
                    "ja"
                } else {
                    "nee"
                }),
                Cell::text(r.former.join(", ")),
            ];
            row.extend(lines.iter().map(|x| Cell::Number(*x as f64)));
            let answers: Vec<String> = r.answers[i]
                .iter()
                .map(|(q, v)| format!("{q}={v}"))
                .collect();
            row.push(Cell::text(answers.join("; ")));
            rows.push(row);
        }
    }
    let mut h = headers(&[
        "gemeentecode",
        "gemeente",
        "meting",
        "enquête",
        "interview",
        "eerder als",
    ]);
    h.extend((1..=8).map(|l| format!("passages AL{l}")));
    h.push("antwoorden (vraag=code)".into());
    Sheet {
        name: "golven_panel",
        headers: h,
        rows,
    }
}

fn wave_codes(c: &pokeval_analysis::waves::Comparison) -> Sheet {
    let mut rows = Vec::new();
    for r in &c.codes {
        for w in &r.waves {
            rows.push(vec![
                Cell::text(r.id.clone()),
                Cell::text(r.label.clone()),
                Cell::text(if r.is_action_line {
                    "actielijn"
                } else {
                    "code"
                }),
                Cell::Number(f64::from(w.wave.year())),
                Cell::Number(w.passages as f64),
                Cell::Number(w.sources as f64),
                Cell::Number(w.municipalities as f64),
                w.per_source.map_or(Cell::text(""), Cell::Number),
                Cell::text(match r.status {
                    pokeval_analysis::waves::CodeStatus::New => "nieuw",
                    pokeval_analysis::waves::CodeStatus::Vanished => "verdwenen",
                    pokeval_analysis::waves::CodeStatus::Continued => "doorlopend",
                    pokeval_analysis::waves::CodeStatus::Absent => "niet gecodeerd",
                }),
            ]);
        }
    }
    Sheet {
        name: "golven_codes",
        headers: headers(&[
            "code",
            "naam",
            "niveau",
            "meting",
            "passages",
            "bronnen",
            "gemeenten",
            "passages per bron",
            "ontwikkeling",
        ]),
        rows,
    }
}

/// Sort key of a quote row: source order, span start, segment, code.
type QuoteKey<'a> = (usize, usize, &'a str, &'a str);

fn quotes(p: &Prepared) -> Sheet {
    let depth = p
        .codebook
        .codes
        .iter()
        .map(|c| p.codebook.path_labels(&c.id).len())
        .max()
        .unwrap_or(1);
    let mut headers: Vec<String> = [
        "bron",
        "soort",
        "gemeentecode",
        "gemeente",
        "provincie",
        "grootteklasse",
        "passage",
        "begin",
        "eind",
        "code",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect();
    headers.extend((1..=depth).map(|i| format!("codeniveau {i}")));
    headers.extend(["toegekend door".to_string(), "tekst".to_string()]);
    let sources: BTreeMap<&str, &pokeval_model::Source> = p
        .inputs
        .sources
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    // one row per segment and code, with everyone who applied it
    let mut rows: BTreeMap<QuoteKey, (Vec<&str>, &pokeval_analysis::Coding)> = BTreeMap::new();
    let order: BTreeMap<&str, usize> = p
        .inputs
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    for c in &p.analysis.codings {
        let who = match &c.origin {
            Origin::Rule { .. } => "regels",
            Origin::Manual { coder } => &**coder,
        };
        let key = (
            order.get(&*c.source).copied().unwrap_or(usize::MAX),
            c.span.start,
            &*c.segment,
            &*c.code,
        );
        let e = rows.entry(key).or_insert_with(|| (Vec::new(), c));
        if !e.0.contains(&who) {
            e.0.push(who);
        }
    }
    let quotes: Vec<&str> = rows
        .values()
        .map(|(_, c)| {
            sources
                .get(&*c.source)
                .and_then(|s| c.span.slice(&s.text))
                .unwrap_or("")
        })
        .collect();
    // Sources are pseudonymised when read; this second pass only guards
    // against a quote that still holds structured data.
    let (quotes, _) =
        pokeval_ingest::privacy::pseudonymise(&[], &quotes, &pokeval_model::NoProgress);
    let out = rows
        .into_values()
        .zip(quotes)
        .map(|((who, c), quote)| {
            let src = sources.get(&*c.source);
            let muni = src
                .and_then(|s| s.municipality.as_deref())
                .and_then(|m| p.inputs.register.get(m));
            let text = src.and_then(|s| c.span.slice(&s.text)).unwrap_or("");
            let mut row = vec![
                Cell::text(&*c.source),
                Cell::text(src.map_or("", |s| s.kind.label())),
                Cell::text(muni.map_or(String::new(), |m| m.code.clone())),
                Cell::text(muni.map_or(String::new(), |m| m.name.clone())),
                Cell::text(muni.map_or(String::new(), |m| m.province.clone())),
                muni.map_or(Cell::Text(String::new()), |m| {
                    Cell::Number(f64::from(m.size_class.code()))
                }),
                Cell::text(c.segment.rsplit('#').next().unwrap_or("")),
                Cell::Number(c.span.start as f64),
                Cell::Number(c.span.end as f64),
                Cell::text(&*c.code),
            ];
            let path = p.codebook.path_labels(&c.code);
            row.extend((0..depth).map(|i| Cell::text(path.get(i).cloned().unwrap_or_default())));
            row.push(Cell::text(who.join(", ")));
            row.push(Cell::text(quote.unwrap_or_else(|| text.to_string())));
            row
        })
        .collect();
    Sheet {
        name: "citaten",
        headers,
        rows: out,
    }
}

fn crosstab_sheet(
    name: &'static str,
    first: &str,
    tab: &pokeval_analysis::tables::CrossTab,
) -> Sheet {
    let mut headers = vec![first.to_string(), "code".to_string()];
    headers.extend(tab.columns.iter().cloned());
    let rows = tab
        .rows
        .iter()
        .zip(&tab.counts)
        .map(|(cat, counts)| {
            let mut row = vec![Cell::text(cat.id.clone()), Cell::text(cat.path.join(" > "))];
            row.extend(counts.iter().map(|n| Cell::Number(*n as f64)));
            row
        })
        .collect();
    Sheet {
        name,
        headers,
        rows,
    }
}

fn code_by_municipality(p: &Prepared) -> Sheet {
    crosstab_sheet(
        "code_x_gemeente",
        "code_id",
        &p.analysis.codes_by_municipality,
    )
}

fn code_by_size_class(p: &Prepared) -> Sheet {
    crosstab_sheet(
        "code_x_grootteklasse",
        "code_id",
        &p.analysis.codes_by_size_class,
    )
}

fn respondent_matrix(p: &Prepared) -> Sheet {
    let m = &p.analysis.respondent_matrix;
    let mut headers = vec![
        "respondent".to_string(),
        "soort".to_string(),
        "gemeentecode".to_string(),
    ];
    headers.extend(m.codes.iter().cloned());
    let rows = m
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                Cell::text(r.respondent.clone()),
                Cell::text(r.kind.label()),
                Cell::text(r.municipality.clone().unwrap_or_default()),
            ];
            row.extend(r.values.iter().map(|v| Cell::Number(f64::from(*v))));
            row
        })
        .collect();
    Sheet {
        name: "respondent_x_code",
        headers,
        rows,
    }
}

fn survey(p: &Prepared) -> Sheet {
    let headers = [
        "vraag",
        "vraagtekst",
        "code",
        "antwoord",
        "weet niet / n.v.t.",
        "aantal",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect();
    let rows = p
        .analysis
        .survey
        .iter()
        .flat_map(|q| {
            q.options.iter().map(move |o| {
                vec![
                    Cell::text(q.question.clone()),
                    Cell::text(q.text.clone()),
                    Cell::text(o.code.clone()),
                    Cell::text(o.label.clone()),
                    Cell::text(if o.missing { "ja" } else { "nee" }),
                    Cell::Number(o.count as f64),
                ]
            })
        })
        .collect();
    Sheet {
        name: "enquete",
        headers,
        rows,
    }
}

/// All tables as one xlsx workbook.
pub fn xlsx(p: &Prepared) -> Result<Vec<u8>> {
    let err = Error::Sheet;
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 1, 1).map_err(err)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_title(&p.project.config.name),
    );
    let bold = Format::new().set_bold();
    for sheet in sheets(p) {
        let ws = wb.add_worksheet();
        ws.set_name(sheet.name).map_err(err)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, neutralise(h), &bold)
                .map_err(err)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                match cell {
                    Cell::Text(t) => ws.write_string(r, c, t).map(|_| ()).map_err(err)?,
                    Cell::Number(n) => ws.write_number(r, c, *n).map(|_| ()).map_err(err)?,
                }
            }
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

/// One CSV text per table, named `<table>.csv`.
pub fn csv_files(p: &Prepared) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for sheet in sheets(p) {
        let mut w = csv::Writer::from_writer(Vec::new());
        let werr = |e: csv::Error| Error::csv("table CSV", e);
        w.write_record(sheet.headers.iter().map(|h| neutralise(h)))
            .map_err(werr)?;
        for row in &sheet.rows {
            w.write_record(row.iter().map(Cell::csv)).map_err(werr)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| Error::csv("table CSV", e.into_error()))?;
        out.push((format!("{}.csv", sheet.name), bytes));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_neutralised() {
        assert_eq!(neutralise("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(neutralise("+31 6 1234"), "'+31 6 1234");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("@cmd"), "'@cmd");
        assert_eq!(neutralise("Gewone tekst = prima"), "Gewone tekst = prima");
        assert_eq!(Cell::Number(-2.0).csv(), "-2");
    }
}
