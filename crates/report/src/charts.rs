//! Charts as SVG, drawn with plotters. Every chart comes with a text
//! alternative that states the numbers it shows.
//!
//! Bars are drawn as `Rectangle`s (plotters' Histogram emits elements in a
//! random order, which would break byte-identical output).

use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::prelude::*;
use pokeval_analysis::tables::{Cooccurrence, Frequency, Level};
use pokeval_analysis::{FundsSummary, MunicipalFunds, QuestionFrequencies, VoucherSummary};
use pokeval_model::Route;

use crate::error::{Error, Result};
use crate::format::{format_compact, format_count, format_number, format_percent};

/// A rendered chart.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Chart {
    /// The chart's id (its file name without `.svg`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Text alternative: what the chart shows, with its numbers.
    pub alt: String,
    /// The SVG markup.
    pub svg: String,
    /// Links drawn on the chart (a map's story pins), in SVG pixels; the
    /// PDF lays a link over each, the HTML has them in the SVG.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<MapLink>,
    /// Where the chart's material comes from, printed under it ("Bron:
    /// ..."), when that is not the evaluation's own data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A link area on a chart: the page `target` (an id), and a box in the
/// chart's SVG pixels.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MapLink {
    /// The id of the page it leads to.
    pub target: String,
    /// The box's left edge.
    pub x: f64,
    /// Its top edge.
    pub y: f64,
    /// Its width.
    pub w: f64,
    /// Its height.
    pub h: f64,
}

/// Colours close to the AEF palette: dark blue, teal, orange, grey.
pub const PALETTE: [RGBColor; 4] = [
    RGBColor(0x1f, 0x3a, 0x5f),
    RGBColor(0x2a, 0x9d, 0x8f),
    RGBColor(0xe7, 0x6f, 0x21),
    RGBColor(0x8d, 0x99, 0xae),
];

const W: u32 = 640;
const H: u32 = 360;
/// The report's typeface first: the HTML carries it inline and the PDF has
/// it built in, so chart text matches the body text.
pub(crate) const FONT: &str = "'Source Sans 3', sans-serif";

pub(crate) fn chart_err(e: impl std::fmt::Display) -> Error {
    Error::Chart(e.to_string())
}

/// Stacked bars: planned funds per year, one colour per route.
pub fn funds_per_year(funds: &FundsSummary) -> Result<Chart> {
    let years: Vec<i32> = funds.years.iter().map(|&y| i32::from(y)).collect();
    let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
        return Err(Error::Chart("the funds table has no years".into()));
    };
    let max = funds.totals.iter().copied().fold(0.0_f64, f64::max);
    // head room above the bars for the legend
    let y_max = ((max * 1.3 / 25.0).ceil() * 25.0).max(25.0);
    let frame = Frame {
        x: first..last,
        y_max,
        y_desc: "€ miljoen",
        x_desc: None,
        legend: true,
        labels: Vec::new(),
    };
    let svg = frame.draw(|chart| {
        for (ri, (route, amounts)) in funds.per_route.iter().enumerate() {
            let color = PALETTE[ri % PALETTE.len()];
            let below: Vec<f64> = (0..years.len())
                .map(|i| funds.per_route[..ri].iter().map(|(_, a)| a[i]).sum())
                .collect();
            chart
                .draw_series(years.iter().enumerate().map(|(i, &y)| {
                    let mut r = Rectangle::new(
                        [
                            (SegmentValue::Exact(y), below[i]),
                            (SegmentValue::Exact(y + 1), below[i] + amounts[i]),
                        ],
                        color.filled(),
                    );
                    r.set_margin(0, 0, 10, 10);
                    r
                }))
                .map_err(chart_err)?
                .label(route.label())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        Ok(())
    })?;
    let per_year: Vec<String> = funds
        .years
        .iter()
        .zip(&funds.totals)
        .map(|(y, t)| format!("{y}: € {} miljoen", format_compact(*t)))
        .collect();
    let routes: Vec<&str> = funds
        .per_route
        .iter()
        .map(|(r, _)| Route::label(*r))
        .collect();
    Ok(Chart {
        id: "funds_per_year".into(),
        title: "POK-middelen per jaar naar wijze van uitkering (€ miljoen)".into(),
        alt: format!(
            "Gestapelde staafgrafiek van de geplande POK-middelen per jaar, verdeeld over {}. Totaal per jaar: {}.",
            routes.join(", "),
            per_year.join("; ")
        ),
        svg,
        ..Default::default()
    })
}

