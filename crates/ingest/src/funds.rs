//! Reference tables about money: the planned funds per action line, route and
//! year (Tabel 1 of the first report), and the list of POK-vouchers.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use pokeval_model::error::{Error, Result};
use pokeval_model::table::{parse_number, CsvTable};
use pokeval_model::{field_error, ActionLine, Register, Reject, RejectKind, Resolver, Route};

/// One row of the funds table: an action line paid through one route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundsRow {
    /// The payment route.
    pub route: Route,
    /// The action line.
    pub action_line: ActionLine,
    /// EUR million per year, aligned with [`FundsTable::years`]; `None` where
    /// the table has an empty cell (nothing planned).
    pub amounts: Vec<Option<f64>>,
    /// Per year, the number of a change note the amount carries ("10 (1)"
    /// in the CSV: the amount changed after the plan, explained under note
    /// 1 in the report's text, as AEF marks Tabel 1). Empty when no cell
    /// of the row has one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Option<u8>>,
}

/// Planned funds per action line, route and year, in EUR million.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundsTable {
    /// The years of the table's columns.
    pub years: Vec<u16>,
    /// One row per route and action line.
    pub rows: Vec<FundsRow>,
}

impl FundsTable {
    /// Reads a wide CSV: columns `route`, `actielijn` and one column per year
    /// (`2021`, `2022`, ...) with amounts in EUR million; an empty cell means
    /// nothing planned. A route/action-line pair may appear only once.
    pub fn load(path: &Path) -> Result<FundsTable> {
        let table = CsvTable::read(path)?;
        let route_col = table.require("route", "name the payment route of each row (Rijksbegroting BZK, DU gemeentefonds, AU gemeentefonds)")?;
        let al_col = table.require("actielijn", "give the action line (1-8) of each row")?;
        let year_cols: Vec<(usize, u16)> = table
            .headers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                (h.len() == 4 && h.chars().all(|c| c.is_ascii_digit()))
                    .then(|| h.parse().ok().map(|y| (i, y)))
                    .flatten()
            })
            .collect();
        if year_cols.is_empty() {
            return Err(Error::MissingColumn {
                path: path.to_path_buf(),
                column: "2021 (a year)".into(),
                hint: "the funds table needs one column per year, headed by the year".into(),
            });
        }
        let mut seen = BTreeSet::new();
        let mut rows = Vec::new();
        for row in table.rows() {
            let route_text = row.get(route_col);
            let route = Route::parse(route_text).ok_or_else(|| {
                field_error(path, Some(row.line), "route", format!("unknown route '{route_text}'; use Rijksbegroting BZK, DU gemeentefonds or AU gemeentefonds"))
            })?;
            let al_text = row.get(al_col).trim();
            let action_line = al_text
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse::<u8>().ok())
                .ok_or_else(|| format!("'{al_text}' is not an action line number"))
                .and_then(|n| ActionLine::new(n).map_err(|e| e.to_string()))
                .map_err(|m| field_error(path, Some(row.line), "actielijn", m))?;
            if !seen.insert((route, action_line)) {
                return Err(field_error(
                    path,
                    Some(row.line),
                    "actielijn",
                    format!(
                        "action line {} via {} appears twice; merge the rows",
                        action_line.number(),
                        route.label()
                    ),
                ));
            }
            let mut amounts = Vec::new();
            let mut marks = Vec::new();
            for &(col, year) in &year_cols {
                let cell = row.get(col).trim();
                if cell.is_empty() || cell == "-" {
                    amounts.push(None);
                    marks.push(None);
                    continue;
                }
                let (number, mark) = split_mark(cell).map_err(|m| {
                    field_error(path, Some(row.line), &year.to_string(), m.to_string())
                })?;
                let v = parse_number(number).filter(|v| *v >= 0.0).ok_or_else(|| {
                    field_error(
                        path,
                        Some(row.line),
                        &year.to_string(),
                        format!("'{cell}' is not an amount in EUR million (a changed amount may carry its note number: '10 (1)')"),
                    )
                })?;
                amounts.push(Some(v));
                marks.push(mark);
            }
            if marks.iter().all(Option::is_none) {
                marks.clear();
            }
            rows.push(FundsRow {
                route,
                action_line,
                amounts,
                marks,
            });
        }
        if rows.is_empty() {
            return Err(Error::Empty {
                path: path.into(),
                what: "the funds table has no rows".into(),
            });
        }
        Ok(FundsTable {
            years: year_cols.iter().map(|&(_, y)| y).collect(),
            rows,
        })
    }
}

