//! Plain text from Word (.docx), OpenDocument (.odt) and PDF files.
//!
//! - docx: `word/document.xml`; each `w:p` paragraph becomes a line block,
//!   paragraphs are separated by a blank line, `w:tab` is a tab and `w:br`
//!   a line break.
//! - odt: `content.xml`; `text:p` and `text:h` paragraphs, `text:s` spaces
//!   (with `text:c`), `text:tab`, `text:line-break`.
//! - pdf: the text of each page (the page is kept as metadata by the
//!   caller); encrypted PDFs are refused.
//!
//! Archives are read with bounds ([`crate::archive`]); a corrupt file is an
//! error naming the file.

use std::path::Path;

use quick_xml::events::Event;
use quick_xml::reader::Reader;
use quick_xml::XmlVersion;

use pokeval_formats::archive::Archive;
use pokeval_model::error::{Error, Result};

/// Text of the XML document `xml`, with `para` the local name of paragraph
/// elements and the given names for tabs, breaks and spaces.
fn xml_text(
    path: &Path,
    xml: &str,
    para: &[&str],
    tab: &str,
    br: &str,
    space: Option<&str>,
    text_el: Option<&str>,
) -> Result<String> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut paragraph = String::new();
    let mut depth_in_para = 0usize;
    let mut in_text = text_el.is_none();
    loop {
        let ev = reader.read_event().map_err(|e| Error::Malformed {
            path: path.into(),
            format: "XML",
            message: format!(
                "the document's XML is damaged at byte {}: {e}",
                reader.error_position()
            ),
        })?;
        match ev {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if para.contains(&name.as_str()) {
                    depth_in_para += 1;
                }
                if Some(name.as_str()) == text_el {
                    in_text = true;
                }
            }
            Event::Empty(e) => {
                let name = e.local_name().as_ref().to_string();
                if depth_in_para > 0 {
                    if name == tab {
                        paragraph.push('\t');
                    } else if name == br {
                        paragraph.push('\n');
                    } else if Some(name.as_str()) == space {
                        let n = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == "c")
                            .and_then(|a| {
                                a.normalized_value(XmlVersion::Implicit1_0)
                                    .ok()?
                                    .parse::<usize>()
                                    .ok()
                            })
                            .unwrap_or(1);
                        paragraph.push_str(&" ".repeat(n));
                    }
                }
            }
            Event::End(e) => {
                let name = e.local_name().as_ref().to_string();
                if Some(name.as_str()) == text_el {
                    in_text = false;
                }
                if para.contains(&name.as_str()) {
                    depth_in_para = depth_in_para.saturating_sub(1);
                    if depth_in_para == 0 {
                        let p = std::mem::take(&mut paragraph);
                        if !p.trim().is_empty() {
                            if !out.is_empty() {
                                out.push_str("\n\n");
                            }
                            out.push_str(p.trim_end());
                        }
                    }
                }
            }
            Event::Text(t) if depth_in_para > 0 && in_text => {
                paragraph.push_str(&t.xml_content(XmlVersion::Implicit1_0));
            }
            Event::GeneralRef(r) if depth_in_para > 0 && in_text => {
                paragraph.extend(pokeval_formats::xml::resolve_ref(&r));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out.push('\n');
    Ok(out)
}

fn entry_text(path: &Path, what: &str, entry: &str) -> Result<String> {
    let mut archive = Archive::open(path, what)?;
    let bytes = archive.read(entry)?.ok_or_else(|| Error::NotFound {
        path: path.into(),
        what: format!("{entry} is missing: the file is not a complete {what}"),
    })?;
    pokeval_model::text::decode(path, &bytes)
}

/// The text of a Word document.
pub fn read_docx(path: &Path) -> Result<String> {
    let xml = entry_text(path, "Word document (.docx)", "word/document.xml")?;
    xml_text(path, &xml, &["p"], "tab", "br", None, Some("t"))
}

/// The text of an OpenDocument text.
pub fn read_odt(path: &Path) -> Result<String> {
    let xml = entry_text(path, "OpenDocument text (.odt)", "content.xml")?;
    xml_text(
        path,
        &xml,
        &["p", "h"],
        "tab",
        "line-break",
        Some("s"),
        None,
    )
}

/// The text of each page of a PDF.
pub fn read_pdf(path: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let doc = pdf_extract::Document::load_mem(&bytes).map_err(|e| {
        pdf(
            path,
            format!("not a readable PDF: {e}; save or print it to PDF again"),
        )
    })?;
    if doc.is_encrypted() {
        return Err(Error::Unsupported {
            path: path.into(),
            message: "the PDF is encrypted (password protected); save an unprotected copy".into(),
        });
    }
    // pdf-extract can panic on malformed content streams: report, don't crash
    let pages = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(&bytes))
        .map_err(|_| {
            pdf(
                path,
                "the PDF's content cannot be read (damaged content stream)".into(),
            )
        })?
        .map_err(|e| pdf(path, format!("the PDF's text cannot be extracted: {e}")))?;
    Ok(pages)
}

/// A PDF that cannot be read.
fn pdf(path: &Path, message: String) -> Error {
    Error::Malformed {
        path: path.into(),
        format: "PDF",
        message,
    }
}