/// Horizontal bars: coded segments per action line, each bar labelled with
/// the action line's number and name (action line 1 on top).
pub fn codings_per_action_line(counts: &[Frequency]) -> Result<Chart> {
    let rows: Vec<(String, usize)> = pokeval_model::ActionLine::all()
        .map(|al| {
            let segments = counts
                .iter()
                .find(|c| c.category.action_line == Some(al))
                .map_or(0, |c| c.segments);
            (format!("{} {}", al.number(), al.name()), segments)
        })
        .collect();
    let n = rows.len() as i32;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0) as f64;
    let x_max = (max * 1.15).ceil().max(5.0);
    let width = 820u32;
    let height = 90 + 40 * n as u32;
    let longest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(10) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(54)
            .y_label_area_size((longest * 16.0 * 0.52) as u32 + 20)
            .build_cartesian_2d(0.0..x_max, (0..n - 1).into_segmented())
            .map_err(chart_err)?;
        // row 0 at the top: action line 1 first, as in the report's tables
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => rows
                .get((n - 1 - *i) as usize)
                .map(|r| r.0.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .x_labels(6)
            .x_label_formatter(&|v| format_compact(*v))
            .y_labels(rows.len())
            .y_label_formatter(&label)
            .x_desc("Gecodeerde passages")
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(chart_err)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
                let y = n - 1 - i as i32;
                let mut r = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(y)),
                        (*v as f64, SegmentValue::Exact(y + 1)),
                    ],
                    PALETTE[1].filled(),
                );
                r.set_margin(7, 7, 0, 0);
                r
            }))
            .map_err(chart_err)?;
        let left_middle = plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        );
        chart
            .draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
                Text::new(
                    format_count(*v),
                    (
                        *v as f64 + x_max * 0.01,
                        SegmentValue::CenterOf(n - 1 - i as i32),
                    ),
                    (FONT, 16).into_font().color(&BLACK).pos(left_middle),
                )
            }))
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    let parts: Vec<String> = rows
        .iter()
        .map(|(label, v)| format!("actielijn {label}: {v}"))
        .collect();
    Ok(Chart {
        id: "codings_per_action_line".into(),
        title: "Gecodeerde passages per actielijn".into(),
        alt: format!(
            "Staafgrafiek van het aantal gecodeerde passages per actielijn: {}.",
            parts.join("; ")
        ),
        svg: tidy_svg_size(svg, width, height),
        ..Default::default()
    })
}

/// Vertical bars with value labels, one per x slot, in one colour.
fn simple_bars(
    frame: &Frame,
    values: &[f64],
    value_label: &dyn Fn(f64) -> String,
) -> Result<String> {
    let start = frame.x.start;
    frame.draw(|chart| {
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let x = start + i as i32;
                let mut r = Rectangle::new(
                    [
                        (SegmentValue::Exact(x), 0.0),
                        (SegmentValue::Exact(x + 1), *v),
                    ],
                    PALETTE[0].filled(),
                );
                r.set_margin(0, 0, 6, 6);
                r
            }))
            .map_err(chart_err)?;
        chart
            .draw_series(
                values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| **v > 0.0)
                    .map(|(i, v)| {
                        Text::new(
                            value_label(*v),
                            (
                                SegmentValue::CenterOf(start + i as i32),
                                *v + frame.y_max * 0.06,
                            ),
                            (FONT, 16).into_font().color(&BLACK),
                        )
                    }),
            )
            .map_err(chart_err)?;
        Ok(())
    })
}

/// Histogram: municipalities by POK-middelen per 1,000 inhabitants, in bins of EUR 500.
pub fn funds_per_1000(f: &MunicipalFunds) -> Result<Chart> {
    let values: Vec<f64> = f
        .rows
        .iter()
        .map(|r| r.per_1000)
        .filter(|v| v.is_finite())
        .collect();
    let (Some(min), Some(max)) = (
        values.iter().copied().reduce(f64::min),
        values.iter().copied().reduce(f64::max),
    ) else {
        return Err(Error::Chart(
            "there are no municipalities with money per 1.000 inhabitants".into(),
        ));
    };
    const BIN: f64 = 500.0;
    let lo = (min / BIN).floor() as i32;
    let hi = (max / BIN).floor() as i32;
    let mut counts = vec![0.0; (hi - lo + 1) as usize];
    for v in &values {
        counts[((v / BIN).floor() as i32 - lo) as usize] += 1.0;
    }
    let top = counts.iter().copied().fold(0.0, f64::max);
    let frame = Frame {
        x: lo..hi,
        y_max: (top * 1.25).ceil().max(2.0),
        y_desc: "Aantal gemeenten",
        x_desc: Some("€ per 1.000 inwoners (vanaf)"),
        legend: false,
        labels: (lo..=hi)
            .map(|b| format_number(f64::from(b) * BIN, 0))
            .collect(),
    };
    let svg = simple_bars(&frame, &counts, &|v| format_compact(v))?;
    let parts: Vec<String> = (lo..=hi)
        .zip(&counts)
        .filter(|(_, c)| **c > 0.0)
        .map(|(b, c)| {
            format!(
                "€ {} tot € {}: {}",
                format_number(f64::from(b) * BIN, 0),
                format_number(f64::from(b + 1) * BIN, 0),
                format_compact(*c)
            )
        })
        .collect();
    Ok(Chart {
        id: "funds_per_1000".into(),
        title: format!(
            "Aantal gemeenten met hoeveelheid POK-middelen via AU per 1.000 inwoners ({})",
            f.year
        ),
        alt: format!(
            "Histogram van het aantal gemeenten naar POK-middelen per 1.000 inwoners: {}.",
            parts.join("; ")
        ),
        svg,
        ..Default::default()
    })
}

