//! `pokeval preview`: the HTML report served on localhost, rebuilt when a
//! source changes, with the open browser reloading itself.
//!
//! The server watches (by polling ten times a second) every file under the
//! project folder, the report folder and each input the project names. A
//! file counts as changed when its content hash changes (a file saved
//! without changes is no change). Nothing is written to the output folder;
//! a failed build shows the error in the browser instead of the report.
//!
//! **Incremental.** The prepared project (inputs read, texts pseudonymised
//! and coded, statistics computed) is kept in memory. When every changed
//! file is a report source (a chapter, a story page, `report.toml`: under
//! the report folder and not an input), only the report is rendered again
//! from it; any other change (an input, the codebook, the project file)
//! prepares the project again, with the previous preparation at hand: a
//! source whose text is unchanged keeps its rule codings, so a note
//! change codes that note only (when the codebook is unchanged; the
//! inputs are still read and pseudonymised again, since a new name in one
//! note can change the pseudonyms of every text). Both preparations are
//! held while the new one is made.
//!
//! The page asks `/__pokeval/version?after=N`, which answers as soon as
//! the version is past `N` (or after 25 seconds), and reloads when it is.

use std::collections::BTreeMap;
use std::hash::Hasher;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime};

use pokeval_analysis::Prepared;
use pokeval_ingest::project::Project;
use pokeval_model::NoProgress;

use crate::error::{Error, Result};

/// The page the server shows: the report or a build error.
#[derive(Debug, Clone)]
struct Page {
    version: u64,
    html: String,
}

/// The page and a condition variable that wakes waiting version requests.
type Shared = Arc<(Mutex<Page>, Condvar)>;

/// A running preview; dropping it or calling [`Preview::stop`] ends it.
pub struct Preview {
    /// The address the server listens on (`127.0.0.1:<port>`).
    pub addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
    page: Shared,
}

/// How often the watcher looks for changes.
const POLL: Duration = Duration::from_millis(100);
/// How long a version request waits for a newer version.
const LONG_POLL: Duration = Duration::from_secs(25);

/// The reload script, for a page of version `v`.
fn reload_script(v: u64) -> String {
    format!(
        r"<script>(function(){{var v='{v}';function poll(){{fetch('/__pokeval/version?after='+v,{{cache:'no-store'}}).then(function(r){{return r.text()}}).then(function(t){{if(t!==v){{location.reload()}}else{{poll()}}}}).catch(function(){{setTimeout(poll,1000)}})}}poll()}})();</script>"
    )
}

fn error_page(message: &str) -> String {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>pokeval: build failed</title></head><body style=\"font-family:sans-serif;margin:2rem\"><main><h1>The report could not be built</h1><pre style=\"white-space:pre-wrap;background:#fee;padding:1rem\">{escaped}</pre><p>Fix the file named above; this page reloads when it changes.</p></main></body></html>"
    )
}

/// The page as served: with the reload script for its version.
fn with_reload(html: &str, version: u64) -> String {
    let script = reload_script(version);
    match html.rfind("</body>") {
        Some(i) => format!("{}{script}{}", &html[..i], &html[i..]),
        None => format!("{html}{script}"),
    }
}

/// Every input a project names (files or folders), and the project file.
fn input_roots(p: &Project) -> Vec<PathBuf> {
    let c = &p.config;
    let mut roots = vec![
        p.file.clone(),
        c.register.path.clone(),
        c.funds.path.clone(),
    ];
    roots.extend(c.register.boundaries.clone());
    roots.extend(c.register.mergers.clone());
    roots.extend(c.register.mapping.clone());
    roots.extend(c.codebook.clone());
    roots.extend(c.notes.as_ref().map(|n| n.path.clone()));
    roots.extend(c.vouchers.as_ref().map(|v| v.path.clone()));
    roots.extend(c.population.as_ref().map(|v| v.path.clone()));
    roots.extend(c.allocation.as_ref().map(|v| v.path.clone()));
    roots.extend(
        c.survey
            .iter()
            .flat_map(|s| [s.path.clone(), s.instrument.clone()]),
    );
    roots.extend(c.coding.manual.iter().cloned());
    roots
}

