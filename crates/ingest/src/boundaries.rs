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

/// What to do about a boundaries file that cannot be used.
const BOUNDARIES_HINT: &str = "give [register] boundaries a GeoJSON FeatureCollection of municipality (multi)polygons in WGS84 lon/lat with a statcode property per feature (PDOK's CBS gebiedsindelingen, requested with srsName=EPSG:4326), or remove the setting to use the built-in CBS outlines";

/// The outlines in a GeoJSON FeatureCollection; `path` names it in errors,
/// each of which says what to do ([`BOUNDARIES_HINT`]).
fn parse(text: &str, path: &Path) -> Result<Vec<Boundary>> {
    let bad = |what: String| Error::Malformed {
        path: path.into(),
        format: "GeoJSON",
        message: format!("{what}; {BOUNDARIES_HINT}"),
    };
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not valid GeoJSON: {e}")))?;
    let features = json
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or_else(|| bad("not a GeoJSON FeatureCollection (no \"features\")".into()))?;
    let mut out = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let props = f.get("properties");
        let code = ["statcode", "gemeentecode", "code"]
            .iter()
            .find_map(|k| props.and_then(|p| p.get(*k)).and_then(|v| v.as_str()))
            .ok_or_else(|| bad(format!("feature {i} has no statcode property")))?;
        let geom = f
            .get("geometry")
            .ok_or_else(|| bad(format!("feature {i} ({code}) has no geometry")))?;
        let coords = geom.get("coordinates").and_then(|c| c.as_array());
        // the outer ring of each polygon; a ring that is no list of
        // [lon, lat] pairs is an error, not a polygon left out
        let outer = |polygon: Option<&Vec<serde_json::Value>>| {
            polygon
                .and_then(|rings| rings.first())
                .and_then(ring)
                .ok_or_else(|| {
                    bad(format!(
                        "feature {i} ({code}): a polygon's coordinates are not [lon, lat] pairs"
                    ))
                })
        };
        let rings: Vec<Vec<(f64, f64)>> = match geom.get("type").and_then(|t| t.as_str()) {
            Some("Polygon") => vec![outer(coords)?],
            Some("MultiPolygon") => coords
                .map(|polys| {
                    polys
                        .iter()
                        .map(|p| outer(p.as_array()))
                        .collect::<Result<Vec<_>>>()
                })
                .transpose()?
                .unwrap_or_default(),
            other => {
                return Err(bad(format!(
                    "feature {i} ({code}): geometry {other:?} is not a (multi)polygon"
                )))
            }
        };
        if rings.is_empty() {
            return Err(bad(format!("feature {i} ({code}) has no coordinates")));
        }
        // RD New (EPSG:28992) metres, PDOK's default, are far outside lon/lat
        if let Some(&(x, y)) = rings
            .iter()
            .flatten()
            .find(|(x, y)| x.abs() > 180.0 || y.abs() > 90.0)
        {
            return Err(bad(format!(
                "feature {i} ({code}): coordinate ({x}, {y}) is not a longitude and latitude (metres in RD New, EPSG:28992?)"
            )));
        }
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
    fn a_boundaries_file_that_cannot_be_used_says_why_and_what_to_do() {
        let feature = |geometry: &str| {
            format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"statcode":"GM0363"}},"geometry":{geometry}}}]}}"#
            )
        };
        for (text, says) in [
            ("{".to_string(), "not valid GeoJSON"),
            ("{}".to_string(), "no \"features\""),
            // RD New metres, as PDOK gives by default
            (
                feature(
                    r#"{"type":"Polygon","coordinates":[[[121000,487000],[122000,487000],[122000,488000],[121000,487000]]]}"#,
                ),
                "RD New",
            ),
            (
                feature(
                    r#"{"type":"MultiPolygon","coordinates":[[[[4.9,52.3],[5.0,52.3],[5.0,52.4]]],[["x"]]]}"#,
                ),
                "not [lon, lat] pairs",
            ),
            (
                feature(r#"{"type":"Point","coordinates":[4.9,52.3]}"#),
                "not a (multi)polygon",
            ),
        ] {
            let err = parse(&text, Path::new("grenzen.geojson"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("grenzen.geojson")
                    && err.contains(says)
                    && err.contains("srsName=EPSG:4326")
                    && err.contains("built-in CBS outlines"),
                "{says}: {err}"
            );
        }
    }

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