/// The payment routes as AEF draws them: the yearly total on top, under it
/// the three routes (Rijksbegroting, decentralisatie-uitkering, algemene
/// uitkering), and under each route the action lines paid through it with
/// their money over the years of the funds table. Drawn from the funds
/// table, so a changed route or amount shows without editing a picture.
pub fn payment_routes(funds: &FundsSummary) -> Result<Chart> {
    if funds.rows.is_empty() {
        return Err(Error::Chart("the funds table has no rows".into()));
    }
    let routes = [
        Route::Rijksbegroting,
        Route::DecentralisatieUitkering,
        Route::AlgemeneUitkering,
    ];
    let years = crate::format::format_years(&funds.years);
    // per route, its action lines with their total over the years
    let per_route: Vec<Vec<(String, f64)>> = routes
        .iter()
        .map(|route| {
            funds
                .rows
                .iter()
                .filter(|r| r.route == *route)
                .map(|r| {
                    (
                        format!("{}. {}", r.action_line.number(), r.name),
                        r.amounts.iter().flatten().sum::<f64>(),
                    )
                })
                .collect()
        })
        .collect();
    let most = per_route.iter().map(Vec::len).max().unwrap_or(1).max(1) as i32;
    let (w, col_w, gap) = (960i32, 300i32, 30i32);
    let (top_h, route_h, line_h) = (60i32, 54i32, 96i32);
    let h = 20 + top_h + 30 + route_h + 20 + most * (line_h + 12) + 10;
    let per_year: Vec<f64> = funds.totals.clone();
    let mean = if per_year.is_empty() {
        0.0
    } else {
        per_year.iter().sum::<f64>() / per_year.len() as f64
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w as u32, h as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let text = |s: String, x: i32, y: i32, size: u32, colour: &RGBColor| {
            Text::new(s, (x, y), (FONT, size).into_font().color(colour))
        };
        // the total
        root.draw(&Rectangle::new(
            [(10, 20), (w - 10, 20 + top_h)],
            PALETTE[0].filled(),
        ))
        .map_err(chart_err)?;
        root.draw(&text(
            format!(
                "POK-middelen: gemiddeld € {} miljoen per jaar ({years})",
                format_compact((mean * 10.0).round() / 10.0)
            ),
            24,
            34,
            28,
            &WHITE,
        ))
        .map_err(chart_err)?;
        let y_route = 20 + top_h + 30;
        for (k, (route, lines)) in routes.iter().zip(&per_route).enumerate() {
            let x = 10 + k as i32 * (col_w + gap);
            // a connector from the total to the route
            root.draw(&PathElement::new(
                vec![(x + col_w / 2, 20 + top_h), (x + col_w / 2, y_route)],
                PALETTE[3].stroke_width(2),
            ))
            .map_err(chart_err)?;
            root.draw(&Rectangle::new(
                [(x, y_route), (x + col_w, y_route + route_h)],
                PALETTE[1].filled(),
            ))
            .map_err(chart_err)?;
            root.draw(&text(
                route.label().to_string(),
                x + 12,
                y_route + 12,
                27,
                &WHITE,
            ))
            .map_err(chart_err)?;
            for (i, (name, total)) in lines.iter().enumerate() {
                let y = y_route + route_h + 20 + i as i32 * (line_h + 12);
                root.draw(&Rectangle::new(
                    [(x, y), (x + col_w, y + line_h)],
                    RGBColor(0xee, 0xf2, 0xf6).filled(),
                ))
                .map_err(chart_err)?;
                root.draw(&Rectangle::new(
                    [(x, y), (x + 5, y + line_h)],
                    PALETTE[1].filled(),
                ))
                .map_err(chart_err)?;
                // the name over two lines when it is long
                let (first, second) = split_label(name, 27);
                root.draw(&text(first, x + 14, y + 8, 25, &PALETTE[0]))
                    .map_err(chart_err)?;
                if let Some(second) = second {
                    root.draw(&text(second, x + 14, y + 36, 25, &PALETTE[0]))
                        .map_err(chart_err)?;
                }
                root.draw(&text(
                    format!("€ {} miljoen in {years}", format_compact(*total)),
                    x + 14,
                    y + 66,
                    23,
                    &BLACK,
                ))
                .map_err(chart_err)?;
            }
        }
        root.present().map_err(chart_err)?;
    }
    let parts: Vec<String> = routes
        .iter()
        .zip(&per_route)
        .map(|(route, lines)| {
            let ls: Vec<String> = lines
                .iter()
                .map(|(n, t)| format!("actielijn {n} (€ {} miljoen)", format_compact(*t)))
                .collect();
            format!(
                "{}: {}",
                route.label(),
                if ls.is_empty() {
                    "geen".to_string()
                } else {
                    ls.join(", ")
                }
            )
        })
        .collect();
    Ok(Chart {
        id: "payment_routes".into(),
        title: format!("Wijze van uitkering per actielijn ({years}, € miljoen)"),
        alt: format!(
            "Schema van de wegen waarlangs de POK-middelen worden uitgekeerd. {}.",
            parts.join("; ")
        ),
        svg: tidy_svg_size(svg, w as u32, h as u32),
        ..Default::default()
    })
}

/// `label` over at most two lines of about `width` characters, broken
/// at a space.
fn split_label(label: &str, width: usize) -> (String, Option<String>) {
    if label.chars().count() <= width {
        return (label.to_string(), None);
    }
    let mut first = String::new();
    let mut words = label.split(' ').peekable();
    while let Some(word) = words.peek() {
        if !first.is_empty() && first.chars().count() + 1 + word.chars().count() > width {
            break;
        }
        if !first.is_empty() {
            first.push(' ');
        }
        first.push_str(word);
        words.next();
    }
    let rest: Vec<&str> = words.collect();
    (first, (!rest.is_empty()).then(|| rest.join(" ")))
}

/// Bars: percentage of municipalities with a voucher, per size class.
pub fn vouchers_per_size_class(v: &VoucherSummary) -> Result<Chart> {
    let values: Vec<f64> = v
        .by_size_class
        .iter()
        .map(|r| r.percent_with_voucher.unwrap_or(0.0))
        .collect();
    let top = values.iter().copied().fold(0.0, f64::max);
    let frame = Frame {
        x: 1..8,
        y_max: ((top * 1.25 / 10.0).ceil() * 10.0).max(10.0),
        y_desc: "% gemeenten met voucher",
        x_desc: Some("Inwoners (× 1.000)"),
        legend: false,
        labels: v
            .by_size_class
            .iter()
            .map(|r| r.size_class.short_label().to_string())
            .collect(),
    };
    let svg = simple_bars(&frame, &values, &|x| format_percent(x, 0))?;
    let parts: Vec<String> = v
        .by_size_class
        .iter()
        .map(|r| {
            format!(
                "{}: {}",
                r.label,
                r.percent_with_voucher
                    .map_or("geen gemeenten".to_string(), |p| format_percent(p, 0))
            )
        })
        .collect();
    Ok(Chart {
        id: "vouchers_per_size_class".into(),
        title: "Percentage gemeenten met POK-vouchers van het totaal aantal gemeenten van die gemeentegrootte".into(),
        alt: format!("Staafgrafiek van het percentage gemeenten met een voucher per grootteklasse: {}.", parts.join("; ")),
        svg,
        ..Default::default()
    })
}

