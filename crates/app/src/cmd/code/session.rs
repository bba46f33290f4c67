//! The workbench's state: the prepared project, the workbench file as last
//! written, and the figures made of it; and every change a coder can make,
//! checked before it is applied. Nothing here knows HTTP.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{json, Value};

use pokeval_analysis::review::{manual_figures, ManualFigures};
use pokeval_analysis::{Codebook, Coding, Origin};
use pokeval_ingest::manual::ManualRecord;
use pokeval_ingest::project::Project;
use pokeval_ingest::workbench::{Decision, Review, SourceMemo, Workbench};
use pokeval_ingest::Inputs;
use pokeval_model::Progress;
use pokeval_model::{Segment, SourceKind, Span};

/// Why a change was not made; the HTTP layer turns it into a status.
#[derive(Debug)]
pub enum Refusal {
    /// The change names something that does not exist or may not be done
    /// (400).
    Invalid(String),
    /// The change was made against an older revision (409).
    Stale {
        /// The workbench revision the page last saw; a newer one on disk refuses the
        /// change.
        revision: u64,
    },
    /// Writing the file failed (500); nothing changed.
    Write(String),
}

/// One change, as the page sends it.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Accept or reject the rule coding `code` of `segment` (`clear`
    /// withdraws one's review); rejecting with `recode` also codes the
    /// segment with that code instead.
    Review {
        /// The workbench revision the page last saw; a newer one on disk refuses the
        /// change.
        revision: u64,
        /// The segment's id.
        segment: String,
        /// The code the rule gave.
        code: String,
        /// Accept, reject or clear.
        decision: ReviewDecision,
        /// When rejecting, the code to apply instead.
        #[serde(default)]
        recode: Option<String>,
    },
    /// Code a span.
    Add {
        /// The workbench revision the page last saw; a newer one on disk refuses the
        /// change.
        revision: u64,
        /// The id of the source.
        source: String,
        /// The first code point of the selection.
        start: usize,
        /// The code point after the last one.
        end: usize,
        /// The code to apply.
        code: String,
    },
    /// Remove one's own coding.
    Remove {
        /// The workbench revision the page last saw; a newer one on disk refuses the
        /// change.
        revision: u64,
        /// The coding's number in the workbench file.
        id: u64,
    },
    /// Give one's own coding another code.
    Recode {
        /// The workbench revision the page last saw; a newer one on disk refuses the
        /// change.
        revision: u64,
        /// The coding's number in the workbench file.
        id: u64,
        /// The new code.
        code: String,
    },
    /// Move one's own coding to another span of the same source.
    Adjust {
        /// The workbench revision the page last saw; a newer one on disk refuses the
        /// change.
        revision: u64,
        /// The coding's number in the workbench file.
        id: u64,
        /// The new first code point.
        start: usize,
        /// The new end (the code point after the last one).
        end: usize,
    },
    /// Set the memo of one's own coding.
    Memo {
        /// The workbench revision the page last saw; a newer one on disk refuses the
        /// change.
        revision: u64,
        /// The coding's number in the workbench file.
        id: u64,
        /// The memo (empty removes it).
        memo: String,
    },
    /// Set one's memo on a source.
    SourceMemo {
        /// The workbench revision the page last saw; a newer one on disk refuses the
        /// change.
        revision: u64,
        /// The id of the source.
        source: String,
        /// The memo (empty removes it).
        memo: String,
    },
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ReviewDecision {
    Accepted,
    Rejected,
    Clear,
}

impl Change {
    fn revision(&self) -> u64 {
        match self {
            Change::Review { revision, .. }
            | Change::Add { revision, .. }
            | Change::Remove { revision, .. }
            | Change::Recode { revision, .. }
            | Change::Adjust { revision, .. }
            | Change::Memo { revision, .. }
            | Change::SourceMemo { revision, .. } => *revision,
        }
    }
}

/// A codable source as the workbench lists it.
struct Listed {
    index: usize,
    label: String,
    /// Its offsets and segments, made when first needed (making them for
    /// 1,000 notes at start took longer than opening one).
    cut: std::sync::OnceLock<Cut>,
    /// Rule codings of this source; `None` until they are made (the
    /// first source's at start, the others' on a thread of their own).
    rules: Option<Vec<Coding>>,
}

