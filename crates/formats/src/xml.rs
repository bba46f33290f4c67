//! XML plumbing shared by the readers of REFI-QDA projects, LimeSurvey
//! structures and archives, queXML and office documents: one event loop
//! step that gathers text, entity references and attributes.

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::XmlVersion;

use pokeval_model::{Error, Result};

/// The next XML event; text, CDATA and entity references are appended to
/// `text` and give `None`.
pub fn next_event<'a>(
    reader: &mut quick_xml::Reader<&'a [u8]>,
    display: &str,
    text: &mut String,
) -> Result<Option<Event<'a>>> {
    match reader.read_event() {
        Ok(Event::Text(t)) => text.push_str(&t.xml_content(XmlVersion::Implicit1_0)),
        Ok(Event::CData(t)) => text.push_str(t.as_ref()),
        Ok(Event::GeneralRef(r)) => text.extend(resolve_ref(&r)),
        Ok(ev) => return Ok(Some(ev)),
        Err(e) => {
            return Err(Error::Malformed {
                path: display.into(),
                format: "XML",
                message: format!("invalid XML at byte {}: {e}", reader.buffer_position()),
            })
        }
    }
    Ok(None)
}

/// The character an entity or character reference stands for (`&amp;`,
/// `&#233;`); `None` for unknown entities.
pub fn resolve_ref(r: &quick_xml::events::BytesRef) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten();
    }
    match r.xml_content(XmlVersion::Implicit1_0).as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// The attributes of an element by local name, values normalised.
pub fn attributes(e: &quick_xml::events::BytesStart) -> BTreeMap<String, String> {
    e.attributes()
        .flatten()
        .filter_map(|a| {
            let key = a.key.local_name().as_ref().to_string();
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .ok()?
                .into_owned();
            Some((key, value))
        })
        .collect()
}