/// Diverging colours for a five-point scale, from disagree to agree.
const LIKERT: [RGBColor; 5] = [
    RGBColor(0xb4, 0x53, 0x0f),
    RGBColor(0xe8, 0xa8, 0x7c),
    RGBColor(0xd9, 0xde, 0xe5),
    RGBColor(0x7f, 0xc4, 0xbb),
    RGBColor(0x1d, 0x7a, 0x6f),
];

/// Stacked horizontal bars: the answers to Likert statements as percentages
/// of the substantive answers ("weet niet" left out and counted in the text).
pub fn likert(questions: &[&QuestionFrequencies], id: &str) -> Result<Chart> {
    if questions.is_empty() {
        return Err(Error::Chart("there are no Likert questions to show".into()));
    }
    let n = questions.len() as i32;
    let height = 120 + 52 * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        // the legend goes in a strip under the bars, where it covers nothing
        let (plot, strip) = root.split_vertically(height - 36);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(40)
            .y_label_area_size(250)
            .build_cartesian_2d(0.0..100.0, (0..n - 1).into_segmented())
            .map_err(chart_err)?;
        // substantive answers per statement: the n of its bar
        let totals: Vec<usize> = questions
            .iter()
            .map(|q| {
                q.options
                    .iter()
                    .filter(|o| !o.missing)
                    .map(|o| o.count)
                    .sum()
            })
            .collect();
        let labels: Vec<String> = questions
            .iter()
            .zip(&totals)
            .map(|(q, n)| format!("{} (n = {})", q.short, format_count(*n)))
            .collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(6)
            .x_label_formatter(&|v| format_percent(*v, 0))
            .y_labels(questions.len())
            .y_label_formatter(&|_| String::new())
            .label_style((FONT, 15))
            .draw()
            .map_err(chart_err)?;
        // the statements beside their bars, drawn here: plotters' axis
        // labels leave out the only label of a one-bar chart
        let right_middle = plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Right,
            plotters::style::text_anchor::VPos::Center,
        );
        for (i, label) in labels.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(0.0, SegmentValue::CenterOf(i as i32)));
            plot.draw(&Text::new(
                label.clone(),
                (x - 8, y),
                (FONT, 15).into_font().color(&BLACK).pos(right_middle),
            ))
            .map_err(chart_err)?;
        }
        let options: Vec<(String, usize)> = questions[0]
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| !o.missing)
            .map(|(i, o)| (o.label.clone(), i))
            .collect();
        let mut legend_x = 12;
        let mut shares: Vec<(f64, f64, i32, bool)> = Vec::new();
        for (k, (label, oi)) in options.iter().enumerate() {
            let color = LIKERT[k.min(LIKERT.len() - 1)];
            // dark segments get white percentages
            let on_dark = matches!(k, 0) || k + 1 == options.len();
            let bars: Vec<Rectangle<(f64, SegmentValue<i32>)>> = questions
                .iter()
                .enumerate()
                .filter_map(|(qi, q)| {
                    let total: usize = q
                        .options
                        .iter()
                        .filter(|o| !o.missing)
                        .map(|o| o.count)
                        .sum();
                    if total == 0 {
                        return None;
                    }
                    let pct = |c: usize| 100.0 * c as f64 / total as f64;
                    let before: f64 = options[..k]
                        .iter()
                        .map(|(_, j)| pct(q.options.get(*j).map_or(0, |o| o.count)))
                        .sum();
                    let width = pct(q.options.get(*oi).map_or(0, |o| o.count));
                    let y = qi as i32;
                    shares.push((before + width / 2.0, width, y, on_dark));
                    let mut r = Rectangle::new(
                        [
                            (before, SegmentValue::Exact(y)),
                            (before + width, SegmentValue::Exact(y + 1)),
                        ],
                        color.filled(),
                    );
                    r.set_margin(8, 8, 0, 0);
                    Some(r)
                })
                .collect();
            chart.draw_series(bars).map_err(chart_err)?;
            // legend items side by side, each as wide as its label
            let x = legend_x;
            strip
                .draw(&Rectangle::new([(x, 10), (x + 14, 24)], color.filled()))
                .map_err(chart_err)?;
            strip
                .draw(&Text::new(
                    label.clone(),
                    (x + 19, 9),
                    (FONT, 15).into_font().color(&BLACK),
                ))
                .map_err(chart_err)?;
            legend_x += 19 + (label.chars().count() as f64 * 15.0 * 0.55) as i32 + 16;
        }
        // the percentage in each segment wide enough to hold it
        let centred = plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        );
        chart
            .draw_series(
                shares
                    .iter()
                    .filter(|(_, w, _, _)| *w >= 7.0)
                    .map(|&(x, w, y, dark)| {
                        Text::new(
                            format_percent(w, 0),
                            (x, SegmentValue::CenterOf(y)),
                            (FONT, 14)
                                .into_font()
                                .color(if dark { &WHITE } else { &BLACK })
                                .pos(centred),
                        )
                    }),
            )
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    let parts: Vec<String> = questions
        .iter()
        .map(|q| {
            let counts: Vec<String> = q
                .options
                .iter()
                .map(|o| format!("{} {}", o.label.to_lowercase(), o.count))
                .collect();
            format!("{}: {}", q.short, counts.join(", "))
        })
        .collect();
    Ok(Chart {
        id: id.to_string(),
        title: "Antwoorden op de stellingen (% van de inhoudelijke antwoorden)".into(),
        alt: format!("Gestapelde staven per stelling. {}.", parts.join("; ")),
        svg: tidy_svg_size(svg, W, height),
        ..Default::default()
    })
}