/// What the workbench starts from: the project, its codebook and its
/// inputs read as a build reads them (`Coded::prepare`), without coding,
/// statistics, the report or earlier waves. The rule codings are made by
/// [`Coded::code`]: the first listed source's before the page is served,
/// the rest beside it ([`Session::set_rules`]).
pub struct Coded {
    /// The project, as read.
    pub project: Project,
    /// Its codebook.
    pub codebook: Codebook,
    /// Its inputs, as a build reads them.
    pub inputs: Inputs,
}

impl Coded {
    /// Reads the project at `path`, its codebook and inputs.
    pub fn prepare(path: &std::path::Path, progress: &dyn Progress) -> crate::Result<Coded> {
        progress.step("reading the project file");
        let project = Project::load(path)?;
        let codebook = crate::codebook_of(&project)?;
        let inputs = pokeval_ingest::ingest(&project, progress)?;
        Ok(Coded {
            project,
            codebook,
            inputs,
        })
    }

    /// The sources whose rule codings the workbench needs: the notes and
    /// documents it lists, and the survey answers a codings file names
    /// (the only answers whose rule codings the figures use; a national
    /// survey's other answers are not coded here).
    pub fn to_code(&self) -> Vec<pokeval_model::Source> {
        let sources = &self.inputs.sources;
        let named = pokeval_analysis::manual::named_sources(&self.inputs.manual, sources);
        sources
            .iter()
            .filter(|s| s.kind != SourceKind::SurveyAnswer || named.contains(s.id.as_str()))
            .cloned()
            .collect()
    }

    /// The rule codings of `sources`, as a build makes them.
    pub fn code(&self, sources: &[pokeval_model::Source]) -> crate::Result<Vec<Coding>> {
        let (_, rules) = pokeval_analysis::autocode::autocode_counted(
            &self.codebook,
            sources,
            self.inputs.coding_unit,
            &pokeval_model::NoProgress,
        )?;
        Ok(rules)
    }
}

/// A listed source's text, cut up.
struct Cut {
    /// The text as code points' byte offsets: `offsets[i]` is where code
    /// point `i` starts (and `offsets[len]` the text's length).
    offsets: Vec<usize>,
    segments: Vec<Segment>,
}

/// The workbench's state.
pub struct Session {
    p: std::sync::Arc<Coded>,
    /// Who codes in this session.
    pub coder: String,
    path: PathBuf,
    /// The file as shown in messages and manual-coding rejects.
    pub display: String,
    wb: Workbench,
    /// Manual codings from the project's other files.
    base: Vec<ManualRecord>,
    /// Those, placed: per source, (span, code, coder).
    base_placed: HashMap<String, Vec<(Span, String, String)>>,
    listed: Vec<Listed>,
    by_id: HashMap<String, usize>,
    /// The rule codings of every source [`Coded::to_code`] gives, once
    /// made; or why they could not be.
    rules: Option<crate::Result<Vec<Coding>>>,
    /// Placed manual codings and the figures, once the rules are coded.
    figures: Option<ManualFigures>,
    /// Municipality names by CBS code.
    names: HashMap<String, String>,
}

/// A source's readable label: "Gemeente Enschede · beleidsadviseur ·
/// 4 maart 2024 (01-enschede.md)".
fn label(s: &pokeval_model::Source, names: &HashMap<String, String>) -> String {
    let mut parts = vec![match s.municipality.as_deref() {
        Some(code) => format!("Gemeente {}", names.get(code).map_or(code, String::as_str)),
        None => "Onbekende gemeente".to_string(),
    }];
    if s.kind == SourceKind::Document {
        parts.push("document".to_string());
    }
    parts.extend(s.meta.get("rol").map(str::to_string));
    parts.extend(s.meta.get("datum").map(pokeval_report::format::format_date));
    let file = s.file.rsplit('/').next().unwrap_or(&s.file);
    format!("{} ({file})", parts.join(" · "))
}

