//! Writing outputs without leaving half-written files: each file is written
//! to a temporary file in the same folder and renamed into place.

use std::path::Path;

use crate::error::Result;

pub use pokeval_ingest::fsio::write_atomic;

/// Writes several files; all contents are complete in memory before the
/// first write, so a failure in rendering never leaves a partial report.
pub fn write_all(dir: &Path, files: &[(&str, &[u8])]) -> Result<()> {
    for (name, contents) in files {
        write_atomic(&dir.join(name), contents)?;
    }
    Ok(())
}
