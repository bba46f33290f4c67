//! `pokeval code`: the coding workbench, a local web app in which
//! researchers read the pseudonymised sources, review the rule codings
//! (autocodes), code passages, write memos and watch agreement and rule
//! quality change as they work.
//!
//! **Storage.** Every change is written at once, atomically, to the
//! project's workbench file (`werkbank.jsonl`, see
//! [`pokeval_ingest::workbench`]), which every build reads as manual
//! codings: accepted autocodes count as the reviewer's codings, rejected
//! ones are listed per rule. A change names the file revision it was made
//! against and is refused (409) when the file has moved on (another tab,
//! another workbench on the same file, an edit by hand): the page then
//! loads the new state and makes its change again, so no change overwrites
//! another. A failed write changes nothing and is reported to the page,
//! which shows it and tries again.
//!
//! **Start.** The project is read and pseudonymised as a build does; the
//! first listed source is coded with the rules and the page is served
//! with it (and the source list) in it as data, while the other sources
//! are coded on a thread of their own; until then the state says
//! `coding` and the page asks again. Only the listed sources and the
//! survey answers a codings file names are coded: the figures use no
//! other rule codings.
//!
//! **Which sources.** Interview notes and documents; open survey answers
//! are coded by the rules and through the CSV or REFI-QDA files (a
//! national survey has hundreds of thousands), not listed here. An
//! autocode counts as reviewed once anyone reviewed it.
//!
//! **Security.** The server binds to the given address (loopback by
//! default) and serves only under a random per-run token in the path
//! (`http://127.0.0.1:8788/<token>/`). It refuses any request whose `Host`
//! is not the served address, any request with an `Origin` other than the
//! served one, and any change (POST) without that `Origin` or with another
//! content type than JSON: another page in the same browser can neither
//! read nor change anything. Requests never name files: sources are looked
//! up by id among the project's sources. The page builds its DOM with
//! `textContent`, so no text from a source, codebook or memo is HTML.
//!
//! The page itself is plain HTML, CSS and JavaScript compiled into the
//! binary (`code/app.*`), without a build step or anything from the
//! network.

mod session;

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use pokeval_model::Progress;

use crate::error::{Error, Result};
pub use session::{Change, Coded, Refusal, Session};

const PAGE: &str = include_str!("code/app.html");
const SCRIPT: &str = include_str!("code/app.js");
const STYLE: &str = include_str!("code/app.css");

/// The largest change the server reads (a memo of a few pages).
const MAX_BODY: u64 = 256 * 1024;

/// A running workbench; dropping it or calling [`CodeServer::stop`] ends it.
pub struct CodeServer {
    /// The address the server listens on.
    pub addr: std::net::SocketAddr,
    token: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    session: Arc<Mutex<Session>>,
}

/// A random token of 128 bits, hex.
fn token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::Workbench {
        addr: String::new(),
        message: format!("no random token: {e}"),
    })?;
    Ok(bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        _ = write!(s, "{b:02x}");
        s
    }))
}

