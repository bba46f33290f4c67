//! Writing outputs without leaving half-written files: everything is
//! rendered in memory first, then each file goes to a temporary file in
//! its folder and is renamed into place.

use std::io::Write;
use std::path::{Path, PathBuf};

use pokeval_model::{Error, Result};

/// Writes `contents` to `path` atomically (temporary file + rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
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
    let mut tmp = tempfile::Builder::new()
        .prefix(".pokeval-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(werr)?;
    tmp.write_all(contents).map_err(werr)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // temporary files are private; outputs are ordinary files
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(werr)?;
    }
    tmp.as_file().sync_all().map_err(werr)?;
    tmp.persist(path).map_err(|e| werr(e.error))?;
    Ok(())
}

/// Writes several files, each atomically. Callers build every file's
/// contents before calling, so a failing step never leaves a partial set.
pub fn write_all<B: AsRef<[u8]>>(files: &[(PathBuf, B)]) -> Result<()> {
    for (path, contents) in files {
        write_atomic(path, contents.as_ref())?;
    }
    Ok(())
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
