//! `pokeval preview`: the HTML report served on localhost, rebuilt when a
//! source changes, with the open browser reloading itself.
//!
//! The server watches (by polling modification times twice a second) every
//! file under the project folder, the report folder and each input the
//! project names. On a change it renders the report again in memory; a
//! failed build shows the error in the browser instead of the report. The
//! page polls `/__pokeval/version` and reloads when the version changes.
//! Nothing is written to the output folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use pokeval_ingest::project::Project;
use pokeval_model::NoProgress;

use crate::error::{Error, Result};

/// The page the server shows: the report or a build error.
#[derive(Debug, Clone)]
struct Page {
    version: u64,
    html: String,
}

/// A running preview; dropping it or calling [`Preview::stop`] ends it.
pub struct Preview {
    /// The address the server listens on (`127.0.0.1:<port>`).
    pub addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
    page: Arc<Mutex<Page>>,
}

const RELOAD: &str = r#"<script>(function(){var v=null;setInterval(function(){fetch('/__pokeval/version',{cache:'no-store'}).then(function(r){return r.text()}).then(function(t){if(v===null){v=t}else if(t!==v){location.reload()}}).catch(function(){})},1000)})();</script>"#;

fn error_page(message: &str) -> String {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>pokeval: build failed</title></head><body style=\"font-family:sans-serif;margin:2rem\"><main><h1>The report could not be built</h1><pre style=\"white-space:pre-wrap;background:#fee;padding:1rem\">{escaped}</pre><p>Fix the file named above; this page reloads when it changes.</p></main>{RELOAD}</body></html>"
    )
}

fn with_reload(html: &str) -> String {
    match html.rfind("</body>") {
        Some(i) => format!("{}{RELOAD}{}", &html[..i], &html[i..]),
        None => format!("{html}{RELOAD}"),
    }
}

fn render_page(project: &Path) -> String {
    let rendered = Project::load(project)
        .map_err(crate::Error::from)
        .and_then(|p| super::build::render(p, &NoProgress, false));
    match rendered {
        Ok(r) => with_reload(&r.html),
        Err(e) => error_page(&e.to_string()),
    }
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
        let c = &p.config;
        roots.push(c.report.clone());
        roots.push(c.register.path.clone());
        roots.push(c.funds.path.clone());
        roots.extend(c.codebook.clone());
        roots.extend(c.notes.as_ref().map(|n| n.path.clone()));
        roots.extend(c.vouchers.as_ref().map(|v| v.path.clone()));
        roots.extend(
            c.survey
                .iter()
                .flat_map(|s| [s.path.clone(), s.instrument.clone()]),
        );
        roots.extend(c.coding.manual.iter().cloned());
        skip.push(c.output.clone());
        skip.extend(c.privacy.mapping.parent().map(Path::to_path_buf));
    }
    roots
        .into_iter()
        .flat_map(|r| {
            walkdir::WalkDir::new(r)
                .into_iter()
                .flatten()
                .map(|e| e.into_path())
        })
        .filter(|f| {
            f.is_file()
                && !skip
                    .iter()
                    .any(|s| !s.as_os_str().is_empty() && f.starts_with(s))
        })
        .collect()
}

fn stamp(project: &Path) -> BTreeMap<PathBuf, SystemTime> {
    watched(project)
        .into_iter()
        .filter_map(|f| Some((f.clone(), std::fs::metadata(&f).ok()?.modified().ok()?)))
        .collect()
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
        let page = Arc::new(Mutex::new(Page {
            version: 1,
            html: render_page(project),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let project = project.to_path_buf();

        let watcher = {
            let (page, stop) = (page.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut last = stamp(&project);
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(500));
                    let now = stamp(&project);
                    if now != last {
                        last = now;
                        let html = render_page(&project);
                        if let Ok(mut p) = page.lock() {
                            p.version += 1;
                            p.html = html;
                        }
                    }
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
                    let current = page.lock().map(|p| p.clone()).unwrap_or(Page {
                        version: 0,
                        html: String::new(),
                    });
                    let (body, kind) = match req.url() {
                        "/__pokeval/version" => (current.version.to_string(), "text/plain"),
                        "/" | "/index.html" | "/rapport.html" => {
                            (current.html, "text/html; charset=utf-8")
                        }
                        _ => {
                            let _ = req.respond(
                                tiny_http::Response::from_string("not found").with_status_code(404),
                            );
                            continue;
                        }
                    };
                    let mut resp = tiny_http::Response::from_string(body);
                    if let Ok(h) =
                        tiny_http::Header::from_bytes(&b"Content-Type"[..], kind.as_bytes())
                    {
                        resp = resp.with_header(h);
                    }
                    if let Ok(h) =
                        tiny_http::Header::from_bytes(&b"Cache-Control"[..], &b"no-store"[..])
                    {
                        resp = resp.with_header(h);
                    }
                    let _ = req.respond(resp);
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
        self.page.lock().map(|p| p.version).unwrap_or(0)
    }

    /// Stops the server and the watcher.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
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
