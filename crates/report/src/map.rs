//! Maps of the Netherlands: municipality outlines coloured by a value, with
//! the story municipalities as named pins that link to their story pages.
//!
//! The outlines are the project's own boundaries file or else the CBS
//! boundaries embedded in pokeval (`pokeval_ingest::boundaries`), so every
//! report has a real map; its source is printed under it
//! ([`Chart::source`]). Without any outlines (a project's file with no
//! features) municipalities with coordinates in the register are dots.
//!
//! Pins are drawn after plotters has drawn the map, as SVG of their own:
//! each is an `<a href="#page">` around its dot and name (clickable in the
//! HTML), and its box is kept in [`Chart::links`] so the PDF can lay a link
//! over the same spot. Names are placed so that they do not overlap each
//! other or another pin: the first free spot of right, left, above, below,
//! then further up or down with a leader line.

use std::collections::HashMap;
use std::fmt::Write as _;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use pokeval_analysis::{Analysis, Participation};
use pokeval_model::{Boundaries, Boundary, Municipality};

use crate::charts::{chart_err, tidy_svg_size, Chart, MapLink, FONT, PALETTE};
use crate::error::{Error, Result};
use crate::format::{format_count, format_eur};

/// What the municipalities of a map are coloured by
/// (`{{ map(colour="...") }}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapColour {
    /// Municipalities with a story page (the default, as in AEF's report).
    Stories,
    /// Municipalities by how they took part: survey, interview, both.
    Participation,
    /// POK-middelen via the algemene uitkering per 1.000 inhabitants.
    FundsPer1000,
}

impl MapColour {
    /// The names the shortcode accepts.
    pub const NAMES: [&'static str; 3] = ["stories", "participation", "funds_per_1000"];

    /// Parses a shortcode value.
    pub fn parse(s: &str) -> Option<MapColour> {
        match s {
            "stories" => Some(MapColour::Stories),
            "participation" => Some(MapColour::Participation),
            "funds_per_1000" => Some(MapColour::FundsPer1000),
            _ => None,
        }
    }
}

/// A story municipality on the map: code, name and the id of its page.
pub struct Pin<'a> {
    /// The municipality's CBS code.
    pub code: &'a str,
    /// Its name.
    pub name: &'a str,
    /// The id of its story page.
    pub target: &'a str,
}

/// Light grey of municipalities without a value.
const GREY: RGBColor = RGBColor(0xe3, 0xe7, 0xec);
/// Pixel size of pin names.
const PIN_FONT: u32 = 17;
/// Radius of a pin's dot.
const PIN_R: f64 = 7.0;
/// Height of one legend line.
const LEGEND_LINE: u32 = 28;

