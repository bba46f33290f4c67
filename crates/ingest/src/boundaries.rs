//! Municipality boundaries from a GeoJSON file (WGS84), for the maps.
//! Features are matched to the register on `statcode` (or `gemeentecode`,
//! `code`); polygons and multipolygons are read, holes ignored.
//!
//! Without a file of the project's own, the maps use the CBS boundaries
//! embedded in pokeval ([`embedded`]; `data/BRON.md` says where they come
//! from and what was changed): a report gets a map of the Netherlands
//! without any set-up, as every AEF report has one.

use std::path::Path;

use pokeval_model::error::{Error, Result};

pub use pokeval_model::{Boundaries, Boundary};

/// The attribution the licence (CC BY 4.0) of the embedded boundaries asks for.
pub const CBS_ATTRIBUTION: &str = "Bron gemeentegrenzen: CBS / Kadaster, via PDOK (CC BY 4.0)";

const CBS_2023: &str = include_str!("../data/cbs_gemeenten_2023.geojson");
const CBS_2025: &str = include_str!("../data/cbs_gemeenten_2025.geojson");

/// The embedded CBS boundaries in force on 1 January of `year`, or the
/// latest before it: 2023 up to 2024 (no municipality changed on 1 January
/// 2024), 2025 from then on (none changed on 1 January 2026 either).
pub fn embedded(year: u16) -> Boundaries {
    let (text, name) = if year >= 2025 {
        (CBS_2025, "cbs_gemeenten_2025.geojson")
    } else {
        (CBS_2023, "cbs_gemeenten_2023.geojson")
    };
    let outlines = match parse(text, Path::new(name)) {
        Ok(o) => o,
        // the files are part of the binary and checked by a test
        Err(e) => unreachable!("embedded boundaries {name}: {e}"),
    };
    Boundaries {
        outlines,
        attribution: CBS_ATTRIBUTION.to_string(),
    }
}

/// A project's own boundaries file, with `source` (or else the file's
/// name) as the attribution printed under the map.
pub fn load(path: &Path, source: Option<&str>) -> Result<Boundaries> {
    let text = pokeval_model::text::read_text(path)?;
    let outlines = parse(&text, path)?;
    let attribution = match source {
        Some(s) => s.trim().to_string(),
        None => format!(
            "Bron gemeentegrenzen: {}",
            path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ),
    };
    Ok(Boundaries {
        outlines,
        attribution,
    })
}

fn ring(v: &serde_json::Value) -> Option<Vec<(f64, f64)>> {
    v.as_array()?
        .iter()
        .map(|p| {
            let p = p.as_array()?;
            Some((p.first()?.as_f64()?, p.get(1)?.as_f64()?))
        })
        .collect()
}

/// The outlines in a GeoJSON FeatureCollection; `path` names it in errors.
fn parse(text: &str, path: &Path) -> Result<Vec<Boundary>> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid(path, format!("not valid GeoJSON: {e}")))?;
    let features = json
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or_else(|| Error::invalid(path, "not a GeoJSON FeatureCollection (no \"features\")"))?;
    let mut out = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let props = f.get("properties");
        let code = ["statcode", "gemeentecode", "code"]
            .iter()
            .find_map(|k| props.and_then(|p| p.get(*k)).and_then(|v| v.as_str()))
            .ok_or_else(|| Error::invalid(path, format!("feature {i} has no statcode property")))?;
        let geom = f
            .get("geometry")
            .ok_or_else(|| Error::invalid(path, format!("feature {i} ({code}) has no geometry")))?;
        let coords = geom.get("coordinates");
        let rings: Vec<Vec<(f64, f64)>> = match geom.get("type").and_then(|t| t.as_str()) {
            Some("Polygon") => coords
                .and_then(|c| c.as_array())
                .and_then(|r| r.first())
                .and_then(ring)
                .into_iter()
                .collect(),
            Some("MultiPolygon") => coords
                .and_then(|c| c.as_array())
                .map(|polys| {
                    polys
                        .iter()
                        .filter_map(|p| p.as_array()?.first().and_then(ring))
                        .collect()
                })
                .unwrap_or_default(),
            other => {
                return Err(Error::invalid(
                    path,
                    format!("feature {i} ({code}): geometry {other:?} is not a (multi)polygon"),
                ))
            }
        };
        out.push(Boundary {
            code: code.to_string(),
            rings,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_boundaries_hold_all_342_municipalities_of_each_year() {
        for year in [2023, 2024, 2025, 2026] {
            let b = embedded(year);
            assert_eq!(b.outlines.len(), 342, "{year}");
            assert!(b
                .outlines
                .iter()
                .all(|o| o.code.starts_with("GM") && !o.rings.is_empty()));
            // Amsterdam lies where it should (WGS84 lon/lat)
            let ams = b
                .outlines
                .iter()
                .find(|o| o.code == "GM0363")
                .expect("Amsterdam");
            let (lon, lat) = ams.rings[0][0];
            assert!(
                (4.7..5.1).contains(&lon) && (52.2..52.5).contains(&lat),
                "{lon} {lat}"
            );
            assert!(b.attribution.contains("CBS / Kadaster"));
        }
        // the two years are different files
        assert_ne!(embedded(2024).outlines, embedded(2025).outlines);
    }
}