/// A heat map of co-occurrence: each cell off the diagonal is coloured by
/// the number of passages coded with both topics, and that number is
/// written in it, so colour and number show the same quantity; a legend
/// strip gives the scale. The diagonal (a topic with itself) is not part of
/// the scale: its cells are outlined and hold the topic's own number of
/// passages, in grey.
///
/// Sizes grow with the number of topics, and text grows with the picture,
/// so that at the printed height (11 cm) no label is under 8 pt.
pub fn cooccurrence_heatmap(co: &Cooccurrence, id: &str) -> Result<Chart> {
    let n = co.categories.len() as i32;
    if n == 0 {
        return Err(Error::Chart("there are no categories to show".into()));
    }
    let short: Vec<String> = co
        .categories
        .iter()
        .map(|c| match c.action_line {
            Some(al) if c.level == Level::ActionLine => format!("AL{}", al.number()),
            _ => c.id.clone(),
        })
        .collect();
    let longest = short.iter().map(|s| s.chars().count()).max().unwrap_or(2) as u32;
    // the plot is square; the legend strip is under it
    let cell = 44u32;
    // plotters writes a font size of s / 1.24 px; printed 11 cm high, the
    // whole picture (about 1.2 x side) gives 8 pt from about 0.04 x side
    let font = |side: u32| ((f64::from(side) * 0.043).round() as u32).max(24);
    let mut side = 560u32.max(140 + cell * n as u32);
    // the y labels need room for the longest label at the font size
    let label_w = |side: u32| (f64::from(longest * font(side)) * 0.6) as u32 + 16;
    side = side.max(label_w(side) + 60 + cell * n as u32);
    let fs = font(side);
    let legend_h = fs * 4 + 24;
    let height = side + legend_h;
    let max = (0..n as usize)
        .flat_map(|i| {
            (0..n as usize)
                .filter(move |&j| j != i)
                .map(move |j| (i, j))
        })
        .map(|(i, j)| co.counts[i][j])
        .max()
        .unwrap_or(0);
    let teal = PALETTE[1];
    let mix = |share: f64| {
        let f = |a: u8| (255.0 - (255.0 - f64::from(a)) * share).round() as u8;
        RGBColor(f(teal.0), f(teal.1), f(teal.2))
    };
    // white numbers on dark cells
    let dark = |share: f64| share > 0.55;
    let share = |count: usize| {
        if max == 0 {
            0.0
        } else {
            count as f64 / max as f64
        }
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (side, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let (plot, strip) = root.split_vertically(side);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(fs * 2 + 8)
            .y_label_area_size(label_w(side))
            .build_cartesian_2d((0..n - 1).into_segmented(), (0..n - 1).into_segmented())
            .map_err(chart_err)?;
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => short.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n as usize)
            .y_labels(n as usize)
            .x_label_formatter(&label)
            .y_label_formatter(&label)
            .label_style((FONT, fs))
            .draw()
            .map_err(chart_err)?;
        let cells: Vec<(i32, i32)> = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).collect();
        let rect = |i: i32, j: i32| {
            [
                (SegmentValue::Exact(i), SegmentValue::Exact(j)),
                (SegmentValue::Exact(i + 1), SegmentValue::Exact(j + 1)),
            ]
        };
        chart
            .draw_series(cells.iter().map(|&(i, j)| {
                let style = if i == j {
                    RGBColor(0x8d, 0x99, 0xae).stroke_width(1)
                } else {
                    mix(share(co.counts[i as usize][j as usize])).filled()
                };
                let mut r = Rectangle::new(rect(i, j), style);
                r.set_margin(2, 2, 2, 2);
                r
            }))
            .map_err(chart_err)?;
        let centred = plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        );
        chart
            .draw_series(cells.iter().filter_map(|&(i, j)| {
                let (a, b) = (i as usize, j as usize);
                let (count, colour) = if a == b {
                    (co.totals[a], RGBColor(0x5b, 0x67, 0x70))
                } else if dark(share(co.counts[a][b])) {
                    (co.counts[a][b], WHITE)
                } else {
                    (co.counts[a][b], BLACK)
                };
                // an empty cell stays empty: white is the colour of 0
                (count > 0 || a == b).then(|| {
                    Text::new(
                        count.to_string(),
                        (SegmentValue::CenterOf(i), SegmentValue::CenterOf(j)),
                        (FONT, fs).into_font().color(&colour).pos(centred),
                    )
                })
            }))
            .map_err(chart_err)?;
        // the legend: "0", the colour scale, the largest count; then what
        // the numbers are, on lines of their own (the map may be narrow)
        let x0 = 12i32;
        let steps = 5;
        let h = fs as i32;
        let box_w = h * 2;
        let text =
            |s: String, x: i32, y: i32| Text::new(s, (x, y), (FONT, fs).into_font().color(&BLACK));
        strip.draw(&text("0".into(), x0, 4)).map_err(chart_err)?;
        let bx = x0 + h;
        for k in 0..=steps {
            let v = (max as f64 * f64::from(k) / f64::from(steps)).round();
            let x = bx + k * (box_w + 2);
            let r = [(x, 4), (x + box_w, 4 + h)];
            strip
                .draw(&Rectangle::new(r, mix(share(v as usize)).filled()))
                .map_err(chart_err)?;
            strip
                .draw(&Rectangle::new(
                    r,
                    RGBColor(0x8d, 0x99, 0xae).stroke_width(1),
                ))
                .map_err(chart_err)?;
        }
        strip
            .draw(&text(
                format_count(max),
                bx + (steps + 1) * (box_w + 2) + 6,
                4,
            ))
            .map_err(chart_err)?;
        strip
            .draw(&text(
                "passages met beide onderwerpen".into(),
                x0,
                4 + h + 8,
            ))
            .map_err(chart_err)?;
        strip
            .draw(&text(
                "omlijnd: passages per onderwerp".into(),
                x0,
                4 + 2 * (h + 8),
            ))
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    let mut pairs: Vec<String> = Vec::new();
    for i in 0..n as usize {
        for j in i + 1..n as usize {
            if co.counts[i][j] > 0 {
                pairs.push(format!(
                    "{} en {}: {} passages",
                    short[i], short[j], co.counts[i][j]
                ));
            }
        }
    }
    let own: Vec<String> = (0..n as usize)
        .map(|i| format!("{} {}", short[i], co.totals[i]))
        .collect();
    Ok(Chart {
        id: id.to_string(),
        title: "Passages waarop twee onderwerpen samen voorkomen".into(),
        alt: format!(
            "Heatmap: hoe donkerder een vak, hoe meer passages beide onderwerpen hebben; het getal in het vak is dat aantal. {}. Passages per onderwerp: {}.",
            if pairs.is_empty() {
                "Geen onderwerpen komen samen voor".to_string()
            } else {
                pairs.join("; ")
            },
            own.join(", ")
        ),
        svg: tidy_svg_size(svg, side, height),
        ..Default::default()
    })
}

type BarChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<SegmentedCoord<RangedCoordi32>, RangedCoordf64>>;

/// The frame every bar chart shares: white background, one bar slot per
/// integer on the x axis, labelled axes in a readable size.
struct Frame {
    /// The x values (inclusive range, one segment each).
    x: std::ops::Range<i32>,
    y_max: f64,
    y_desc: &'static str,
    x_desc: Option<&'static str>,
    /// Draw a legend of the labelled series in the upper right corner.
    legend: bool,
    /// Labels for the x values in order; empty: the numbers themselves.
    labels: Vec<String>,
}

impl Frame {
    /// Draws the axes, lets `bars` draw the data and returns the SVG.
    fn draw(&self, bars: impl FnOnce(&mut BarChart) -> Result<()>) -> Result<String> {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
            root.fill(&WHITE).map_err(chart_err)?;
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .x_label_area_size(48)
                .y_label_area_size(64)
                .build_cartesian_2d(self.x.clone().into_segmented(), 0.0..self.y_max)
                .map_err(chart_err)?;
            let start = self.x.start;
            let label = |v: &SegmentValue<i32>| match v {
                SegmentValue::CenterOf(x) => self
                    .labels
                    .get((x - start) as usize)
                    .cloned()
                    .unwrap_or_else(|| x.to_string()),
                _ => String::new(),
            };
            let mut mesh = chart.configure_mesh();
            mesh.disable_x_mesh()
                .y_desc(self.y_desc)
                .x_labels((self.x.end - self.x.start + 1) as usize)
                .x_label_formatter(&label)
                .y_labels(6)
                .y_label_formatter(&|v| format_compact(*v))
                .label_style((FONT, 18))
                .axis_desc_style((FONT, 18));
            if let Some(d) = self.x_desc {
                mesh.x_desc(d);
            }
            mesh.draw().map_err(chart_err)?;
            bars(&mut chart)?;
            if self.legend {
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .background_style(WHITE.mix(0.9))
                    .border_style(BLACK.mix(0.3))
                    .label_font((FONT, 16))
                    .draw()
                    .map_err(chart_err)?;
            }
            root.present().map_err(chart_err)?;
        }
        Ok(tidy_svg(svg))
    }
}

/// Makes the SVG fit its container: a viewBox instead of fixed pixel sizes,
/// and hidden from assistive technology (the figure carries the text alternative).
fn tidy_svg(svg: String) -> String {
    tidy_svg_size(svg, W, H)
}