/// The map of `colour` for `analysis`, with `pins` linking to story pages.
pub fn map(analysis: &Analysis, colour: MapColour, pins: &[Pin]) -> Result<Chart> {
    let b = &analysis.boundaries;
    let names: Vec<&str> = pins.iter().map(|p| p.name).collect();
    let pins_alt = if names.is_empty() {
        String::new()
    } else {
        format!(
            " Gemeenten met een verhaal in dit rapport: {}.",
            names.join(", ")
        )
    };
    type Layer<'a> = (
        &'static str,
        String,
        String,
        HashMap<&'a str, RGBColor>,
        Vec<(RGBColor, String)>,
    );
    let (id, title, alt, fill, legend): Layer = match colour {
        MapColour::Stories => {
            let fill: HashMap<&str, RGBColor> = pins.iter().map(|p| (p.code, PALETTE[1])).collect();
            let legend = vec![(
                PALETTE[1],
                format!("gemeente met een verhaal in dit rapport ({})", pins.len()),
            )];
            (
                "story_map",
                "Gemeenten waarvan een verhaal in dit rapport staat".to_string(),
                format!(
                    "Kaart van Nederland{}.{}",
                    outlines_alt(b),
                    if pins.is_empty() {
                        " Dit rapport bevat geen verhalen van gemeenten.".to_string()
                    } else {
                        pins_alt
                    }
                ),
                fill,
                legend,
            )
        }
        MapColour::Participation => {
            let classes = [
                ("enquête en interview", PALETTE[0]),
                ("alleen enquête", PALETTE[1]),
                ("alleen interview", RGBColor(0x9e, 0xc5, 0xe8)),
            ];
            let class_of = |p: &Participation| match (p.respondents > 0, p.interviews > 0) {
                (true, true) => Some(0),
                (true, false) => Some(1),
                (false, true) => Some(2),
                (false, false) => None,
            };
            let mut counts = [0usize; 3];
            let mut fill = HashMap::new();
            for p in &analysis.participation {
                if let Some(k) = class_of(p) {
                    counts[k] += 1;
                    fill.insert(p.municipality.as_str(), classes[k].1);
                }
            }
            let legend: Vec<(RGBColor, String)> = classes
                .iter()
                .zip(counts)
                .map(|((label, c), n)| (*c, format!("{label} ({})", format_count(n))))
                .collect();
            let parts: Vec<String> = classes
                .iter()
                .zip(counts)
                .map(|((label, _), n)| format!("{label}: {} gemeenten", format_count(n)))
                .collect();
            ("participation_map", "Gemeenten naar deelname aan enquête en interviews".to_string(), format!(
                    "Kaart van Nederland{}, gemeenten gekleurd naar deelname. {}; de overige gemeenten deden niet mee.{}",
                    outlines_alt(b),
                    parts.join("; "),
                    pins_alt
                ), fill, legend)
        }
        MapColour::FundsPer1000 => {
            let Some(f) = &analysis.funds_per_municipality else {
                return Err(Error::Chart(
                    "the map by funds per 1.000 inhabitants needs [allocation] in the project file"
                        .into(),
                ));
            };
            let values: Vec<(&str, f64)> = f
                .rows
                .iter()
                .filter(|r| r.per_1000.is_finite())
                .map(|r| (r.municipality.as_str(), r.per_1000))
                .collect();
            let bounds = quartile_bounds(values.iter().map(|(_, v)| *v).collect());
            // light to dark; the lightest still apart from the grey of
            // municipalities without an amount
            let ramp = [
                RGBColor(0xbf, 0xe3, 0xdd),
                RGBColor(0x6c, 0xbd, 0xb1),
                RGBColor(0x25, 0x86, 0x7b),
                PALETTE[0],
            ];
            let class = |v: f64| bounds.iter().take_while(|b| v >= **b).count().min(3);
            let mut counts = [0usize; 4];
            let mut fill = HashMap::new();
            for (code, v) in &values {
                let k = class(*v);
                counts[k] += 1;
                fill.insert(*code, ramp[k]);
            }
            let labels = class_labels(&bounds);
            let legend: Vec<(RGBColor, String)> = ramp
                .iter()
                .zip(&labels)
                .zip(counts)
                .filter(|(_, n)| *n > 0)
                .map(|((c, l), n)| (*c, format!("{l} ({})", format_count(n))))
                .collect();
            let parts: Vec<String> = labels
                .iter()
                .zip(counts)
                .filter(|(_, n)| *n > 0)
                .map(|(l, n)| format!("{l}: {} gemeenten", format_count(n)))
                .collect();
            ("funds_map", format!(
                        "POK-middelen via de algemene uitkering per 1.000 inwoners ({})",
                        f.year
                    ), format!(
                    "Kaart van Nederland{}, gemeenten gekleurd naar POK-middelen per 1.000 inwoners in {}. {}; gemeenten zonder bedrag zijn grijs.{}",
                    outlines_alt(b),
                    f.year,
                    parts.join("; "),
                    pins_alt
                ), fill, legend)
        }
    };
    draw(
        Drawing {
            id,
            title: &title,
            alt,
            fill: &fill,
            legend: &legend,
            pins,
        },
        &analysis.municipalities,
        b,
    )
}

fn outlines_alt(b: &Boundaries) -> &'static str {
    if b.outlines.is_empty() {
        " (punten per gemeente)"
    } else {
        " met gemeentegrenzen"
    }
}

/// The three values that split `values` into four classes of about equal
/// size (lower bound inclusive), rounded to whole tens of euros.
fn quartile_bounds(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<f64> = [1, 2, 3]
        .iter()
        .map(|q| (values[values.len() * q / 4] / 10.0).round() * 10.0)
        .collect();
    out.dedup();
    out
}

/// Legend labels of the classes that `bounds` make.
fn class_labels(bounds: &[f64]) -> Vec<String> {
    let per = " per 1.000 inwoners";
    let mut out = Vec::new();
    match bounds.first() {
        None => out.push(format!("alle bedragen{per}")),
        Some(first) => out.push(format!("minder dan {}{per}", format_eur(*first))),
    }
    for w in bounds.windows(2) {
        out.push(format!(
            "{} tot {}{per}",
            format_eur(w[0]),
            format_eur(w[1])
        ));
    }
    if let Some(last) = bounds.last() {
        out.push(format!("{} of meer{per}", format_eur(*last)));
    }
    out
}

