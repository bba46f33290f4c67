//! The coding workbench's server, used over HTTP as the page uses it: what
//! it serves, what it refuses, what it writes, and that the next build
//! reads it. The page itself is tested in a browser by
//! `scripts/check_workbench.mjs` (run by `.ci/run`).

use std::io::{Read, Write};
use std::time::Duration;

use pokeval_app::cmd::code::CodeServer;
use pokeval_model::NoProgress;
use serde_json::{json, Value};

use super::preview::project_copy;
use std::fmt::Write as _;

/// One request; returns the status and the body.
fn request(
    server: &CodeServer,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &str,
) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.0\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        _ = write!(head, "{k}: {v}\r\n");
    }
    write!(s, "{head}\r\n{body}").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

fn path(server: &CodeServer, rest: &str) -> String {
    let url = server.url();
    let token = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    format!("/{token}/{rest}")
}

fn host(server: &CodeServer) -> (&'static str, String) {
    ("Host", server.addr.to_string())
}

fn get(server: &CodeServer, rest: &str) -> (u16, Value) {
    let (status, body) = request(server, "GET", &path(server, rest), &[host(server)], "");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn post(server: &CodeServer, change: Value) -> (u16, Value) {
    let headers = [
        host(server),
        ("Origin", format!("http://{}", server.addr)),
        ("Content-Type", "application/json".to_string()),
    ];
    let (status, body) = request(
        server,
        "POST",
        &path(server, "api/change"),
        &headers,
        &change.to_string(),
    );
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn the_workbench_saves_reviews_and_codings_that_the_next_build_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let project = project_copy(tmp.path());
    let server = CodeServer::start(&project, "Codeur A", "127.0.0.1:0", &NoProgress).unwrap();
    assert!(server.addr.ip().is_loopback());
    let before = pokeval_app::prepare(&project, &NoProgress).unwrap();
    let quality_before = before.analysis.rule_quality.as_ref().unwrap().overall;

    // the page and its parts
    let (status, page) = request(&server, "GET", &path(&server, ""), &[host(&server)], "");
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"nl\">"), "{page}");
    let (status, _) = request(&server, "GET", "/app.js", &[host(&server)], "");
    assert_eq!(status, 404, "nothing is served without the token");

    // the first source is coded before the page is served, the others
    // beside it: the state says so until they are
    let (status, st) = get(&server, "api/state");
    assert_eq!(status, 200);
    assert_eq!(st["revision"], 0);
    assert!(st["sources"][0]["autocodes"].as_u64().unwrap() > 0);
    let start = std::time::Instant::now();
    let mut st = st;
    while st["coding"] == true && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
        st = get(&server, "api/state").1;
    }
    assert_eq!(st["coding"], false, "the sources are coded within a minute");
    // the figures the workbench shows are the build's
    let agreement = before.analysis.agreement.as_ref().unwrap();
    assert_eq!(
        st["figures"]["agreement"]["alpha"].as_f64(),
        agreement.overall.alpha
    );
    assert_eq!(
        st["figures"]["agreement"]["pairs"][0]["kappa"].as_f64(),
        agreement.overall.pairs[0].kappa
    );
    assert_eq!(
        st["figures"]["rule_quality"]["precision"].as_f64(),
        quality_before.precision
    );
    assert_eq!(
        st["figures"]["rule_quality"]["recall"].as_f64(),
        quality_before.recall
    );
    let sources = st["sources"].as_array().unwrap();
    let notes = before
        .inputs
        .sources
        .iter()
        .filter(|s| s.kind != pokeval_model::SourceKind::SurveyAnswer)
        .count();
    assert_eq!(sources.len(), notes, "every note and document is listed");
    let id = sources[0]["id"].as_str().unwrap().to_string();
    let (status, src) = get(&server, &format!("api/source?id={}", enc(&id)));
    assert_eq!(status, 200);
    let text: Vec<char> = src["text"].as_str().unwrap().chars().collect();
    let autocodes: Vec<(String, String)> = src["segments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|seg| {
            seg["autocodes"].as_array().unwrap().iter().map(move |a| {
                (
                    seg["id"].as_str().unwrap().to_string(),
                    a["code"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    assert!(autocodes.len() >= 3, "{autocodes:?}");

    // review three autocodes, code a passage, write memos
    let mut revision = 0;
    for (i, decision) in ["accepted", "accepted", "rejected"].iter().enumerate() {
        let (seg, code) = &autocodes[i];
        let (status, out) = post(
            &server,
            json!({"op": "review", "revision": revision, "segment": seg, "code": code, "decision": decision}),
        );
        assert_eq!(status, 200, "{out}");
        revision += 1;
        assert_eq!(out["revision"], revision);
    }
    let seg = &src["segments"][1];
    let (start, end) = (
        seg["start"].as_u64().unwrap(),
        seg["start"].as_u64().unwrap() + 20,
    );
    let (status, out) = post(
        &server,
        json!({"op": "add", "revision": revision, "source": id, "start": start, "end": end, "code": "AL3"}),
    );
    assert_eq!(status, 200, "{out}");
    revision += 1;
    let coding = out["source"]["codings"][0]["id"].as_u64().unwrap();
    let (status, _) = post(
        &server,
        json!({"op": "memo", "revision": revision, "id": coding, "memo": "Nagaan."}),
    );
    assert_eq!(status, 200);
    revision += 1;
    let (status, _) = post(
        &server,
        json!({"op": "source_memo", "revision": revision, "source": id, "memo": "Rijke bron."}),
    );
    assert_eq!(status, 200);
    revision += 1;

    // refused: an old revision, another origin, another host, bad changes
    let (status, out) = post(
        &server,
        json!({"op": "add", "revision": 1, "source": id, "start": 0, "end": 5, "code": "AL1"}),
    );
    assert_eq!(status, 409, "{out}");
    assert_eq!(out["revision"], revision);
    let change = json!({"op": "remove", "revision": revision, "id": coding}).to_string();
    for headers in [
        vec![
            host(&server),
            ("Origin", "http://evil.example".into()),
            ("Content-Type", "application/json".into()),
        ],
        vec![host(&server), ("Content-Type", "application/json".into())],
        vec![
            host(&server),
            ("Origin", format!("http://{}", server.addr)),
            ("Content-Type", "text/plain".into()),
        ],
        vec![
            ("Host", "evil.example".into()),
            ("Origin", format!("http://{}", server.addr)),
            ("Content-Type", "application/json".into()),
        ],
    ] {
        let (status, _) = request(
            &server,
            "POST",
            &path(&server, "api/change"),
            &headers,
            &change,
        );
        assert_eq!(status, 403, "{headers:?}");
    }
    for bad in [
        json!({"op": "add", "revision": revision, "source": "../../etc/passwd", "start": 0, "end": 5, "code": "AL1"}),
        json!({"op": "add", "revision": revision, "source": id, "start": 0, "end": text.len() + 1, "code": "AL1"}),
        json!({"op": "add", "revision": revision, "source": id, "start": 0, "end": 5, "code": "NOPE"}),
        json!({"op": "review", "revision": revision, "segment": format!("{id}#1"), "code": "AL7", "decision": "accepted"}),
    ] {
        let (status, out) = post(&server, bad.clone());
        assert_eq!(status, 400, "{bad} gave {out}");
    }

    // what was written
    let file = project.join("werkbank.jsonl");
    let wb = pokeval_ingest::workbench::Workbench::load(&file).unwrap();
    assert_eq!(wb.revision, revision);
    assert_eq!(wb.reviews.len(), 3);
    assert_eq!(wb.codings.len(), 1);
    assert_eq!(wb.codings[0].memo, "Nagaan.");
    let coded: String = text[start as usize..end as usize].iter().collect();
    assert_eq!(wb.codings[0].text, coded);
    assert_eq!(wb.memos[0].memo, "Rijke bron.");

    // a write that fails changes nothing and says so
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let (status, out) = post(
        &server,
        json!({"op": "add", "revision": 0, "source": id, "start": 0, "end": 5, "code": "AL1"}),
    );
    assert_eq!(status, 500, "{out}");
    assert!(
        out["error"].as_str().unwrap().contains("werkbank.jsonl"),
        "{out}"
    );
    std::fs::remove_dir(&file).unwrap();
    std::fs::write(&file, wb.to_bytes()).unwrap();
    server.stop();

    // the next build reads it: the coder's codings count, the rejected
    // autocode is a false positive of its rule
    let after = pokeval_app::prepare(&project, &NoProgress).unwrap();
    let a = &after.analysis;
    assert_eq!(
        a.codings.len(),
        before.analysis.codings.len() + 3 - accepted_twins(&before, &autocodes[..2])
    );
    assert_eq!(a.rule_reviews.iter().map(|r| r.rejected).sum::<usize>(), 1);
    assert_eq!(a.rule_reviews.iter().map(|r| r.accepted).sum::<usize>(), 2);
    assert_ne!(
        a.rule_quality.as_ref().unwrap().overall,
        quality_before,
        "the gold coder's reviews change the rule quality"
    );
}

/// How many of the accepted autocodes the gold coder had already coded
/// (a coder's second coding of a segment with the same code is not a new
/// coding).
fn accepted_twins(p: &pokeval_analysis::Prepared, accepted: &[(String, String)]) -> usize {
    accepted
        .iter()
        .filter(|(seg, code)| {
            p.analysis.codings.iter().any(|c| {
                &*c.segment == seg.as_str()
                    && &*c.code == code.as_str()
                    && matches!(&c.origin, pokeval_analysis::Origin::Manual { coder } if &**coder == "Codeur A")
            })
        })
        .count()
}
