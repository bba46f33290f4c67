//! Municipality boundaries from a GeoJSON file (WGS84), for the story map.
//! Features are matched to the register on `statcode` (or `gemeentecode`,
//! `code`); polygons and multipolygons are read, holes ignored.

use std::path::Path;

use pokeval_model::error::{Error, Result};

pub use pokeval_model::Boundary;

fn ring(v: &serde_json::Value) -> Option<Vec<(f64, f64)>> {
    v.as_array()?
        .iter()
        .map(|p| {
            let p = p.as_array()?;
            Some((p.first()?.as_f64()?, p.get(1)?.as_f64()?))
        })
        .collect()
}

/// Reads the boundaries in a GeoJSON FeatureCollection.
pub fn load(path: &Path) -> Result<Vec<Boundary>> {
    let text = pokeval_model::text::read_text(path)?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::invalid(path, format!("not valid GeoJSON: {e}")))?;
    let features = json
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or_else(|| Error::invalid(path, "not a GeoJSON FeatureCollection (no \"features\")"))?;
    let mut out = Vec::new();
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
