//! The municipality register: CBS code, name, province, inhabitants and size
//! class, plus the aliases people type.
//!
//! The register is a CSV with at least the columns `gemeentecode`,
//! `gemeentenaam`, `provincienaam` and `inwoners` (the layout of the CBS
//! municipality tables, so a CBS export works as it is), an optional
//! `aliassen` column with `;`-separated alternative names and optional `lon`
//! and `lat` columns (degrees) for point maps. Other columns are
//! ignored. The size class is computed from `inwoners` with the CBS bounds.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::domain::{field_error, validate_cbs_code, Municipality, SizeClass};
use crate::error::Result;
use crate::table::CsvTable;
use crate::text::name_key;

/// Why a municipality cannot join a register.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// The CBS code is in the register already.
    #[error("{0} appears twice in the register")]
    Code(String),
    /// A name or alias (as its name key) already names another municipality.
    #[error("the name or alias '{key}' of {code} is also used by {other}")]
    Name {
        /// The name key both share.
        key: String,
        /// The municipality being added.
        code: String,
        /// The municipality that has the name already.
        other: String,
    },
}

/// The municipalities a project knows, with a name index for resolution.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Register {
    municipalities: Vec<Municipality>,
    #[serde(skip)]
    by_code: HashMap<String, usize>,
    #[serde(skip)]
    by_key: HashMap<String, usize>,
}

impl Register {
    /// Reads a register CSV. Duplicate codes, an alias that points to two
    /// municipalities and invalid numbers are errors naming the line.
    pub fn load(path: &Path) -> Result<Register> {
        let table = CsvTable::read(path)?;
        let code_col = table.require(
            "gemeentecode",
            "the register needs the CBS code (GM0363) of each municipality",
        )?;
        let name_col = table.require(
            "gemeentenaam",
            "the register needs the name of each municipality",
        )?;
        let prov_col = table.require(
            "provincienaam",
            "the register needs the province of each municipality",
        )?;
        let inh_col = table.require(
            "inwoners",
            "the register needs the number of inhabitants (for the size class)",
        )?;
        let alias_col = table.column("aliassen");
        let (lon_col, lat_col) = (table.column("lon"), table.column("lat"));
        let mut reg = Register::default();
        for row in table.rows() {
            let code = row.get(code_col).trim().to_string();
            validate_cbs_code(&code)
                .map_err(|m| field_error(path, Some(row.line), "gemeentecode", m.to_string()))?;
            let name = row.get(name_col).trim().to_string();
            if name.is_empty() {
                return Err(field_error(
                    path,
                    Some(row.line),
                    "gemeentenaam",
                    "empty name",
                ));
            }
            let inhabitants: u64 = row
                .get(inh_col)
                .trim()
                .replace(['.', ' '], "")
                .parse()
                .map_err(|_| {
                    field_error(
                        path,
                        Some(row.line),
                        "inwoners",
                        format!(
                            "'{}' is not a whole number of inhabitants",
                            row.get(inh_col)
                        ),
                    )
                })?;
            let aliases: Vec<String> = alias_col
                .map(|c| {
                    row.get(c)
                        .split(';')
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let coord = |c: Option<usize>, field: &str| -> Result<Option<f64>> {
                match c.map(|c| row.get(c).trim()).filter(|v| !v.is_empty()) {
                    None => Ok(None),
                    Some(v) => crate::table::parse_number(v).map(Some).ok_or_else(|| {
                        field_error(
                            path,
                            Some(row.line),
                            field,
                            format!("'{v}' is not a coordinate in degrees"),
                        )
                    }),
                }
            };
            let location = match (coord(lon_col, "lon")?, coord(lat_col, "lat")?) {
                (Some(lon), Some(lat)) => Some((lon, lat)),
                _ => None,
            };
            let m = Municipality {
                location,
                code,
                name,
                province: row.get(prov_col).trim().to_string(),
                inhabitants,
                size_class: SizeClass::for_inhabitants(inhabitants),
                aliases,
            };
            reg.insert(m).map_err(|msg| {
                field_error(path, Some(row.line), "gemeentecode", msg.to_string())
            })?;
        }
        Ok(reg)
    }

    /// Adds a municipality, indexing its name and aliases.
    pub fn insert(&mut self, m: Municipality) -> std::result::Result<(), Conflict> {
        if self.by_code.contains_key(&m.code) {
            return Err(Conflict::Code(m.code));
        }
        let idx = self.municipalities.len();
        let mut keys = vec![name_key(&m.name)];
        keys.extend(m.aliases.iter().map(|a| name_key(a)));
        for key in keys {
            if let Some(&other) = self.by_key.get(&key) {
                if other != idx {
                    return Err(Conflict::Name {
                        key,
                        code: m.code,
                        other: self.municipalities[other].code.clone(),
                    });
                }
            }
            self.by_key.insert(key, idx);
        }
        self.by_code.insert(m.code.clone(), idx);
        self.municipalities.push(m);
        Ok(())
    }

    /// How many municipalities it holds.
    pub fn len(&self) -> usize {
        self.municipalities.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.municipalities.is_empty()
    }

    /// The municipalities in register order.
    pub fn iter(&self) -> impl Iterator<Item = &Municipality> {
        self.municipalities.iter()
    }

    /// The municipality with CBS code `code`.
    pub fn get(&self, code: &str) -> Option<&Municipality> {
        self.by_code.get(code).map(|&i| &self.municipalities[i])
    }

    /// Resolves free text to a municipality: a CBS code (`GM0363` or `0363`),
    /// the name or an alias, ignoring case, accents, punctuation and a leading
    /// "gemeente". Returns `None` when nothing matches exactly.
    pub fn resolve(&self, text: &str) -> Option<&Municipality> {
        let t = text.trim();
        let upper = t.to_uppercase();
        if let Some(m) = self.get(&upper) {
            return Some(m);
        }
        if t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()) {
            if let Some(m) = self.get(&format!("GM{t}")) {
                return Some(m);
            }
        }
        self.by_key
            .get(&name_key(t))
            .map(|&i| &self.municipalities[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn register(text: &str) -> Result<Register> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        Register::load(f.path())
    }

    #[test]
    fn resolves_names_aliases_and_codes() {
        let reg = register(
            "gemeentecode,gemeentenaam,provincienaam,inwoners,aliassen\n\
             GM0796,'s-Hertogenbosch,Noord-Brabant,160000,Den Bosch;'s Hertogenbosch\n\
             GM1900,Súdwest-Fryslân,Fryslân,90000,\n",
        )
        .unwrap();
        assert_eq!(reg.len(), 2);
        assert_eq!(reg.resolve("den bosch").unwrap().code, "GM0796");
        assert_eq!(
            reg.resolve("Gemeente Sudwest Fryslan").unwrap().code,
            "GM1900"
        );
        assert_eq!(reg.resolve("gm0796").unwrap().name, "'s-Hertogenbosch");
        assert_eq!(reg.resolve("1900").unwrap().size_class.code(), 5);
        assert!(reg.resolve("Rotterdam").is_none());
    }

    #[test]
    fn bad_rows_name_the_line_and_field() {
        let err = register("gemeentecode,gemeentenaam,provincienaam,inwoners\nGM0796,X,Y,veel\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("inwoners"), "{err}");
        let err = register("gemeentecode,gemeentenaam,provincienaam\nGM0796,X,Y\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing column 'inwoners'"), "{err}");
        let err = register(
            "gemeentecode,gemeentenaam,provincienaam,inwoners\nGM0796,X,Y,1\nGM0796,Z,Y,2\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 3") && err.contains("twice"), "{err}");
    }
}