/// What [`draw`] draws.
struct Drawing<'a> {
    id: &'a str,
    title: &'a str,
    alt: String,
    /// Fill per municipality code; the others are grey.
    fill: &'a HashMap<&'a str, RGBColor>,
    /// Legend lines under the map.
    legend: &'a [(RGBColor, String)],
    pins: &'a [Pin<'a>],
}

type MapChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws a map: outlines filled by `d.fill`, a legend strip, and the pins
/// with their links.
fn draw(d: Drawing, municipalities: &[Municipality], boundaries: &Boundaries) -> Result<Chart> {
    let outlines = &boundaries.outlines;
    let room = if d.pins.is_empty() { 0.15 } else { 0.9 };
    let (x0, x1, y0, y1, w, h) = map_frame(municipalities, outlines, room)?;
    let legend_h = if d.legend.is_empty() {
        0
    } else {
        12 + LEGEND_LINE * d.legend.len() as u32
    };
    let fill_of = |code: &str| d.fill.get(code).copied().unwrap_or(GREY);
    let mut svg = String::new();
    let mut pins_at = Vec::with_capacity(d.pins.len());
    // story municipalities with neither an outline nor a lon/lat in the
    // register: named under the map instead of left out without a word
    let mut unplaced: Vec<&str> = Vec::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h + legend_h)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let (plot, strip) = root.split_vertically(h);
        let mut chart = ChartBuilder::on(&plot)
            .margin(6)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(chart_err)?;
        draw_outlines(&mut chart, outlines, fill_of)?;
        if outlines.is_empty() {
            chart
                .draw_series(municipalities.iter().filter_map(|m| {
                    let p = m.location?;
                    Some(match d.fill.get(m.code.as_str()) {
                        Some(c) => Circle::new(p, 7, c.filled()),
                        None => Circle::new(p, 4, GREY.filled()),
                    })
                }))
                .map_err(chart_err)?;
        }
        for (k, (colour, label)) in d.legend.iter().enumerate() {
            let y = 8 + (LEGEND_LINE * k as u32) as i32;
            strip
                .draw(&Rectangle::new([(12, y), (30, y + 18)], colour.filled()))
                .map_err(chart_err)?;
            strip
                .draw(&Rectangle::new([(12, y), (30, y + 18)], BLACK.mix(0.3)))
                .map_err(chart_err)?;
            strip
                .draw(&Text::new(
                    label.clone(),
                    (38, y),
                    (FONT, 21).into_font().color(&BLACK),
                ))
                .map_err(chart_err)?;
        }
        let by_code: HashMap<&str, &Boundary> =
            outlines.iter().map(|b| (b.code.as_str(), b)).collect();
        let located: HashMap<&str, (f64, f64)> = municipalities
            .iter()
            .filter_map(|m| Some((m.code.as_str(), m.location?)))
            .collect();
        for pin in d.pins {
            let at = located
                .get(pin.code)
                .copied()
                .or_else(|| by_code.get(pin.code).and_then(|b| centre(b)));
            match at {
                Some(at) => {
                    let (x, y) = chart.backend_coord(&at);
                    pins_at.push((pin, f64::from(x), f64::from(y)));
                }
                None => unplaced.push(pin.name),
            }
        }
        root.present().map_err(chart_err)?;
    }
    let (pins_svg, links) = place_pins(&pins_at, f64::from(w), f64::from(h));
    let svg = match svg.rfind("</svg>") {
        Some(end) => format!("{}{pins_svg}{}", &svg[..end], &svg[end..]),
        None => return Err(Error::Chart("plotters wrote no closing </svg>".into())),
    };
    Ok(Chart {
        id: d.id.to_string(),
        title: d.title.to_string(),
        alt: d.alt,
        svg: tidy_svg_size(svg, w, h + legend_h),
        links,
        source: Some(if unplaced.is_empty() {
            boundaries.attribution.clone()
        } else {
            format!(
                "{}. Niet op de kaart, omdat hun ligging onbekend is: {}.",
                boundaries.attribution,
                unplaced.join(", ")
            )
        }),
    })
}

