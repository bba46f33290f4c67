//! Zip archives (.qdpx, .docx, .odt) read with bounds: at most
//! [`MAX_ENTRY`] bytes per entry and [`MAX_TOTAL`] in all after
//! decompression, so a zip bomb fails with a clear error instead of filling
//! memory.

use std::io::Read;
use std::path::{Path, PathBuf};

use pokeval_model::error::{Error, Result};

/// Largest decompressed entry read from an archive.
pub const MAX_ENTRY: u64 = 256 * 1024 * 1024;
/// Largest decompressed total read from an archive.
pub const MAX_TOTAL: u64 = 1024 * 1024 * 1024;

/// An open archive with the names of its entries.
pub struct Archive {
    path: PathBuf,
    zip: zip::ZipArchive<std::fs::File>,
    /// The names of its entries, in archive order.
    pub entries: Vec<String>,
    total: u64,
}

impl Archive {
    /// Opens `path`; `what` names the expected kind of file for the error
    /// ("a .qdpx (zip) archive", "a Word document (.docx)").
    pub fn open(path: &Path, what: &str) -> Result<Archive> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| {
            malformed(
                path,
                format!("not a readable {what}: {e}; save or export the file again"),
            )
        })?;
        let mut entries = Vec::new();
        for i in 0..zip.len() {
            let f = zip
                .by_index(i)
                .map_err(|e| malformed(path, format!("archive entry {i}: {e}")))?;
            let name = f.name().map_err(|e| {
                malformed(path, format!("archive entry {i} has no readable name: {e}"))
            })?;
            entries.push(name.to_string());
        }
        Ok(Archive {
            path: path.to_path_buf(),
            zip,
            entries,
            total: 0,
        })
    }

    /// Reads an entry by exact name; `None` when the archive has no such entry.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let Some(i) = self.entries.iter().position(|e| e == name) else {
            return Ok(None);
        };
        let path = &self.path;
        let f = self
            .zip
            .by_index(i)
            .map_err(|e| malformed(path, format!("archive entry {name}: {e}")))?;
        if f.encrypted() {
            return Err(Error::Unsupported {
                path: path.clone(),
                message: format!("archive entry {name} is encrypted; save an unprotected copy"),
            });
        }
        let mut buf = Vec::new();
        let n = f.take(MAX_ENTRY + 1).read_to_end(&mut buf).map_err(|e| {
            malformed(
                path,
                format!("archive entry {name} cannot be decompressed: {e}"),
            )
        })?;
        self.total += n as u64;
        if n as u64 > MAX_ENTRY || self.total > MAX_TOTAL {
            return Err(Error::TooLarge {
                path: path.clone(),
                message: format!(
                    "archive entry {name} decompresses to more than the limit ({} MiB per entry, {} MiB in all); this is not a normal document",
                    MAX_ENTRY >> 20,
                    MAX_TOTAL >> 20
                ),
            });
        }
        Ok(Some(buf))
    }
}

/// The zip archive (or one of its entries) cannot be read.
fn malformed(path: &Path, message: String) -> Error {
    Error::Malformed {
        path: path.to_path_buf(),
        format: "zip",
        message,
    }
}
