//! Writing outputs without leaving half-written files: everything is
//! rendered first (in memory, or streamed to a temporary file in its
//! folder), then each file is renamed into place.

use std::io::Write;
use std::path::{Path, PathBuf};

use pokeval_model::{Error, Result};

/// Output files being written: each goes to a temporary file beside its
/// target, and [`Staged::commit`] renames them all into place. Dropped
/// without a commit (a later step failed), the temporary files are
/// removed and the targets stay as they were. Large outputs (the analysis
/// JSON) are streamed to their temporary file instead of being built in
/// memory.
#[derive(Default)]
pub struct Staged {
    files: Vec<(PathBuf, tempfile::NamedTempFile)>,
}

impl Staged {
    /// Stages `contents` for `path`.
    pub fn bytes(&mut self, path: &Path, contents: &[u8]) -> Result<()> {
        self.with_writer(path, |w| w.write_all(contents))
    }

    /// Stages what `write` writes for `path` (buffered).
    pub fn with_writer(
        &mut self,
        path: &Path,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::Write {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let werr = |e: std::io::Error| Error::Write {
            path: path.to_path_buf(),
            source: e,
        };
        let tmp = tempfile::Builder::new()
            .prefix(".pokeval-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(werr)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp);
        write(&mut w).map_err(werr)?;
        let tmp = w.into_inner().map_err(|e| werr(e.into_error()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // temporary files are private; outputs are ordinary files
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(werr)?;
        }
        tmp.as_file().sync_all().map_err(werr)?;
        self.files.push((path.to_path_buf(), tmp));
        Ok(())
    }

    /// The files staged so far.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.iter().map(|(p, _)| p.clone()).collect()
    }

    /// Renames every staged file into place, in the order staged.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::with_capacity(self.files.len());
        for (path, tmp) in self.files {
            tmp.persist(&path).map_err(|e| Error::Write {
                path: path.clone(),
                source: e.error,
            })?;
            done.push(path);
        }
        Ok(done)
    }
}

/// Writes `contents` to `path` atomically (temporary file + rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let mut staged = Staged::default();
    staged.bytes(path, contents)?;
    staged.commit().map(drop)
}

/// Writes several files, each atomically. Callers build every file's
/// contents before calling, so a failing step never leaves a partial set.
pub fn write_all<B: AsRef<[u8]>>(files: &[(PathBuf, B)]) -> Result<()> {
    let mut staged = Staged::default();
    for (path, contents) in files {
        staged.bytes(path, contents.as_ref())?;
    }
    staged.commit().map(drop)
}

/// Removes a file left by an earlier run, if it is there.
pub fn remove_stale(path: &Path) -> Result<()> {
    if path.is_file() {
        std::fs::remove_file(path).map_err(|e| Error::Write {
            path: path.to_path_buf(),
            source: e,
        })?;
    }
    Ok(())
}

/// `e` with a note naming which of `outputs` (the files the failed run
/// would have written) exist from an earlier run; `e` unchanged when none
/// does or when the output folder itself was refused.
pub(crate) fn with_stale_note(
    e: crate::error::Error,
    dir: &Path,
    outputs: &[PathBuf],
) -> crate::error::Error {
    if matches!(e, crate::error::Error::Input(Error::OutputFolder { .. })) {
        return e;
    }
    let files: Vec<String> = outputs
        .iter()
        .filter(|p| p.is_file())
        .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
        .collect();
    if files.is_empty() {
        return e;
    }
    crate::error::Error::Stale {
        source: Box::new(e),
        dir: dir.to_path_buf(),
        files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn staged_files_appear_only_on_commit_and_vanish_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("analyse.json");
        std::fs::write(&old, "oud").unwrap();

        // dropped without a commit: the target keeps its content, no temporary file stays
        {
            let mut s = Staged::default();
            s.bytes(&old, b"nieuw").unwrap();
            s.with_writer(&dir.path().join("rapport.html"), |w| w.write_all(b"<html>"))
                .unwrap();
            assert_eq!(
                names(dir.path()).len(),
                3,
                "two temporary files beside the old one"
            );
        }
        assert_eq!(names(dir.path()), vec!["analyse.json"]);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "oud");

        // committed: both are in place, nothing else
        let mut s = Staged::default();
        s.bytes(&old, b"nieuw").unwrap();
        s.with_writer(&dir.path().join("rapport.html"), |w| w.write_all(b"<html>"))
            .unwrap();
        let done = s.commit().unwrap();
        assert_eq!(done.len(), 2);
        assert_eq!(names(dir.path()), vec!["analyse.json", "rapport.html"]);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "nieuw");
    }

    #[test]
    fn a_failing_writer_stages_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Staged::default();
        let err = s
            .with_writer(&dir.path().join("analyse.json"), |_| {
                Err(std::io::Error::other("serialisation failed"))
            })
            .unwrap_err();
        assert!(err.to_string().contains("analyse.json"), "{err}");
        drop(s);
        assert!(names(dir.path()).is_empty());
    }
}
