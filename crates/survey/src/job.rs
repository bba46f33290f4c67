//! One survey export to read: the file, how to read it, its structure
//! file and instrument; [`SurveyJob::read`] gives the response table.

use std::path::{Path, PathBuf};

use pokeval_model::{Error, Progress, Resolver, Result, Wave};

use crate::{read_structure, read_survey, sibling_structure, Instrument, ReadOptions, Responses};

/// One export to read.
#[derive(Debug, Clone)]
pub struct SurveyJob {
    /// The export file.
    pub path: PathBuf,
    /// How the file is named in messages and output names.
    pub display: String,
    /// How to read it.
    pub options: ReadOptions,
    /// Structure file and how it is named in messages; `None` uses a
    /// LimeSurvey R syntax file beside the export.
    pub structure: Option<(PathBuf, String)>,
    /// Without an instrument, the platform's own view ([`crate::raw_long`]).
    pub instrument: Option<PathBuf>,
}

impl SurveyJob {
    /// Reads the export with its structure (given, or the R syntax file
    /// beside it) and applies the instrument, which must be for `wave`.
    pub fn read(
        &self,
        resolver: Option<&Resolver>,
        wave: Wave,
        progress: &dyn Progress,
    ) -> Result<(Responses, Option<Instrument>)> {
        let instrument = self
            .instrument
            .as_deref()
            .map(Instrument::load)
            .transpose()?;
        if let (Some(ins), Some(path)) = (&instrument, &self.instrument) {
            if ins.wave != wave {
                return Err(Error::Mismatch {
                    path: path.into(),
                    message: format!(
                        "the instrument is for wave {} but wave {wave} is being read (the project's wave, or --wave)",
                        ins.wave
                    ),
                });
            }
        }
        let beside = self.structure.is_none();
        let structure = self.structure.clone().or_else(|| {
            let p = sibling_structure(&self.path)?;
            let name = p.file_name()?.to_str()?.to_string();
            let display = Path::new(&self.display).with_file_name(name);
            Some((p, display.display().to_string()))
        });
        if let (true, Some((_, name))) = (beside, &structure) {
            // found, not given: say so, as it decides codes and labels
            progress.warn(&format!(
                "{}: its question codes and answer labels are read from {name}, the LimeSurvey R syntax file beside it (name another with structure = in its [[survey]], pokeval ingest: --structure)",
                self.display
            ));
        }
        let structure = structure
            .map(|(p, display)| read_structure(&p, &display))
            .transpose()?;
        let data = read_survey(
            &self.path,
            &self.display,
            &self.options,
            structure.as_ref(),
            instrument.as_ref(),
            resolver,
            wave,
            progress,
        )?;
        all_rejected(&data)?;
        if data.accepted() == 0 {
            progress.warn(&format!(
                "{}: the export holds a header but no responses; is it the export of an activated survey with responses (and the right filter, such as completed responses only)?",
                self.display
            ));
        }
        for message in as_other_warnings(&data) {
            progress.warn(&message);
        }
        if !data.copies.is_empty() {
            let shown: Vec<String> = data
                .copies
                .iter()
                .take(5)
                .map(|(line, earlier)| format!("line {line} = line {earlier}"))
                .collect();
            let n = data.copies.len();
            progress.warn(&format!(
                "{}: {n} row{} exact cop{} of an earlier row ({}{}) and the export has no respondent id to tell them apart; all are kept: if a response was submitted or pasted twice, remove the copy from the export",
                self.display,
                if n == 1 { " is an" } else { "s are" },
                if n == 1 { "y" } else { "ies" },
                shown.join("; "),
                if n > 5 { format!(" and {} more", n - 5) } else { String::new() }
            ));
        }
        Ok((data, instrument))
    }
}

/// One warning per column with answers read as "other" texts: how many,
/// the first few with their lines, and what to do if one is an option.
fn as_other_warnings(data: &Responses) -> Vec<String> {
    let mut columns: Vec<(&str, Vec<&crate::AsOther>)> = Vec::new();
    for a in &data.as_other {
        match columns.iter_mut().find(|(c, _)| *c == a.column) {
            Some((_, list)) => list.push(a),
            None => columns.push((&a.column, vec![a])),
        }
    }
    columns
        .into_iter()
        .map(|(column, list)| {
            let shown: Vec<String> = list
                .iter()
                .take(5)
                .map(|a| format!("line {}: '{}'", a.line, a.text))
                .collect();
            let more = if list.len() > 5 {
                format!(" and {} more", list.len() - 5)
            } else {
                String::new()
            };
            format!(
                "{}: {} answer{} in column '{column}' matched none of its options and {} read as the 'other' text ({}{more}); if one is meant as an option, add that spelling to the option's aliases in the instrument",
                data.file,
                list.len(),
                if list.len() == 1 { "" } else { "s" },
                if list.len() == 1 { "was" } else { "were" },
                shown.join("; ")
            )
        })
        .collect()
}

/// An export of which every record was rejected leaves nothing to analyse
/// or write: an error with the most common reason, the first lines and
/// what to do, instead of "0 accepted" and exit 0.
fn all_rejected(data: &Responses) -> Result<()> {
    use pokeval_model::RejectKind;
    if data.accepted() > 0 || data.rejects.is_empty() {
        return Ok(());
    }
    let mut kinds: Vec<(RejectKind, usize)> = Vec::new();
    for r in &data.rejects {
        match kinds.iter_mut().find(|(k, _)| *k == r.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((r.kind, 1)),
        }
    }
    kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
    let (kind, n) = kinds[0];
    let fix = match kind {
        RejectKind::TestResponse => "if these are the responses to use, keep test responses (Qualtrics Status 2) with include_tests = true in its [[survey]] (pokeval ingest: --include-tests); survey previews are never read",
        RejectKind::Municipality => "settle the municipality names in a mapping file (mapping = in [register], pokeval ingest: --mapping; invoer,gemeentecode)",
        RejectKind::DuplicateRespondent | RejectKind::NoRespondentId => "check that the respondent id column is the right one",
        _ => "correct the export, or its structure file and instrument, by the reasons above",
    };
    let first: Vec<String> = data
        .rejects
        .iter()
        .take(3)
        .map(|r| format!("line {}: {}", r.line, r.reason))
        .collect();
    Err(Error::AllRejected {
        path: data.file.clone().into(),
        rejected: data.rejects.len(),
        kind,
        commonest: n,
        first: first.join("; "),
        fix,
    })
}