/// One POK-voucher (the one-off support budget of up to EUR 10,000).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Voucher {
    /// The municipality's CBS code.
    pub municipality: String,
    /// The date of the voucher (yyyy-mm-dd).
    pub date: String,
    /// The amount in euro.
    pub amount: f64,
    /// The theme it was given for.
    pub theme: String,
}

/// The maximum amount of one voucher.
pub const VOUCHER_MAX: f64 = 10_000.0;

/// Reads the vouchers list: columns `gemeentecode` (or `gemeente` as a name),
/// `datum`, `bedrag` (EUR) and `thema`. Rows whose municipality is unknown or
/// whose amount is invalid are rejected with a reason, not dropped.
pub fn load_vouchers(path: &Path, resolver: &Resolver) -> Result<(Vec<Voucher>, Vec<Reject>)> {
    let table = CsvTable::read(path)?;
    let code_col = table.column("gemeentecode");
    let name_col = table.column("gemeente");
    if code_col.is_none() && name_col.is_none() {
        return Err(Error::MissingColumn {
            path: path.to_path_buf(),
            column: "gemeentecode".into(),
            hint:
                "each voucher needs its municipality, as CBS code (gemeentecode) or name (gemeente)"
                    .into(),
        });
    }
    let date_col = table.require("datum", "give the date of each voucher (YYYY-MM-DD)")?;
    let amount_col = table.require("bedrag", "give the amount of each voucher in euros")?;
    let theme_col = table.require("thema", "give the theme each voucher was used for")?;
    let mut vouchers = Vec::new();
    let mut rejects = Vec::new();
    let file = path.display().to_string();
    for row in table.rows() {
        let key = code_col
            .map(|c| row.get(c))
            .filter(|v| !v.trim().is_empty())
            .or_else(|| name_col.map(|c| row.get(c)))
            .unwrap_or("");
        let m = match resolver.accept_exact(key) {
            Ok(m) => m,
            Err(reason) => {
                rejects.push(Reject::new(
                    &file,
                    row.line,
                    RejectKind::Municipality,
                    reason.to_string(),
                ));
                continue;
            }
        };
        let amount_text = row.get(amount_col);
        let amount = match parse_number(amount_text) {
            Some(a) if a > 0.0 && a <= VOUCHER_MAX => a,
            Some(a) if a > VOUCHER_MAX => {
                rejects.push(Reject::new(
                    &file,
                    row.line,
                    RejectKind::InvalidAmount,
                    format!("amount {a} exceeds the voucher maximum of EUR 10.000"),
                ));
                continue;
            }
            _ => {
                rejects.push(Reject::new(
                    &file,
                    row.line,
                    RejectKind::InvalidAmount,
                    format!("amount '{amount_text}' is not a positive number of euros"),
                ));
                continue;
            }
        };
        vouchers.push(Voucher {
            municipality: m.code.clone(),
            date: row.get(date_col).trim().to_string(),
            amount,
            theme: row.get(theme_col).trim().to_string(),
        });
    }
    Ok((vouchers, rejects))
}

/// How many municipalities the country has per size class and province.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Population {
    /// Municipalities per CBS size class.
    pub size_classes: std::collections::BTreeMap<u8, usize>,
    /// Municipalities per province.
    pub provinces: std::collections::BTreeMap<String, usize>,
}

