//! Typed access to the response table: the only place outside the readers
//! that names its columns. Other crates ask for answers, open answers,
//! counts and means, never for a column by name.

use std::collections::BTreeMap;
use std::sync::Arc;

use polars::prelude::*;

use pokeval_model::{Error, Result};

use crate::{text_column, text_values, Instrument, OpenAnswer, Responses};

/// One row of the long table, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answer<'a> {
    /// The respondent's id.
    pub respondent: &'a str,
    /// CBS code of the respondent's municipality, when resolved.
    pub municipality: Option<&'a str>,
    /// The question id (`kanalen:other` for an "other" text).
    pub question: &'a str,
    /// The option code, the number as written, or the open text.
    pub value: &'a str,
    /// The option's label; `None` for open and "other" texts.
    pub label: Option<&'a str>,
    /// The option code or number as a number, when it is one.
    pub number: Option<f64>,
    /// "Weet niet", N/A and user-missing values.
    pub missing: bool,
}

impl Responses {
    /// The long table (respondent, municipality, wave, question, value,
    /// label, number, missing) for exports; the analysis uses the typed
    /// accessors instead.
    pub fn table(&self) -> &DataFrame {
        &self.long
    }

    /// How many answers (rows of the long table) there are.
    pub fn answers(&self) -> usize {
        self.long.height()
    }