impl Session {
    /// The session of a read project, coding as `coder`; its rule codings
    /// come with [`Session::code_first`] and [`Session::set_rules`].
    pub fn new(p: std::sync::Arc<Coded>, coder: &str) -> pokeval_model::Result<Session> {
        let path = p.project.config.coding.workbench.clone();
        let display = p.project.display_path(&path);
        let wb = Workbench::load(&path)?;
        let base: Vec<ManualRecord> = p
            .inputs
            .manual
            .iter()
            .filter(|r| r.file != display)
            .cloned()
            .collect();
        let names: HashMap<String, String> = p
            .inputs
            .register
            .iter()
            .map(|m| (m.code.clone(), m.name.clone()))
            .collect();
        let mut listed = Vec::new();
        for (index, s) in p.inputs.sources.iter().enumerate() {
            if s.kind == SourceKind::SurveyAnswer {
                continue;
            }
            listed.push(Listed {
                index,
                label: label(s, &names),
                cut: std::sync::OnceLock::new(),
                rules: None,
            });
        }
        let by_id = listed
            .iter()
            .enumerate()
            .map(|(i, l)| (p.inputs.sources[l.index].id.clone(), i))
            .collect();
        let placed = manual_figures(&p.inputs, &base, &p.codebook, std::iter::empty());
        let mut base_placed: HashMap<String, Vec<(Span, String, String)>> = HashMap::new();
        for c in &placed.codings {
            if let Origin::Manual { coder } = &c.origin {
                base_placed.entry(c.source.to_string()).or_default().push((
                    c.matched.unwrap_or(c.span),
                    c.code.to_string(),
                    coder.to_string(),
                ));
            }
        }
        let session = Session {
            figures: None,
            rules: None,
            p,
            coder: coder.to_string(),
            path,
            display,
            wb,
            base,
            base_placed,
            listed,
            by_id,
            names,
        };
        Ok(session)
    }