/// Files to watch: everything under the project and report folders and the
/// inputs, except the output folder and the pseudonym mapping's folder
/// (they change on every build).
fn watched(project: &Path) -> Vec<PathBuf> {
    let mut roots = vec![if project.is_dir() {
        project.to_path_buf()
    } else {
        project.parent().map(Path::to_path_buf).unwrap_or_default()
    }];
    let mut skip: Vec<PathBuf> = Vec::new();
    if let Ok(p) = Project::load(project) {
        roots.push(p.config.report.clone());
        roots.extend(input_roots(&p));
        skip.push(p.config.output.clone());
        skip.extend(p.config.privacy.mapping.parent().map(Path::to_path_buf));
    }
    let mut files: Vec<PathBuf> = roots
        .into_iter()
        .flat_map(|r| {
            walkdir::WalkDir::new(r)
                .into_iter()
                .flatten()
                .filter(|e| e.file_type().is_file())
                .map(walkdir::DirEntry::into_path)
        })
        .filter(|f| {
            !skip
                .iter()
                .any(|s| !s.as_os_str().is_empty() && f.starts_with(s))
        })
        .collect();
    files.sort();
    files.dedup();
    files
}

/// A watched file as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: SystemTime,
    len: u64,
    hash: u64,
}

fn content_hash(path: &Path) -> Option<u64> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = std::hash::DefaultHasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            return Some(h.finish());
        }
        h.write(&buf[..n]);
    }
}

/// The stamps of every watched file; a file whose time and length are as
/// before keeps its hash without being read again.
fn stamps(project: &Path, before: &BTreeMap<PathBuf, Stamp>) -> BTreeMap<PathBuf, Stamp> {
    watched(project)
        .into_iter()
        .filter_map(|f| {
            let meta = std::fs::metadata(&f).ok()?;
            let (modified, len) = (meta.modified().ok()?, meta.len());
            let hash = match before.get(&f) {
                Some(s) if s.modified == modified && s.len == len => s.hash,
                _ => content_hash(&f)?,
            };
            Some((
                f,
                Stamp {
                    modified,
                    len,
                    hash,
                },
            ))
        })
        .collect()
}

/// Files added, removed or with other content.
fn changed(before: &BTreeMap<PathBuf, Stamp>, now: &BTreeMap<PathBuf, Stamp>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = now
        .iter()
        .filter(|(f, s)| before.get(*f).is_none_or(|b| b.hash != s.hash))
        .map(|(f, _)| f.clone())
        .collect();
    out.extend(before.keys().filter(|f| !now.contains_key(*f)).cloned());
    out
}

/// Keeps the prepared project between rebuilds.
struct Builder {
    project: PathBuf,
    stamps: BTreeMap<PathBuf, Stamp>,
    prepared: Option<Prepared>,
}

impl Builder {
    fn new(project: &Path) -> Builder {
        Builder {
            project: project.to_path_buf(),
            stamps: stamps(project, &BTreeMap::new()),
            prepared: None,
        }
    }

    /// The files changed since the last look.
    fn changes(&mut self) -> Vec<PathBuf> {
        let now = stamps(&self.project, &self.stamps);
        let changed = changed(&self.stamps, &now);
        self.stamps = now;
        changed
    }

    /// Renders the page after `changed` (empty: the first build).
    fn page(&mut self, changed: &[PathBuf]) -> String {
        match self.render(changed) {
            Ok(html) => html,
            Err(e) => error_page(&e.to_string()),
        }
    }

    fn render(&mut self, changed: &[PathBuf]) -> Result<String> {
        let project = Project::load(&self.project)?;
        let inputs = input_roots(&project);
        let report_only = !changed.is_empty()
            && changed.iter().all(|f| {
                f.starts_with(&project.config.report) && !inputs.iter().any(|i| f.starts_with(i))
            });
        let prepared = match self.prepared.take() {
            Some(p) if report_only => p,
            previous => crate::prepare_again(project, &NoProgress, previous)?,
        };
        let rendered = super::build::render_prepared(&prepared, &NoProgress, false);
        // a failing chapter keeps the prepared inputs for the next edit
        self.prepared = Some(prepared);
        Ok(rendered?.0)
    }
}