    fn err(&self, what: &str) -> impl Fn(PolarsError) -> Error + '_ {
        let what = what.to_string();
        move |e| {
            crate::table_error(
                &self.file,
                format!("cannot read the response table ({what})"),
                e,
            )
        }
    }

    /// Calls `f` with every answer, respondent by respondent in file order.
    pub fn for_each_answer(&self, f: impl FnMut(Answer<'_>)) -> Result<()> {
        self.for_each_row(&self.long, "answers", f)
    }

    /// [`Responses::for_each_answer`] over `l`, the long table or rows of it.
    fn for_each_row(&self, l: &DataFrame, what: &str, mut f: impl FnMut(Answer<'_>)) -> Result<()> {
        let err = self.err(what);
        let resp = text_values(l, "respondent").map_err(&err)?;
        let muni = text_values(l, "municipality").map_err(&err)?;
        let q = text_values(l, "question").map_err(&err)?;
        let v = text_values(l, "value").map_err(&err)?;
        let label = text_values(l, "label").map_err(&err)?;
        let number = l.column("number").and_then(|c| c.f64()).map_err(&err)?;
        let missing = l.column("missing").and_then(|c| c.bool()).map_err(&err)?;
        // one pass down all columns together (no lookup of row i per column)
        let rows = resp
            .zip(muni)
            .zip(q)
            .zip(v)
            .zip(label)
            .zip(number.iter())
            .zip(missing.iter());
        for ((((((respondent, muni), question), value), label), number), missing) in rows {
            let (Some(respondent), Some(question), Some(value)) = (respondent, question, value)
            else {
                continue;
            };
            f(Answer {
                respondent,
                municipality: muni.filter(|m| !m.is_empty()),
                question,
                value,
                label,
                number,
                missing: missing.unwrap_or(false),
            });
        }
        Ok(())
    }

    /// The open answers (questions of type `open` and `:other` texts) in
    /// table order.
    pub fn open_answers(
        &self,
        instrument: &Instrument,
    ) -> Result<impl Iterator<Item = OpenAnswer>> {
        let mut out = Vec::new();
        self.push_open_answers(instrument, &mut out, |a| a)?;
        Ok(out.into_iter())
    }

    /// Appends the open answers (see [`Responses::open_answers`]) to `out`
    /// as sources, one by one: collected first, with a million
    /// respondents, they were 240 MB on top of the sources made of them.
    pub fn push_open_sources(
        &self,
        instrument: &Instrument,
        out: &mut Vec<pokeval_model::Source>,
    ) -> Result<()> {
        self.push_open_answers(instrument, out, OpenAnswer::into_source)
    }

    /// Appends `f` of each open answer to `out`, in table order. One pass down the four columns
    /// it needs, with the open rows picked by a mask decided once per
    /// question: filtering the table first copied all eight columns of
    /// those rows, which with a million respondents was most of the cost
    /// of taking the answers as sources.
    fn push_open_answers<T>(
        &self,
        instrument: &Instrument,
        out: &mut Vec<T>,
        f: impl Fn(OpenAnswer) -> T,
    ) -> Result<()> {
        let err = self.err("open answers");
        let l = &self.long;
        let mask = self.open_mask(instrument).map_err(&err)?;
        out.reserve_exact(mask.sum().unwrap_or(0) as usize);
        let resp = text_values(l, "respondent").map_err(&err)?;
        let muni = text_values(l, "municipality").map_err(&err)?;
        let q = text_values(l, "question").map_err(&err)?;
        let v = text_values(l, "value").map_err(&err)?;
        // the question id and text once per question, the respondent once
        // per respondent (answers come respondent by respondent)
        // per question id: its id and text as shared, `None` for one the
        // instrument does not list as open
        type Asked = Option<(Arc<str>, Arc<str>)>;
        let mut asked: std::collections::HashMap<&str, Asked> = std::collections::HashMap::new();
        let mut last: Option<Arc<str>> = None;
        let mut municipalities: std::collections::HashMap<&str, Arc<str>> =
            std::collections::HashMap::new();
        let file: Arc<str> = self.file.as_str().into();
        let rows = mask.iter().zip(resp).zip(muni).zip(q).zip(v);
        for ((((open, respondent), muni), question), value) in rows {
            if open != Some(true) {
                continue;
            }
            let (Some(respondent), Some(question), Some(value)) = (respondent, question, value)
            else {
                continue;
            };
            let asked = asked.entry(question).or_insert_with(|| {
                instrument
                    .open_question(question)
                    .map(|q| (question.into(), q.text.as_str().into()))
            });
            let Some((id, text)) = asked.clone() else {
                continue;
            };
            let respondent = match &last {
                Some(r) if **r == *respondent => r.clone(),
                _ => last.insert(respondent.into()).clone(),
            };
            let municipality = muni
                .filter(|m| !m.is_empty())
                .map(|m| municipalities.entry(m).or_insert_with(|| m.into()).clone());
            out.push(f(OpenAnswer {
                respondent,
                municipality,
                question: id,
                question_text: text,
                text: value.to_string(),
                wave: instrument.wave,
                file: file.clone(),
            }));
        }
        Ok(())
    }

    /// The rows of the long table whose question `keep` accepts: the
    /// counts group only these (grouping the open answers' texts too cost
    /// as much memory as the table itself).
    fn rows_of(&self, keep: &impl Fn(&str) -> bool) -> Result<DataFrame> {
        let err = self.err("selecting questions");
        let mask = crate::text_mask(&self.long, "question", keep).map_err(&err)?;
        self.long.filter(&mask).map_err(&err)
    }

    /// Answers per (question, value), counted with polars, for the
    /// questions `keep` accepts (closed questions, say: an open question
    /// has as many values as answers).
    pub fn value_counts(
        &self,
        keep: impl Fn(&str) -> bool,
    ) -> Result<BTreeMap<(String, String), usize>> {
        let err = self.err("counts per value");
        let counts = self
            .rows_of(&keep)?
            .lazy()
            .group_by([col("question"), col("value")])
            .agg([len().alias("n")])
            .collect()
            .map_err(&err)?;
        let q_col = text_column(&counts, "question").map_err(&err)?;
        let v_col = text_column(&counts, "value").map_err(&err)?;
        let n_col = counts
            .column("n")
            .and_then(|c| c.cast(&DataType::UInt64))
            .map_err(&err)?;
        let n_col = n_col.u64().map_err(&err)?;
        let mut by_key = BTreeMap::new();
        for i in 0..counts.height() {
            if let (Some(q), Some(v), Some(n)) = (q_col.get(i), v_col.get(i), n_col.get(i)) {
                if keep(q) {
                    by_key.insert((q.to_string(), v.to_string()), n as usize);
                }
            }
        }
        Ok(by_key)
    }

    /// The mean number per question over answers that are not missing.
    pub fn means(&self) -> Result<BTreeMap<String, f64>> {
        let err = self.err("means");
        let means = self
            .long
            .clone()
            .lazy()
            .filter(col("missing").not())
            .group_by([col("question")])
            .agg([col("number").mean().alias("mean")])
            .collect()
            .map_err(&err)?;
        let mq = text_column(&means, "question").map_err(&err)?;
        let mm = means
            .column("mean")
            .and_then(|c| c.f64().cloned())
            .map_err(&err)?;
        Ok((0..means.height())
            .filter_map(|i| Some((mq.get(i)?.to_string(), mm.get(i)?)))
            .collect())
    }

    /// Answers per (question, group, value) for the questions `keep`
    /// accepts, where `group_of` puts a municipality code in a group (a
    /// size class, say); answers without a municipality or a group are not
    /// counted.
    pub fn value_counts_by(
        &self,
        keep: impl Fn(&str) -> bool,
        group_of: impl Fn(&str) -> Option<u32>,
    ) -> Result<BTreeMap<(String, u32, String), usize>> {
        let err = self.err("counts per group");
        let long = self.rows_of(&keep)?;
        let group: Vec<Option<u32>> = text_values(&long, "municipality")
            .map_err(&err)?
            .map(|m| m.and_then(&group_of))
            .collect();
        let with_group = long
            .lazy()
            .with_column(lit(Series::new("group".into(), group)).alias("group"))
            .group_by([col("question"), col("group"), col("value")])
            .agg([len().alias("n")])
            .collect()
            .map_err(&err)?;
        let q = text_column(&with_group, "question").map_err(&err)?;
        let g = with_group
            .column("group")
            .and_then(|c| c.u32().cloned())
            .map_err(&err)?;
        let v = text_column(&with_group, "value").map_err(&err)?;
        let n = with_group
            .column("n")
            .and_then(|c| c.cast(&DataType::UInt64))
            .map_err(&err)?;
        let n = n.u64().map_err(&err)?;
        let mut cells = BTreeMap::new();
        for i in 0..with_group.height() {
            if let (Some(q), Some(g), Some(v), Some(n)) = (q.get(i), g.get(i), v.get(i), n.get(i)) {
                if keep(q) {
                    cells.insert((q.to_string(), g, v.to_string()), n as usize);
                }
            }
        }
        Ok(cells)
    }
}