/// The mean of an outline's points: inside for the compact shapes of
/// Dutch municipalities (a pin only needs to fall on its municipality).
fn centre(b: &Boundary) -> Option<(f64, f64)> {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
    // the largest ring: islands of a municipality would pull the mean out
    let ring = b.rings.iter().max_by_key(|r| r.len())?;
    for (x, y) in ring {
        sx += x;
        sy += y;
        n += 1.0;
    }
    (n > 0.0).then(|| (sx / n, sy / n))
}

/// An axis-aligned box: x, y, width, height.
#[derive(Debug, Clone, Copy)]
struct Rect(f64, f64, f64, f64);

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.0 < o.0 + o.2 && o.0 < self.0 + self.2 && self.1 < o.1 + o.3 && o.1 < self.1 + self.3
    }
    fn inside(&self, w: f64, h: f64) -> bool {
        self.0 >= 2.0 && self.1 >= 2.0 && self.0 + self.2 <= w - 2.0 && self.1 + self.3 <= h - 2.0
    }
}

/// Width of `text` in pixels at [`PIN_FONT`] (an estimate for a sans-serif
/// face, on the generous side so that names never touch).
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * f64::from(PIN_FONT) * 0.54
}

/// The SVG of the pins (dot, name, leader line where the name had to move
/// away) and their link boxes. Names are placed top to bottom, each at the
/// first candidate spot that overlaps no dot and no name placed before.
fn place_pins(pins: &[(&Pin, f64, f64)], w: f64, h: f64) -> (String, Vec<MapLink>) {
    let mut order: Vec<usize> = (0..pins.len()).collect();
    order.sort_by(|&a, &b| {
        pins[a]
            .2
            .total_cmp(&pins[b].2)
            .then(pins[a].1.total_cmp(&pins[b].1))
            .then(pins[a].0.code.cmp(pins[b].0.code))
    });
    let dots: Vec<Rect> = pins
        .iter()
        .map(|(_, x, y)| Rect(x - PIN_R, y - PIN_R, 2.0 * PIN_R, 2.0 * PIN_R))
        .collect();
    let th = f64::from(PIN_FONT) + 4.0;
    let mut placed: Vec<Rect> = Vec::new();
    let mut svg = String::new();
    let mut links = Vec::new();
    for i in order {
        let (pin, x, y) = pins[i];
        let tw = text_width(pin.name) + 6.0;
        let mut candidates = vec![
            (x + PIN_R + 3.0, y - th / 2.0),
            (x - PIN_R - 3.0 - tw, y - th / 2.0),
            (x - tw / 2.0, y - PIN_R - 2.0 - th),
            (x - tw / 2.0, y + PIN_R + 2.0),
        ];
        for k in 1..=8 {
            let dy = f64::from(k) * (th + 2.0);
            for (dx, sign) in [(x + PIN_R + 14.0, -1.0), (x + PIN_R + 14.0, 1.0)] {
                candidates.push((dx, y - th / 2.0 + sign * dy));
            }
            for sign in [-1.0, 1.0] {
                candidates.push((x - PIN_R - 14.0 - tw, y - th / 2.0 + sign * dy));
            }
        }
        let free = |r: &Rect| {
            r.inside(w, h)
                && !placed.iter().any(|p| p.overlaps(r))
                && !dots
                    .iter()
                    .enumerate()
                    .any(|(j, d)| j != i && d.overlaps(r))
        };
        let (lx, ly) = candidates
            .iter()
            .copied()
            .find(|&(cx, cy)| free(&Rect(cx, cy, tw, th)))
            .unwrap_or(candidates[0]);
        let label = Rect(lx, ly, tw, th);
        placed.push(label);
        let near = (ly + th / 2.0 - y).abs() < th && (lx - x).abs() < tw + PIN_R + 6.0;
        let _ = write!(
            svg,
            "<a href=\"#{}\" tabindex=\"-1\">",
            xml_escape(pin.target)
        );
        if !near {
            // a leader line from the dot to the side of the name facing it
            let ex = if lx > x { lx } else { lx + tw };
            let _ = write!(
                svg,
                "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{ex:.1}\" y2=\"{:.1}\" stroke=\"#1f3a5f\" stroke-width=\"1\"/>",
                ly + th / 2.0
            );
        }
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{PIN_R}\" fill=\"#e76f21\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>\
             <rect x=\"{lx:.1}\" y=\"{ly:.1}\" width=\"{tw:.1}\" height=\"{th:.1}\" fill=\"#ffffff\" fill-opacity=\"0.85\" rx=\"3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-family=\"{FONT}\" font-size=\"{PIN_FONT}\" fill=\"#1f3a5f\" text-decoration=\"underline\">{}</text></a>",
            lx + 3.0,
            ly + th - 6.0,
            xml_escape(pin.name)
        );
        // the link covers the name and the dot
        let x0 = lx.min(x - PIN_R);
        let y0 = ly.min(y - PIN_R);
        let x1 = (lx + tw).max(x + PIN_R);
        let y1 = (ly + th).max(y + PIN_R);
        links.push(MapLink {
            target: pin.target.to_string(),
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        });
    }
    (svg, links)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The extent of a map of `municipalities` (their outlines, or without
/// outlines their points) with `right` degrees of room for names, and the
/// pixel size that keeps the Netherlands' proportions: (x0, x1, y0, y1, w, h).
fn map_frame(
    municipalities: &[Municipality],
    outlines: &[Boundary],
    right: f64,
) -> Result<(f64, f64, f64, f64, u32, u32)> {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    let mut any = false;
    let mut extend = |(x, y): (f64, f64)| {
        any = true;
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    };
    if outlines.is_empty() {
        municipalities
            .iter()
            .filter_map(|m| m.location)
            .for_each(&mut extend);
    } else {
        outlines
            .iter()
            .flat_map(|b| b.rings.iter().flatten().copied())
            .for_each(&mut extend);
    }
    if !any {
        return Err(Error::Chart(
            "the map needs municipality outlines (register.boundaries) or lon/lat columns in the register".into(),
        ));
    }
    let (x0, x1, y0, y1) = (x0 - 0.15, x1 + right, y0 - 0.15, y1 + 0.15);
    // degrees of longitude are shorter than degrees of latitude at 52°N
    let aspect = ((x1 - x0) * 52.2f64.to_radians().cos()) / (y1 - y0);
    let h = 520u32;
    let w = ((f64::from(h) * aspect).round() as u32).max(200);
    Ok((x0, x1, y0, y1, w, h))
}

/// Draws each municipality's outline filled in `fill_of(code)`, with white
/// borders.
fn draw_outlines(
    chart: &mut MapChart,
    outlines: &[Boundary],
    fill_of: impl Fn(&str) -> RGBColor,
) -> Result<()> {
    for b in outlines {
        let fill = fill_of(&b.code);
        chart
            .draw_series(
                b.rings
                    .iter()
                    .map(|r| Polygon::new(r.clone(), fill.filled())),
            )
            .map_err(chart_err)?;
        chart
            .draw_series(
                b.rings
                    .iter()
                    .map(|r| PathElement::new(r.clone(), WHITE.stroke_width(1))),
            )
            .map_err(chart_err)?;
    }
    Ok(())
}

/// A municipality's direction of change on a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Higher than before.
    Up,
    /// The same as before.
    Same,
    /// Lower than before.
    Down,
}