pub(crate) fn tidy_svg_size(svg: String, w: u32, h: u32) -> String {
    let fixed = format!("width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"");
    let responsive =
        format!("viewBox=\"0 0 {w} {h}\" aria-hidden=\"true\" focusable=\"false\" class=\"chart\"");
    svg.replacen(&fixed, &responsive, 1)
}

/// One series of [`grouped_bars`]: its legend label and a value per category.
pub struct Series {
    /// The legend label.
    pub label: String,
    /// A value per category.
    pub values: Vec<f64>,
}

/// Grouped vertical bars: per category one bar per series (a wave, say),
/// with value labels and a legend. Categories are labelled under the
/// middle bar of their group.
pub fn grouped_bars(
    id: &str,
    title: &str,
    categories: &[String],
    series: &[Series],
    y_desc: &'static str,
    value_label: &dyn Fn(f64) -> String,
) -> Result<Chart> {
    let k = series.len().max(1);
    let slots = categories.len() * (k + 1);
    if categories.is_empty() || slots < 2 {
        return Err(Error::Chart(format!("nothing to draw for '{title}'")));
    }
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0_f64, f64::max);
    let y_max = (top * 1.35).ceil().max(1.0);
    // x values 0..slots-1: per category k bars and one empty slot
    let mut labels = vec![String::new(); slots];
    for (c, name) in categories.iter().enumerate() {
        labels[c * (k + 1) + (k - 1) / 2] = name.clone();
    }
    let frame = Frame {
        x: 0..(slots as i32 - 2),
        y_max,
        y_desc,
        x_desc: None,
        legend: true,
        labels,
    };
    let svg = frame.draw(|chart| {
        for (si, s) in series.iter().enumerate() {
            let color = PALETTE[si % PALETTE.len()];
            let at = |c: usize| (c * (k + 1) + si) as i32;
            chart
                .draw_series(s.values.iter().enumerate().map(|(c, v)| {
                    let mut r = Rectangle::new(
                        [
                            (SegmentValue::Exact(at(c)), 0.0),
                            (SegmentValue::Exact(at(c) + 1), *v),
                        ],
                        color.filled(),
                    );
                    r.set_margin(0, 0, 1, 1);
                    r
                }))
                .map_err(chart_err)?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
            // value labels only where they fit (the table and the text
            // alternative carry every number)
            if categories.len() * k <= 12 {
                chart
                    .draw_series(s.values.iter().enumerate().map(|(c, v)| {
                        Text::new(
                            value_label(*v),
                            (SegmentValue::CenterOf(at(c)), *v + y_max * 0.06),
                            (FONT, 14).into_font().color(&BLACK),
                        )
                    }))
                    .map_err(chart_err)?;
            }
        }
        Ok(())
    })?;
    let parts: Vec<String> = categories
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let per: Vec<String> = series
                .iter()
                .map(|s| format!("{} {}", s.label, value_label(s.values[c])))
                .collect();
            format!("{name}: {}", per.join(", "))
        })
        .collect();
    Ok(Chart {
        id: id.to_string(),
        title: title.to_string(),
        alt: format!("Gegroepeerde staafgrafiek, {title}: {}.", parts.join("; ")),
        svg,
        ..Default::default()
    })
}

/// One row of [`change_dots`]: a label and the value then and now.
pub struct ChangeRow {
    /// The row's label.
    pub label: String,
    /// The value in the earlier wave.
    pub then: f64,
    /// The value in the current wave.
    pub now: f64,
}