impl CodeServer {
    /// Binds `addr` (port 0 picks a free one), reads the project
    /// ([`Coded::prepare`]), codes its first source with the rules and
    /// serves the workbench, coding as `coder`, while the other sources
    /// are coded on a thread of their own ([`Session::set_rules`]).
    pub fn start(
        project: &Path,
        coder: &str,
        addr: &str,
        progress: &dyn Progress,
    ) -> Result<CodeServer> {
        let coder = coder.trim();
        if coder.is_empty() {
            return Err(Error::Workbench {
                addr: addr.to_string(),
                message: "the coder's name is empty; name yourself with --coder".into(),
            });
        }
        let server = tiny_http::Server::http(addr).map_err(|e| Error::Workbench {
            addr: addr.to_string(),
            message: e.to_string(),
        })?;
        let local = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| Error::Workbench {
                addr: addr.to_string(),
                message: "not an IP address".into(),
            })?;
        if local.ip().is_unspecified() {
            // every request would name some other host and be refused
            return Err(Error::Workbench {
                addr: addr.to_string(),
                message: "name one address to serve on (127.0.0.1 keeps the workbench on this computer), not all of them".into(),
            });
        }
        let token = token()?;
        let coded = Arc::new(Coded::prepare(project, progress)?);
        progress.step("coding the first source");
        let mut session = Session::new(coded.clone(), coder)?;
        session.code_first()?;
        let session = Arc::new(Mutex::new(session));
        // the other sources are coded beside the server: the page shows
        // the first one at once and its counts and figures when they come
        {
            let session = session.clone();
            std::thread::spawn(move || {
                let sources = coded.to_code();
                let rules = coded.code(&sources);
                if let Ok(mut s) = session.lock() {
                    s.set_rules(rules);
                }
            });
        }
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (session, stop, token) = (session.clone(), stop.clone(), token.clone());
            std::thread::spawn(move || {
                let guard = Guard::new(local);
                while !stop.load(Ordering::Relaxed) {
                    let Ok(Some(req)) = server.recv_timeout(Duration::from_millis(200)) else {
                        continue;
                    };
                    handle(req, &guard, &token, &session);
                }
            })
        };
        Ok(CodeServer {
            addr: local,
            token,
            stop,
            thread: Some(thread),
            session,
        })
    }

    /// The address to open, with the token.
    pub fn url(&self) -> String {
        format!("http://{}/{}/", self.addr, self.token)
    }

    /// The file the workbench writes, as shown.
    pub fn file(&self) -> String {
        self.session
            .lock()
            .map(|s| s.display.clone())
            .unwrap_or_default()
    }

    /// Stops the server.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for CodeServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The checks every request passes before anything else.
struct Guard {
    /// `Host` values that name the served address.
    hosts: Vec<String>,
    /// The one `Origin` accepted.
    origins: Vec<String>,
}

impl Guard {
    fn new(addr: std::net::SocketAddr) -> Guard {
        let port = addr.port();
        let mut hosts = vec![addr.to_string()];
        if addr.ip().is_loopback() {
            hosts.push(format!("localhost:{port}"));
            hosts.push(format!("127.0.0.1:{port}"));
        }
        let origins = hosts.iter().map(|h| format!("http://{h}")).collect();
        Guard { hosts, origins }
    }

    /// Why `req` is refused, if it is.
    fn refuse(&self, req: &tiny_http::Request) -> Option<&'static str> {
        let header = |name: &'static str| {
            req.headers()
                .iter()
                .find(|h| h.field.equiv(name))
                .map(|h| h.value.as_str().to_string())
        };
        match header("Host") {
            Some(h) if self.hosts.contains(&h) => {}
            _ => return Some("the Host header does not name this server"),
        }
        let origin = header("Origin");
        if let Some(o) = &origin {
            if !self.origins.contains(o) {
                return Some("requests from another origin are refused");
            }
        }
        if *req.method() == tiny_http::Method::Post {
            if origin.is_none() {
                return Some("a change must come from the workbench page (Origin)");
            }
            let json = header("Content-Type").is_some_and(|c| {
                c.split(';')
                    .next()
                    .is_some_and(|t| t.trim() == "application/json")
            });
            if !json {
                return Some("a change must be JSON");
            }
        }
        None
    }
}

