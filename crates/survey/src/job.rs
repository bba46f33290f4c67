//! One survey export to read: the file, how to read it, its structure
//! file and instrument; [`SurveyJob::read`] gives the response table.

use std::path::{Path, PathBuf};

use pokeval_model::{Error, Progress, Resolver, Result, Wave};

use crate::{read_structure, read_survey, sibling_structure, Instrument, ReadOptions, Responses};

/// One export to read.
#[derive(Debug, Clone)]
pub struct SurveyJob {
    pub path: PathBuf,
    /// How the file is named in messages and output names.
    pub display: String,
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
                return Err(Error::invalid(
                    path,
                    format!(
                        "the instrument is for wave {} but wave {wave} is being read (the project's wave, or --wave)",
                        ins.wave
                    ),
                ));
            }
        }
        let structure = self.structure.clone().or_else(|| {
            let p = sibling_structure(&self.path)?;
            let name = p.file_name()?.to_str()?.to_string();
            let display = Path::new(&self.display).with_file_name(name);
            Some((p, display.display().to_string()))
        });
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
        Ok((data, instrument))
    }
}
