//! Paths: a file's kind by its extension, and how a path is shown.

use std::path::{Path, PathBuf};

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

/// `p` made absolute (from the current folder), with `.` and `..` taken
/// out and the part that exists resolved through symbolic links, so two
/// spellings of one folder compare equal.
pub fn normalise(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut clean = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    // resolve the longest existing ancestor, keep the rest as written
    let mut rest = Vec::new();
    let mut base = clean.as_path();
    loop {
        if let Ok(real) = base.canonicalize() {
            let mut out = real;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return out;
        }
        match (base.file_name(), base.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                base = parent;
            }
            _ => return clean,
        }
    }
}