/// A dot plot of change per row (a municipality, say): a dot for the value
/// then, a dot for the value now, joined by a line; rows top to bottom in
/// the given order. `scale` labels the integer positions of the x axis
/// from `x.start` (the answer options of a Likert question).
pub fn change_dots(
    id: &str,
    title: &str,
    rows: &[ChangeRow],
    x: std::ops::RangeInclusive<i32>,
    scale: &[String],
    legend: (&str, &str),
) -> Result<Chart> {
    if rows.is_empty() {
        return Err(Error::Chart(format!("nothing to draw for '{title}'")));
    }
    let n = rows.len() as i32;
    let height = 110 + 30 * n as u32;
    let (lo, hi) = (*x.start(), *x.end());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let (plot, strip) = root.split_vertically(height - 36);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d(
                (f64::from(lo) - 0.3)..(f64::from(hi) + 0.3),
                (0..n - 1).into_segmented(),
            )
            .map_err(chart_err)?;
        let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
        let ylabel = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => labels
                .get((n - 1 - *i) as usize)
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        };
        let xlabel = |v: &f64| {
            let r = v.round();
            if (v - r).abs() < 1e-9 && r >= f64::from(lo) && r <= f64::from(hi) {
                scale
                    .get((r as i32 - lo) as usize)
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels((hi - lo + 1) as usize)
            .x_label_formatter(&xlabel)
            .light_line_style(WHITE)
            .y_labels(rows.len())
            .y_label_formatter(&ylabel)
            .label_style((FONT, 14))
            .draw()
            .map_err(chart_err)?;
        let at = |i: usize| SegmentValue::CenterOf(n - 1 - i as i32);
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                PathElement::new(
                    vec![(r.then, at(i)), (r.now, at(i))],
                    PALETTE[3].stroke_width(3),
                )
            }))
            .map_err(chart_err)?;
        chart
            .draw_series(
                rows.iter()
                    .enumerate()
                    .map(|(i, r)| Circle::new((r.then, at(i)), 6, PALETTE[3].filled())),
            )
            .map_err(chart_err)?;
        chart
            .draw_series(
                rows.iter()
                    .enumerate()
                    .map(|(i, r)| Circle::new((r.now, at(i)), 6, PALETTE[0].filled())),
            )
            .map_err(chart_err)?;
        for (k, (label, color)) in [(legend.0, PALETTE[3]), (legend.1, PALETTE[0])]
            .into_iter()
            .enumerate()
        {
            let x = 190 + 160 * k as i32;
            strip
                .draw(&Circle::new((x + 6, 16), 6, color.filled()))
                .map_err(chart_err)?;
            strip
                .draw(&Text::new(
                    label.to_string(),
                    (x + 17, 9),
                    (FONT, 13).into_font().color(&BLACK),
                ))
                .map_err(chart_err)?;
        }
        root.present().map_err(chart_err)?;
    }
    let label_of = |v: f64| {
        scale
            .get((v.round() as i32 - lo).max(0) as usize)
            .cloned()
            .unwrap_or_else(|| format_compact(v))
    };
    let parts: Vec<String> = rows
        .iter()
        .map(|r| format!("{}: {} naar {}", r.label, label_of(r.then), label_of(r.now)))
        .collect();
    Ok(Chart {
        id: id.to_string(),
        title: title.to_string(),
        alt: format!(
            "Puntgrafiek van de verandering per gemeente, {} en {}. {}.",
            legend.0,
            legend.1,
            parts.join("; ")
        ),
        svg: tidy_svg_size(svg, W, height),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pokeval_analysis::tables::Category;
    use pokeval_analysis::{OptionCount, QuestionFrequencies};

    fn category(n: u8) -> Category {
        let al = pokeval_model::ActionLine::new(n).ok();
        Category {
            level: Level::ActionLine,
            id: format!("AL{n}"),
            label: String::new(),
            path: Vec::new(),
            action_line: al,
        }
    }

    /// The fill colours of the cells of a heat map, in drawing order.
    fn fills(svg: &str) -> Vec<String> {
        svg.split("<rect ")
            .skip(1)
            .filter_map(|r| {
                let i = r.find("fill=\"")? + 6;
                Some(r[i..i + r[i..].find('"')?].to_string())
            })
            .collect()
    }

    #[test]
    fn the_heat_map_colours_by_the_number_it_prints() {
        // AL1-AL2 and AL2-AL3 share 2 passages each, with very different
        // c-coefficients: their cells must look the same
        let co = Cooccurrence {
            categories: vec![category(1), category(2), category(3)],
            totals: vec![2, 40, 3],
            counts: vec![vec![2, 2, 0], vec![2, 40, 2], vec![0, 2, 3]],
            c: vec![
                vec![Some(1.0), Some(0.05), None],
                vec![Some(0.05), Some(1.0), Some(0.049)],
                vec![None, Some(0.049), Some(1.0)],
            ],
        };
        let chart = cooccurrence_heatmap(&co, "t").unwrap();
        let f = fills(&chart.svg);
        // cells are drawn column by column: (0,0) (0,1) (0,2) (1,0) ...
        let cell = |i: usize, j: usize| f[1 + i * 3 + j].clone();
        assert_eq!(cell(0, 1), cell(1, 2), "same count, same colour");
        assert_eq!(cell(0, 1), cell(1, 0));
        assert_ne!(cell(0, 1), cell(0, 2), "2 passages are darker than none");
        // the diagonal is outlined, not filled, and holds the topic's total
        assert_eq!(cell(1, 1), "none");
        assert!(chart.svg.contains(">\n40\n<"));
        assert!(chart.alt.contains("AL1 en AL2: 2 passages"));
        assert!(chart
            .alt
            .contains("Passages per onderwerp: AL1 2, AL2 40, AL3 3"));
    }

    #[test]
    fn likert_bars_carry_their_n_and_percentages() {
        let option = |code: &str, count: usize, missing: bool| OptionCount {
            code: code.into(),
            label: format!("optie {code}"),
            missing,
            count,
        };
        let q = QuestionFrequencies {
            question: "s1".into(),
            text: "Stelling".into(),
            short: "Stelling een".into(),
            kind: pokeval_survey::QuestionType::Likert,
            group: None,
            options: vec![
                option("1", 1, false),
                option("2", 0, false),
                option("3", 1, false),
                option("4", 2, false),
                option("5", 0, false),
                option("9", 3, true),
            ],
            answered: 7,
            mean: None,
        };
        let chart = likert(&[&q], "l").unwrap();
        // n counts the substantive answers only ("weet niet" left out)
        assert!(chart.svg.contains("Stelling een (n = 4)"), "{}", chart.svg);
        for pct in [">\n25%\n<", ">\n50%\n<"] {
            assert!(chart.svg.contains(pct), "{pct}");
        }
    }

    #[test]
    fn the_payment_routes_come_from_the_funds_table() {
        use pokeval_analysis::{FundsSummary, FundsSummaryRow};
        let row = |route: Route, al: u8, amounts: Vec<Option<f64>>| FundsSummaryRow {
            route,
            route_label: route.label().into(),
            action_line: pokeval_model::ActionLine::new(al).unwrap(),
            name: pokeval_model::ActionLine::new(al).unwrap().name().into(),
            amounts,
            marks: Vec::new(),
        };
        let funds = FundsSummary {
            years: vec![2021, 2022],
            rows: vec![
                row(Route::Rijksbegroting, 1, vec![Some(16.0), Some(23.0)]),
                row(Route::AlgemeneUitkering, 3, vec![Some(5.0), None]),
                row(
                    Route::DecentralisatieUitkering,
                    3,
                    vec![Some(5.0), Some(5.0)],
                ),
            ],
            totals: vec![26.0, 28.0],
            difference_from_planned: vec![-124.0, -122.0],
            per_route: Vec::new(),
        };
        let chart = payment_routes(&funds).unwrap();
        // each action line under its route, with its money over the years
        assert!(
            chart
                .alt
                .contains("Rijksbegroting BZK: actielijn 1. Digitale overheid (€ 39 miljoen)"),
            "{}",
            chart.alt
        );
        assert!(chart.alt.contains("DU gemeentefonds: actielijn 3. Versterken leervermogen aanpak kwetsbare wijken (€ 10 miljoen)"));
        assert!(chart.alt.contains("AU gemeentefonds: actielijn 3. Versterken leervermogen aanpak kwetsbare wijken (€ 5 miljoen)"));
        assert!(chart
            .svg
            .contains("gemiddeld € 27 miljoen per jaar (2021–2022)"));
        assert_eq!(
            chart.title,
            "Wijze van uitkering per actielijn (2021–2022, € miljoen)"
        );
    }

    #[test]
    fn action_lines_are_named_on_the_axis() {
        let chart = codings_per_action_line(&[]).unwrap();
        for al in pokeval_model::ActionLine::all() {
            assert!(chart
                .svg
                .contains(&format!("{} {}", al.number(), al.name())));
        }
    }
}