/// Reads a population table: columns `indeling` (`grootteklasse` or
/// `provincie`), `code` (the class number or the province name) and `aantal`.
pub fn load_population(path: &Path) -> Result<Population> {
    let table = CsvTable::read(path)?;
    let kind = table.require(
        "indeling",
        "say per row whether it counts a size class (grootteklasse) or a province (provincie)",
    )?;
    let code = table.require("code", "give the size class number or the province name")?;
    let count = table.require("aantal", "give the number of municipalities")?;
    let mut pop = Population::default();
    for row in table.rows() {
        let n: usize = row.get(count).trim().parse().map_err(|_| {
            field_error(
                path,
                Some(row.line),
                "aantal",
                format!("'{}' is not a whole number", row.get(count)),
            )
        })?;
        match row.get(kind).trim() {
            "grootteklasse" => {
                let c: u8 = row
                    .get(code)
                    .trim()
                    .parse()
                    .ok()
                    .filter(|c| (1..=8).contains(c))
                    .ok_or_else(|| {
                        field_error(
                            path,
                            Some(row.line),
                            "code",
                            format!("'{}' is not a size class (1-8)", row.get(code)),
                        )
                    })?;
                pop.size_classes.insert(c, n);
            }
            "provincie" => {
                pop.provinces.insert(row.get(code).trim().to_string(), n);
            }
            other => {
                return Err(field_error(
                    path,
                    Some(row.line),
                    "indeling",
                    format!("'{other}' is neither grootteklasse nor provincie"),
                ));
            }
        }
    }
    Ok(pop)
}

/// A municipality's share (percent) of the national total of the two AU
/// clusters through which action lines 2-5 are paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterShare {
    /// The municipality's CBS code.
    pub municipality: String,
    /// Share of cluster Bestuur en Ondersteuning (action lines 2 and 3), percent.
    pub bestuur_en_ondersteuning: f64,
    /// Share of cluster Sociale Basisvoorzieningen (action lines 4 and 5), percent.
    pub sociale_basisvoorzieningen: f64,
}

/// Reads the cluster-share table: `gemeentecode`, `bestuur_en_ondersteuning`,
/// `sociale_basisvoorzieningen` (percent of the national cluster total).
/// Unknown municipalities and invalid shares are rejected with a reason.
pub fn load_allocation(
    path: &Path,
    register: &Register,
) -> Result<(Vec<ClusterShare>, Vec<Reject>)> {
    let table = CsvTable::read(path)?;
    let code = table.require("gemeentecode", "give the CBS code of each municipality")?;
    let bo = table.require(
        "bestuur_en_ondersteuning",
        "give the share (percent) of cluster Bestuur en Ondersteuning",
    )?;
    let sbv = table.require(
        "sociale_basisvoorzieningen",
        "give the share (percent) of cluster Sociale Basisvoorzieningen",
    )?;
    let file = path.display().to_string();
    let mut shares = Vec::new();
    let mut rejects = Vec::new();
    for row in table.rows() {
        let Some(m) = register.resolve(row.get(code)) else {
            rejects.push(Reject::new(
                &file,
                row.line,
                RejectKind::Municipality,
                format!("municipality '{}' is not in the register", row.get(code)),
            ));
            continue;
        };
        let pct = |c: usize| parse_number(row.get(c)).filter(|v| (0.0..=100.0).contains(v));
        match (pct(bo), pct(sbv)) {
            (Some(a), Some(b)) => shares.push(ClusterShare {
                municipality: m.code.clone(),
                bestuur_en_ondersteuning: a,
                sociale_basisvoorzieningen: b,
            }),
            _ => rejects.push(Reject::new(
                &file,
                row.line,
                RejectKind::InvalidValue,
                "the shares must be percentages between 0 and 100",
            )),
        }
    }
    Ok((shares, rejects))
}

/// Splits a funds cell into its amount and the number of its change note:
/// "10 (1)" gives ("10", Some(1)), "10" gives ("10", None).
fn split_mark(cell: &str) -> std::result::Result<(&str, Option<u8>), BadMark> {
    let Some(inner) = cell.strip_suffix(')') else {
        return Ok((cell, None));
    };
    let Some((number, mark)) = inner.rsplit_once('(') else {
        return Err(BadMark::Unopened(cell.to_string()));
    };
    match mark.trim().parse::<u8>() {
        Ok(n) if n >= 1 => Ok((number.trim(), Some(n))),
        _ => Err(BadMark::Number(cell.to_string())),
    }
}

/// Why a funds cell's change note cannot be read.
#[derive(Debug, thiserror::Error)]
enum BadMark {
    /// A closing bracket without an opening one.
    #[error("'{0}' has a ')' without '('; write a changed amount as '10 (1)'")]
    Unopened(String),
    /// The note number is not a whole number from 1 to 255.
    #[error(
        "'{0}': the note number in brackets must be a whole number from 1 to 255, as in '10 (1)'"
    )]
    Number(String),
}