impl Preview {
    /// Builds the report and starts serving it on `addr` (for example
    /// `127.0.0.1:8787`; port 0 picks a free one).
    pub fn start(project: &Path, addr: &str) -> Result<Preview> {
        let server = tiny_http::Server::http(addr).map_err(|e| Error::Serve {
            addr: addr.to_string(),
            message: e.to_string(),
        })?;
        let local = server.server_addr().to_ip().ok_or_else(|| Error::Serve {
            addr: addr.to_string(),
            message: "not an IP address".to_string(),
        })?;
        let mut builder = Builder::new(project);
        let page: Shared = Arc::new((
            Mutex::new(Page {
                version: 1,
                html: builder.page(&[]),
            }),
            Condvar::new(),
        ));
        let stop = Arc::new(AtomicBool::new(false));

        let watcher = {
            let (page, stop) = (page.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(POLL);
                    let changed = builder.changes();
                    if changed.is_empty() {
                        continue;
                    }
                    let html = builder.page(&changed);
                    if let Ok(mut p) = page.0.lock() {
                        p.version += 1;
                        p.html = html;
                    }
                    page.1.notify_all();
                }
            })
        };
        let serving = {
            let (page, stop) = (page.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(Some(req)) = server.recv_timeout(Duration::from_millis(200)) else {
                        continue;
                    };
                    let url = req.url().to_string();
                    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
                    match path {
                        "/__pokeval/version" => {
                            let after = query
                                .split('&')
                                .find_map(|kv| kv.strip_prefix("after="))
                                .and_then(|v| v.parse::<u64>().ok());
                            let (page, stop) = (page.clone(), stop.clone());
                            // waits in its own thread, so the page is served meanwhile
                            std::thread::spawn(move || {
                                let v = wait_past(&page, after, &stop);
                                respond(req, v.to_string(), "text/plain");
                            });
                        }
                        "/" | "/index.html" | "/rapport.html" => {
                            let (html, version) = page
                                .0
                                .lock()
                                .map(|p| (p.html.clone(), p.version))
                                .unwrap_or_default();
                            respond(req, with_reload(&html, version), "text/html; charset=utf-8");
                        }
                        _ => {
                            let _ = req.respond(
                                tiny_http::Response::from_string("not found").with_status_code(404),
                            );
                        }
                    }
                }
            })
        };
        Ok(Preview {
            addr: local,
            stop,
            threads: vec![watcher, serving],
            page,
        })
    }

    /// The current page version (increases with every rebuild).
    pub fn version(&self) -> u64 {
        self.page.0.lock().map_or(0, |p| p.version)
    }

    /// Stops the server and the watcher.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.page.1.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The version once it is past `after` (at once without `after`), or the
/// current one after [`LONG_POLL`] or when the preview stops.
fn wait_past(page: &Shared, after: Option<u64>, stop: &AtomicBool) -> u64 {
    let (lock, wake) = &**page;
    let Ok(mut p) = lock.lock() else { return 0 };
    let Some(after) = after else { return p.version };
    let deadline = std::time::Instant::now() + LONG_POLL;
    while p.version <= after && !stop.load(Ordering::Relaxed) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            break;
        }
        match wake.wait_timeout(p, left.min(Duration::from_millis(500))) {
            Ok((guard, _)) => p = guard,
            Err(_) => return 0,
        }
    }
    p.version
}

fn respond(req: tiny_http::Request, body: String, kind: &str) {
    let mut resp = tiny_http::Response::from_string(body);
    if let Ok(h) = tiny_http::Header::from_bytes(&b"Content-Type"[..], kind.as_bytes()) {
        resp = resp.with_header(h);
    }
    if let Ok(h) = tiny_http::Header::from_bytes(&b"Cache-Control"[..], &b"no-store"[..]) {
        resp = resp.with_header(h);
    }
    let _ = req.respond(resp);
}
