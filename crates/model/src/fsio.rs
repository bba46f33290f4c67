//! Paths: a file's kind by its extension, and how a path is shown.

use std::path::Path;

/// The extension of `path` in lower case (`""` when it has none), which
/// is how inputs are told apart.
pub fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// `p` relative to `root` when it lies below it, with `/` separators.
pub fn relative_display(root: &Path, p: &Path) -> String {
    let Ok(rel) = p.strip_prefix(root) else {
        return p.display().to_string();
    };
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