/// A map coloured by change: each municipality in `changes` in the colour
/// of its direction, the others grey; a legend with `labels` (up, same,
/// down) and the number of each.
pub fn change_map(
    id: &str,
    title: &str,
    municipalities: &[Municipality],
    boundaries: &Boundaries,
    changes: &[(String, Direction)],
    labels: [&str; 3],
) -> Result<Chart> {
    let directions = [Direction::Up, Direction::Same, Direction::Down];
    let colour = |d: Direction| match d {
        Direction::Up => PALETTE[1],
        Direction::Same => PALETTE[3],
        Direction::Down => PALETTE[2],
    };
    let fill: HashMap<&str, RGBColor> = changes
        .iter()
        .map(|(c, d)| (c.as_str(), colour(*d)))
        .collect();
    let names: HashMap<&str, &str> = municipalities
        .iter()
        .map(|m| (m.code.as_str(), m.name.as_str()))
        .collect();
    let mut legend = Vec::new();
    let mut parts = Vec::new();
    for (label, d) in labels.iter().zip(directions) {
        let these: Vec<&str> = changes
            .iter()
            .filter(|(_, x)| *x == d)
            .map(|(c, _)| names.get(c.as_str()).copied().unwrap_or(c.as_str()))
            .collect();
        legend.push((colour(d), format!("{label} ({})", these.len())));
        parts.push(format!(
            "{label}: {}",
            if these.is_empty() {
                "geen".to_string()
            } else {
                these.join(", ")
            }
        ));
    }
    draw(
        Drawing {
            id,
            title,
            alt: format!(
                "Kaart van Nederland, gemeenten gekleurd naar verandering. {}.",
                parts.join("; ")
            ),
            fill: &fill,
            legend: &legend,
            pins: &[],
        },
        municipalities,
        boundaries,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(name: &str) -> Pin<'_> {
        Pin {
            code: name,
            name,
            target: name,
        }
    }

    #[test]
    fn a_story_municipality_without_a_place_is_named_under_the_map() {
        let square = |x: f64| vec![vec![(x, 52.0), (x + 0.1, 52.0), (x + 0.1, 52.1), (x, 52.0)]];
        let boundaries = Boundaries {
            outlines: vec![
                Boundary {
                    code: "GM0001".into(),
                    rings: square(5.0),
                },
                Boundary {
                    code: "GM0002".into(),
                    rings: square(5.5),
                },
            ],
            attribution: "Bron gemeentegrenzen: test".into(),
        };
        let pins = [
            Pin {
                code: "GM0001",
                name: "Eerstedorp",
                target: "verhaal-eerstedorp",
            },
            // merged away: in the register's year, not in the outlines'
            Pin {
                code: "GM0009",
                name: "Nieuwstad",
                target: "verhaal-nieuwstad",
            },
        ];
        let chart = draw(
            Drawing {
                id: "story_map",
                title: "t",
                alt: String::new(),
                fill: &HashMap::new(),
                legend: &[],
                pins: &pins,
            },
            &[],
            &boundaries,
        )
        .unwrap();
        assert_eq!(chart.links.len(), 1, "the placed pin is a link");
        assert_eq!(
            chart.source.as_deref(),
            Some("Bron gemeentegrenzen: test. Niet op de kaart, omdat hun ligging onbekend is: Nieuwstad.")
        );
    }

    #[test]
    fn names_of_close_pins_do_not_overlap() {
        let names = [
            "Amersfoort",
            "Utrecht",
            "Nieuwegein",
            "Zeist",
            "Houten",
            "De Bilt",
        ];
        let all: Vec<Pin> = names.iter().map(|n| pin(n)).collect();
        // six pins within 20 px of each other: not every name fits beside
        // its own pin
        let at = [
            (200.0, 200.0),
            (190.0, 210.0),
            (195.0, 220.0),
            (210.0, 205.0),
            (205.0, 215.0),
            (200.0, 190.0),
        ];
        let pins: Vec<(&Pin, f64, f64)> = all.iter().zip(at).map(|(p, (x, y))| (p, x, y)).collect();
        let (svg, links) = place_pins(&pins, 500.0, 500.0);
        assert_eq!(links.len(), 6);
        assert_eq!(svg.matches("<a href=").count(), 6);
        // the name boxes (each link box holds its name box) from the svg
        let rects: Vec<Rect> = svg
            .split("<rect ")
            .skip(1)
            .map(|r| {
                let num = |k: &str| -> f64 {
                    let s = &r[r.find(&format!("{k}=\"")).expect(k) + k.len() + 2..];
                    s[..s.find('"').expect("quote")].parse().expect("number")
                };
                Rect(num("x"), num("y"), num("width"), num("height"))
            })
            .collect();
        assert_eq!(rects.len(), 6);
        for i in 0..6 {
            for j in 0..6 {
                if i != j {
                    assert!(
                        !rects[i].overlaps(&rects[j]),
                        "{i} and {j} overlap: {rects:?}"
                    );
                }
            }
            for (_, x, y) in &pins {
                let dot = Rect(x - PIN_R, y - PIN_R, 2.0 * PIN_R, 2.0 * PIN_R);
                assert!(!rects[i].overlaps(&dot), "name {i} covers a dot");
            }
        }
        // names that had to move are joined to their dot
        assert!(svg.contains("<line "));
    }

    #[test]
    fn quartiles_make_four_classes_with_dutch_labels() {
        let b = quartile_bounds((1..=100).map(|v| f64::from(v) * 100.0).collect());
        assert_eq!(b, vec![2600.0, 5100.0, 7600.0]);
        let l = class_labels(&b);
        assert_eq!(l[0], "minder dan € 2.600 per 1.000 inwoners");
        assert_eq!(l[1], "€ 2.600 tot € 5.100 per 1.000 inwoners");
        assert_eq!(l[3], "€ 7.600 of meer per 1.000 inwoners");
    }
}