    /// `l`'s offsets and segments.
    fn cut<'a>(&self, l: &'a Listed) -> &'a Cut {
        l.cut.get_or_init(|| {
            let s = &self.p.inputs.sources[l.index];
            let mut offsets: Vec<usize> = s.text.char_indices().map(|(i, _)| i).collect();
            offsets.push(s.text.len());
            Cut {
                offsets,
                segments: pokeval_analysis::autocode::segments(s, self.p.inputs.coding_unit),
            }
        })
    }

    /// The workbench file's revision.
    pub fn revision(&self) -> u64 {
        self.wb.revision
    }

    /// Codes the first listed source (the one the page opens), so that
    /// it can be shown before the others are coded.
    pub fn code_first(&mut self) -> crate::Result<()> {
        if let Some(first) = self.listed.first() {
            let source = self.p.inputs.sources[first.index].clone();
            let rules = self.p.code(std::slice::from_ref(&source))?;
            self.listed[0].rules = Some(rules);
        }
        Ok(())
    }

    /// The project as read, for coding beside the server.
    pub fn coded(&self) -> std::sync::Arc<Coded> {
        self.p.clone()
    }

    /// Takes the rule codings of every source ([`Coded::to_code`]) and
    /// computes the figures.
    pub fn set_rules(&mut self, rules: crate::Result<Vec<Coding>>) {
        if let Ok(all) = &rules {
            let mut by_source: HashMap<&str, Vec<Coding>> = HashMap::new();
            for c in all {
                by_source.entry(&c.source).or_default().push(c.clone());
            }
            for l in &mut self.listed {
                let id = self.p.inputs.sources[l.index].id.as_str();
                l.rules = Some(by_source.remove(id).unwrap_or_default());
            }
        }
        self.rules = Some(rules);
        self.refigure();
    }

    /// Whether the rule codings are still being made.
    pub fn coding(&self) -> bool {
        self.rules.is_none()
    }

    /// Places every manual coding again and recomputes the figures (once
    /// the rules are coded).
    fn refigure(&mut self) {
        let Some(Ok(rules)) = &self.rules else {
            return;
        };
        let mut records = self.base.clone();
        records.extend(self.wb.records(&self.display));
        self.figures = Some(manual_figures(
            &self.p.inputs,
            &records,
            &self.p.codebook,
            rules.iter(),
        ));
    }

    /// Takes the file as it is on disk when another writer changed it (a
    /// second workbench on the same file, an edit by hand).
    fn reload(&mut self) -> Result<(), Refusal> {
        let on_disk = Workbench::load(&self.path).map_err(|e| Refusal::Write(e.to_string()))?;
        if !on_disk.same_items(&self.wb) {
            self.wb = on_disk;
            self.refigure();
        }
        Ok(())
    }

    fn listed(&self, source: &str) -> Result<&Listed, Refusal> {
        self.by_id
            .get(source)
            .map(|&i| &self.listed[i])
            .ok_or_else(|| {
                Refusal::Invalid(format!(
                    "bron '{source}' is geen codeerbare bron van dit project"
                ))
            })
    }

    fn check_code(&self, code: &str) -> Result<(), Refusal> {
        match self.p.codebook.code(code) {
            Some(_) => Ok(()),
            None => Err(Refusal::Invalid(format!(
                "code '{code}' staat niet in het codeboek"
            ))),
        }
    }

    /// The text of code points `start..end` of a listed source, checked.
    fn span_text(&self, l: &Listed, start: usize, end: usize) -> Result<String, Refusal> {
        let offsets = &self.cut(l).offsets;
        let len = offsets.len() - 1;
        if start >= end || end > len {
            return Err(Refusal::Invalid(format!(
                "het bereik {start}-{end} ligt niet binnen de bron (0-{len})"
            )));
        }
        let text = &self.p.inputs.sources[l.index].text[offsets[start]..offsets[end]];
        if text.trim().is_empty() {
            return Err(Refusal::Invalid(
                "de selectie bevat alleen witruimte".into(),
            ));
        }
        Ok(text.to_string())
    }

    fn own(&self, id: u64) -> Result<usize, Refusal> {
        let i = self
            .wb
            .codings
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| Refusal::Invalid(format!("codering {id} bestaat niet (meer)")))?;
        if self.wb.codings[i].coder != self.coder {
            return Err(Refusal::Invalid(format!(
                "codering {id} is van {}; alleen die codeur kan haar wijzigen",
                self.wb.codings[i].coder
            )));
        }
        Ok(i)
    }

    /// Applies `change` if it was made against the current revision,
    /// writes the file atomically and recomputes the figures. Returns the
    /// source the change touched. On any refusal nothing changed.
    pub fn apply(&mut self, change: Change) -> Result<String, Refusal> {
        self.reload()?;
        if change.revision() != self.wb.revision {
            return Err(Refusal::Stale {
                revision: self.wb.revision,
            });
        }
        let mut wb = self.wb.clone();
        let me = self.coder.clone();
        let touched = match change {
            Change::Review {
                segment,
                code,
                decision,
                recode,
                ..
            } => {
                let source = segment
                    .rsplit_once('#')
                    .map(|(s, _)| s.to_string())
                    .unwrap_or_default();
                let l = self.listed(&source)?;
                let seg = self
                    .cut(l)
                    .segments
                    .iter()
                    .find(|s| s.id == segment)
                    .ok_or_else(|| Refusal::Invalid(format!("segment '{segment}' bestaat niet")))?;
                let coded = l.rules.as_deref().ok_or_else(|| {
                    Refusal::Invalid(
                        "de autocodes van deze bron worden nog toegekend; probeer het zo opnieuw"
                            .into(),
                    )
                })?;
                let rule = coded
                    .iter()
                    .find(|c| &*c.segment == segment.as_str() && &*c.code == code.as_str())
                    .and_then(|c| match &c.origin {
                        Origin::Rule { rule } => Some(rule.to_string()),
                        Origin::Manual { .. } => None,
                    })
                    .ok_or_else(|| {
                        Refusal::Invalid(format!(
                            "geen regel gaf segment '{segment}' de code {code}"
                        ))
                    })?;
                let text = self.span_text(l, seg.span.start, seg.span.end)?;
                let span = seg.span;
                wb.reviews
                    .retain(|r| !(r.segment == segment && r.code == code && r.reviewer == me));
                if let Some(new) = &recode {
                    self.check_code(new)?;
                    if decision != ReviewDecision::Rejected {
                        return Err(Refusal::Invalid(
                            "een andere code hoort bij het afwijzen van de autocode".into(),
                        ));
                    }
                }
                let decision = match decision {
                    ReviewDecision::Accepted => Some(Decision::Accepted),
                    ReviewDecision::Rejected => Some(Decision::Rejected),
                    ReviewDecision::Clear => None,
                };
                if let Some(decision) = decision {
                    wb.reviews.push(Review {
                        source: source.clone(),
                        segment: segment.clone(),
                        start: span.start,
                        end: span.end,
                        text: text.clone(),
                        code,
                        rule,
                        reviewer: me.clone(),
                        decision,
                    });
                }
                if let Some(new) = recode {
                    wb.push_coding(source.clone(), (span.start, span.end), text, new, me);
                }
                source
            }
            Change::Add {
                source,
                start,
                end,
                code,
                ..
            } => {
                self.check_code(&code)?;
                let l = self.listed(&source)?;
                let text = self.span_text(l, start, end)?;
                if wb.codings.iter().any(|c| {
                    c.source == source
                        && c.start == start
                        && c.end == end
                        && c.code == code
                        && c.coder == me
                }) {
                    return Err(Refusal::Invalid(format!(
                        "u gaf deze passage al de code {code}"
                    )));
                }
                wb.push_coding(source.clone(), (start, end), text, code, me);
                source
            }
            Change::Remove { id, .. } => {
                let i = self.own(id)?;
                wb.codings.remove(i).source
            }
            Change::Recode { id, code, .. } => {
                self.check_code(&code)?;
                let i = self.own(id)?;
                wb.codings[i].code = code;
                wb.codings[i].source.clone()
            }
            Change::Adjust { id, start, end, .. } => {
                let i = self.own(id)?;
                let source = wb.codings[i].source.clone();
                let l = self.listed(&source)?;
                let text = self.span_text(l, start, end)?;
                let c = &mut wb.codings[i];
                (c.start, c.end, c.text) = (start, end, text);
                source
            }
            Change::Memo { id, memo, .. } => {
                let i = self.own(id)?;
                wb.codings[i].memo = memo;
                wb.codings[i].source.clone()
            }
            Change::SourceMemo { source, memo, .. } => {
                self.listed(&source)?;
                wb.memos.retain(|m| !(m.source == source && m.coder == me));
                if !memo.trim().is_empty() {
                    wb.memos.push(SourceMemo {
                        source: source.clone(),
                        coder: me,
                        memo,
                    });
                }
                source
            }
        };
        wb.revision += 1;
        wb.renumber();
        crate::output::write_atomic(&self.path, &wb.to_bytes())
            .map_err(|e| Refusal::Write(e.to_string()))?;
        self.wb = wb;
        self.refigure();
        Ok(touched)
    }

    /// Everything the page needs besides one source's text: the coder, the
    /// revision, the codebook with counts, the source list and the figures.
    pub fn state(&mut self) -> Value {
        let _ = self.reload();
        let reviewed: std::collections::HashSet<(&str, &str)> = self
            .wb
            .reviews
            .iter()
            .map(|r| (r.segment.as_str(), r.code.as_str()))
            .collect();
        let mut manual_per_code: HashMap<&str, usize> = HashMap::new();
        let mut manual_per_source: HashMap<&str, std::collections::BTreeSet<&str>> = HashMap::new();
        let placed = self.figures.as_ref().map_or(&[][..], |f| &f.codings[..]);
        for c in placed {
            *manual_per_code.entry(&c.code).or_default() += 1;
            manual_per_source
                .entry(&c.source)
                .or_default()
                .insert(&c.code);
        }
        let mut rules_per_code: HashMap<&str, usize> = HashMap::new();
        let sources: Vec<Value> = self
            .listed
            .iter()
            .map(|l| {
                let s = &self.p.inputs.sources[l.index];
                let mut codes: std::collections::BTreeSet<&str> = manual_per_source
                    .get(s.id.as_str())
                    .cloned()
                    .unwrap_or_default();
                let coded = l.rules.as_deref().unwrap_or(&[]);
                for c in coded {
                    *rules_per_code.entry(&c.code).or_default() += 1;
                    codes.insert(&c.code);
                }
                let done = coded
                    .iter()
                    .filter(|c| reviewed.contains(&(&*c.segment, &*c.code)))
                    .count();
                json!({
                    "id": s.id,
                    "label": l.label,
                    "municipality": s.municipality.as_deref().map(|m| self.names.get(m).map_or(m, String::as_str)),
                    "wave": s.wave.year(),
                    "role": s.meta.get("rol"),
                    "kind": s.kind.label(),
                    "autocodes": l.rules.as_ref().map(Vec::len),
                    "reviewed": done,
                    "codes": codes,
                })
            })
            .collect();
        let codebook: Vec<Value> = self
            .p
            .codebook
            .codes
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "label": c.label,
                    "parent": c.parent,
                    "depth": self.p.codebook.ancestors(&c.id).len(),
                    "action_line": c.action_line.map(pokeval_model::ActionLine::number),
                    "description": c.description,
                    "examples": c.examples,
                    "rules": rules_per_code.get(c.id.as_str()).copied().unwrap_or(0),
                    "manual": manual_per_code.get(c.id.as_str()).copied().unwrap_or(0),
                })
            })
            .collect();
        json!({
            "coding": self.coding(),
            "coder": self.coder,
            "file": self.display,
            "revision": self.wb.revision,
            "project": self.p.project.config.name,
            "codebook": codebook,
            "sources": sources,
            "figures": self.figures_json(),
        })
    }

    /// Agreement and rule quality as the report shows them, and the
    /// workbench's codings that could not be placed.
    pub fn figures_json(&self) -> Value {
        let Some(f) = &self.figures else {
            let error = match &self.rules {
                Some(Err(e)) => Some(e.to_string()),
                _ => None,
            };
            return json!({ "pending": error.is_none(), "error": error, "gold": self.p.inputs.gold, "rejects": [] });
        };
        let agreement = f.agreement.as_ref().map(|a| {
            json!({
                "coders": a.coders,
                "units": a.units,
                "alpha": a.overall.alpha,
                "pairs": a.overall.pairs.iter().map(|p| json!({
                    "a": p.coder_a, "b": p.coder_b, "units": p.units,
                    "percent": p.percent_agreement, "kappa": p.kappa,
                })).collect::<Vec<_>>(),
                "per_code": a.per_code.iter().filter(|c| a.pooled_codes.contains(&c.code)).map(|c| json!({
                    "code": c.code, "label": c.label, "alpha": c.alpha,
                })).collect::<Vec<_>>(),
            })
        });
        let quality = f.rule_quality.as_ref().map(|q| {
            json!({
                "gold": q.gold,
                "units": q.units,
                "precision": q.overall.precision,
                "recall": q.overall.recall,
                "f1": q.overall.f1,
                "per_code": q.per_code.iter().filter(|c| c.quality.true_positives + c.quality.false_positives + c.quality.false_negatives > 0).map(|c| json!({
                    "code": c.code, "label": c.label,
                    "precision": c.quality.precision, "recall": c.quality.recall,
                    "tp": c.quality.true_positives, "fp": c.quality.false_positives, "fn": c.quality.false_negatives,
                })).collect::<Vec<_>>(),
            })
        });
        let rejects: Vec<Value> = f
            .rejects
            .iter()
            .filter(|r| r.file == self.display)
            .map(|r| json!({ "line": r.line, "reason": r.reason }))
            .collect();
        json!({
            "agreement": agreement,
            "rule_quality": quality,
            "gold": self.p.inputs.gold,
            "rejects": rejects,
        })
    }

    /// One source: its text, segments with their rule codings and
    /// reviews, every coder's codings and the memos.
    pub fn source(&mut self, id: &str) -> Result<Value, Refusal> {
        let _ = self.reload();
        let l = self.listed(id)?;
        let s = &self.p.inputs.sources[l.index];
        let code_info = |code: &str| {
            let c = self.p.codebook.code(code);
            (
                c.map_or(code, |c| c.label.as_str()).to_string(),
                c.and_then(|c| c.action_line)
                    .map(pokeval_model::ActionLine::number),
            )
        };
        let mut reviews: BTreeMap<(&str, &str), Vec<Value>> = BTreeMap::new();
        for r in self.wb.reviews.iter().filter(|r| r.source == id) {
            reviews
                .entry((r.segment.as_str(), r.code.as_str()))
                .or_default()
                .push(json!({
                    "reviewer": r.reviewer,
                    "decision": r.decision,
                    "mine": r.reviewer == self.coder,
                }));
        }
        let segments: Vec<Value> = self
            .cut(l)
            .segments
            .iter()
            .map(|seg| {
                let autocodes: Vec<Value> = l
                    .rules
                    .iter()
                    .flatten()
                    .filter(|c| *c.segment == *seg.id)
                    .map(|c| {
                        let (label, line) = code_info(&c.code);
                        let rule = match &c.origin {
                            Origin::Rule { rule } => rule.to_string(),
                            Origin::Manual { coder } => coder.to_string(),
                        };
                        json!({
                            "code": c.code,
                            "label": label,
                            "action_line": line,
                            "rule": rule,
                            "matched": c.matched.map(|m| [m.start, m.end]),
                            "reviews": reviews.get(&(seg.id.as_str(), &*c.code)).cloned().unwrap_or_default(),
                        })
                    })
                    .collect();
                json!({
                    "id": seg.id,
                    "start": seg.span.start,
                    "end": seg.span.end,
                    "autocodes": autocodes,
                })
            })
            .collect();
        let codings: Vec<Value> = self
            .wb
            .codings
            .iter()
            .filter(|c| c.source == id)
            .map(|c| {
                let (label, line) = code_info(&c.code);
                json!({
                    "id": c.id, "start": c.start, "end": c.end, "code": c.code,
                    "label": label, "action_line": line, "coder": c.coder,
                    "memo": c.memo, "mine": c.coder == self.coder,
                })
            })
            .collect();
        let file_codings: Vec<Value> = self
            .base_placed
            .get(id)
            .map(|v| {
                v.iter()
                    .map(|(span, code, coder)| {
                        let (label, line) = code_info(code);
                        json!({
                            "start": span.start, "end": span.end, "code": code,
                            "label": label, "action_line": line, "coder": coder,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let memos: Vec<Value> = self
            .wb
            .memos
            .iter()
            .filter(|m| m.source == id)
            .map(|m| json!({ "coder": m.coder, "memo": m.memo, "mine": m.coder == self.coder }))
            .collect();
        Ok(json!({
            "id": s.id,
            "label": l.label,
            "text": s.text,
            "segments": segments,
            "codings": codings,
            "file_codings": file_codings,
            "memos": memos,
        }))
    }

    /// The passages of `code` in the listed sources: rule codings and
    /// manual ones, at most `limit`, and how many there are in all.
    pub fn passages(&self, code: &str, limit: usize) -> Result<Value, Refusal> {
        self.check_code(code)?;
        let mut out = Vec::new();
        let mut total = 0;
        let excerpt = |l: &Listed, span: Span| {
            let s = &self.p.inputs.sources[l.index].text;
            let offsets = &self.cut(l).offsets;
            let end = span.end.min(offsets.len() - 1);
            let start = span.start.min(end);
            let t: String = s[offsets[start]..offsets[end]].chars().take(160).collect();
            t
        };
        // the manual codings of the code by source, in one pass over them
        let mut manual: HashMap<&str, Vec<(Span, String)>> = HashMap::new();
        for c in self.figures.iter().flat_map(|f| f.codings.iter()) {
            if &*c.code == code {
                let who = match &c.origin {
                    Origin::Manual { coder } => coder.to_string(),
                    Origin::Rule { .. } => "regel".to_string(),
                };
                manual
                    .entry(&c.source)
                    .or_default()
                    .push((c.matched.unwrap_or(c.span), who));
            }
        }
        for l in &self.listed {
            let id = &self.p.inputs.sources[l.index].id;
            let rules = l
                .rules
                .iter()
                .flatten()
                .filter(|c| &*c.code == code)
                .map(|c| (c.span, "regel".to_string()));
            let manual = manual.remove(id.as_str()).unwrap_or_default();
            for (span, who) in rules.chain(manual) {
                total += 1;
                if out.len() < limit {
                    out.push(json!({
                        "source": id,
                        "label": l.label,
                        "start": span.start,
                        "end": span.end,
                        "by": who,
                        "text": excerpt(l, span),
                    }));
                }
            }
        }
        Ok(json!({ "code": code, "total": total, "passages": out }))
    }
}