fn respond(req: tiny_http::Request, status: u16, body: String, kind: &str) {
    let mut resp = tiny_http::Response::from_string(body).with_status_code(status);
    for (k, v) in [
        ("Content-Type", kind),
        ("Cache-Control", "no-store"),
        // a kept-alive connection waits on delayed acknowledgements (40 ms
        // and more per request on loopback); a new one per request does not
        ("Connection", "close"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        (
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    ] {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            resp = resp.with_header(h);
        }
    }
    let _ = req.respond(resp);
}

fn json_response(req: tiny_http::Request, status: u16, v: &Value) {
    respond(
        req,
        status,
        v.to_string(),
        "application/json; charset=utf-8",
    );
}

/// The value of `key` in a query string, percent-decoded.
fn query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn handle(mut req: tiny_http::Request, guard: &Guard, token: &str, session: &Mutex<Session>) {
    if let Some(why) = guard.refuse(&req) {
        return json_response(req, 403, &json!({ "error": why }));
    }
    let url = req.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let Some(rest) = path.strip_prefix('/').and_then(|p| p.strip_prefix(token)) else {
        return respond(req, 404, "not found".into(), "text/plain; charset=utf-8");
    };
    let Ok(mut s) = session.lock() else {
        return json_response(
            req,
            500,
            &json!({ "error": "the workbench stopped after an internal error" }),
        );
    };
    let post = *req.method() == tiny_http::Method::Post;
    match (post, rest) {
        (false, "/" | "") => {
            let page = page(&mut s);
            respond(req, 200, page, "text/html; charset=utf-8");
        }
        (false, "/app.js") => respond(
            req,
            200,
            SCRIPT.to_string(),
            "text/javascript; charset=utf-8",
        ),
        (false, "/app.css") => respond(req, 200, STYLE.to_string(), "text/css; charset=utf-8"),
        (false, "/api/state") => {
            let v = s.state();
            json_response(req, 200, &v);
        }
        (false, "/api/source") => {
            let id = query_value(query, "id").unwrap_or_default();
            match s.source(&id) {
                Ok(v) => json_response(req, 200, &v),
                Err(r) => refusal(req, &s, r),
            }
        }
        (false, "/api/passages") => {
            let code = query_value(query, "code").unwrap_or_default();
            match s.passages(&code, 200) {
                Ok(v) => json_response(req, 200, &v),
                Err(r) => refusal(req, &s, r),
            }
        }
        (true, "/api/change") => {
            let mut body = String::new();
            let read = req.as_reader().take(MAX_BODY + 1).read_to_string(&mut body);
            if read.is_err() || body.len() as u64 > MAX_BODY {
                return json_response(
                    req,
                    400,
                    &json!({ "error": "the change is not UTF-8 or too long" }),
                );
            }
            let change: Change = match serde_json::from_str(&body) {
                Ok(c) => c,
                Err(e) => {
                    return json_response(
                        req,
                        400,
                        &json!({ "error": format!("not a change: {e}") }),
                    )
                }
            };
            match s.apply(change) {
                Ok(source) => {
                    let detail = s.source(&source).unwrap_or(Value::Null);
                    let v = json!({
                        "revision": s.revision(),
                        "figures": s.figures_json(),
                        "source": detail,
                    });
                    json_response(req, 200, &v);
                }
                Err(r) => refusal(req, &s, r),
            }
        }
        _ => respond(req, 404, "not found".into(), "text/plain; charset=utf-8"),
    }
}

/// The page with the state and the first source in it as data (not
/// script: the page reads it with `JSON.parse`), so that the first
/// document needs no further request.
fn page(s: &mut Session) -> String {
    let state = s.state();
    let first = state["sources"][0]["id"].as_str().map(str::to_string);
    let source = first.and_then(|id| s.source(&id).ok());
    // "<" only occurs inside JSON strings; written as \u003c, no "</script"
    // or "<!--" in a text can end or change the element
    let boot = json!({ "state": state, "source": source })
        .to_string()
        .replace('<', "\\u003c");
    PAGE.replacen(
        "<!--boot-->",
        &format!("<script type=\"application/json\" id=\"boot\">{boot}</script>"),
        1,
    )
}

fn refusal(req: tiny_http::Request, s: &Session, r: Refusal) {
    match r {
        Refusal::Invalid(m) => json_response(req, 400, &json!({ "error": m })),
        Refusal::Stale { revision } => json_response(
            req,
            409,
            &json!({ "error": "de coderingen zijn elders gewijzigd", "revision": revision }),
        ),
        Refusal::Write(m) => json_response(
            req,
            500,
            &json!({ "error": format!("Opslaan in {} is mislukt: {m}.", s.display), "revision": s.revision() }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_keeps_unicode_and_stray_percent_signs() {
        assert_eq!(
            percent_decode("interview%3A01-enschede.md"),
            "interview:01-enschede.md"
        );
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a%zz"), "a%zz");
        assert_eq!(query_value("x=1&id=a%23b", "id").as_deref(), Some("a#b"));
    }

    #[test]
    fn tokens_differ() {
        let (a, b) = (token().unwrap(), token().unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
