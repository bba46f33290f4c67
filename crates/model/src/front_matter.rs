//! Front matter: the TOML (`+++`) or YAML (`---`) block at the top of a
//! note or a report source, split from the body.

use std::path::Path;

use crate::error::{Error, Result};

/// Which front matter a text starts with.
enum Fence {
    Toml,
    Yaml,
}

/// Splits front matter from the body. Returns `None` when the text has no
/// front matter; an opened but unclosed block is an error.
pub fn front_matter<'a>(
    path: &Path,
    text: &'a str,
) -> Result<Option<(&'a str, &'a str, &'static str)>> {
    let (fence, rest) = if let Some(r) = text.strip_prefix("+++") {
        (Fence::Toml, r)
    } else if let Some(r) = text.strip_prefix("---") {
        (Fence::Yaml, r)
    } else {
        return Ok(None);
    };
    let Some(rest) = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))
    else {
        return Ok(None);
    };
    let marker = match fence {
        Fence::Toml => "+++",
        Fence::Yaml => "---",
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == marker {
            let kind = match fence {
                Fence::Toml => "toml",
                Fence::Yaml => "yaml",
            };
            return Ok(Some((&rest[..offset], &rest[offset + line.len()..], kind)));
        }
        offset += line.len();
    }
    Err(Error::Malformed {
        path: path.into(),
        format: "front matter",
        message: format!("the front matter is not closed: add a line with {marker} after it"),
    })
}

/// Splits `+++`-delimited TOML front matter from the body (report sources
/// use this; they require it).
pub fn split_front_matter<'a>(path: &Path, text: &'a str) -> Result<(&'a str, &'a str)> {
    match front_matter(path, text)? {
        Some((fm, body, "toml")) => Ok((fm, body)),
        Some(_) => Err(Error::Malformed {
            path: path.into(),
            format: "front matter",
            message: "report sources use TOML front matter between +++ lines".into(),
        }),
        None => Err(Error::Malformed {
            path: path.into(),
            format: "front matter",
            message: "the file must start with TOML front matter between +++ lines".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split() {
        let p = Path::new("n.md");
        let (fm, body) = split_front_matter(p, "+++\na = 1\n+++\nTekst\n").unwrap();
        assert_eq!(fm, "a = 1\n");
        assert_eq!(body, "Tekst\n");
        assert!(split_front_matter(p, "+++\na = 1\n")
            .unwrap_err()
            .to_string()
            .contains("not closed"));
        let (fm, body, kind) = front_matter(p, "---\r\ngemeente: Venlo\r\n---\r\nTekst")
            .unwrap()
            .unwrap();
        assert_eq!((fm, body, kind), ("gemeente: Venlo\r\n", "Tekst", "yaml"));
        assert!(front_matter(p, "Gewone tekst").unwrap().is_none());
        assert!(front_matter(p, "---- een streep").unwrap().is_none());
    }
}
