//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// Runs the pokeval binary with `args`.
pub fn pokeval(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pokeval"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run pokeval")
}

/// Runs `pokeval build <project> --quiet --out <out>`.
pub fn build_to(project: impl AsRef<Path>, out: &Path) -> Output {
    let project = project.as_ref().to_str().expect("UTF-8 path").to_string();
    pokeval(&[
        "build",
        &project,
        "--quiet",
        "--out",
        out.to_str().expect("UTF-8 path"),
    ])
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes a copy of the example project file into `dir` with absolute input
/// paths, so a test can break one input at a time. `edit` changes the text.
pub fn example_project_in(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let repo = repo();
    let text =
        std::fs::read_to_string(repo.join("reports/2024/evaluatie.toml")).expect("example project");
    let root = repo.join("reports/2024");
    let text = text
        .replace("\"../../", &format!("\"{}/", repo.display()))
        .replace(
            "report = \".\"",
            &format!("report = \"{}\"", root.display()),
        );
    let text = edit(text);
    let path = dir.join("evaluatie.toml");
    std::fs::write(&path, text).expect("write project");
    path
}

/// Like [`example_project_in`], with the input `fixture` (a path relative to
/// the repository, as named in the example project) replaced by `replacement`.
pub fn example_with_input(dir: &Path, fixture: &str, replacement: &Path) -> PathBuf {
    let from = format!("{}/{fixture}", repo().display());
    let to = replacement.to_str().expect("UTF-8 path").to_string();
    example_project_in(dir, |t| t.replace(&from, &to))
}

/// A project with the example's inputs and a one-chapter report whose
/// chapter file `h/1.md` holds `chapter`.
pub fn tiny_report(dir: &Path, chapter: &str) -> std::path::PathBuf {
    let report = dir.join("rapport");
    std::fs::create_dir_all(report.join("h")).unwrap();
    std::fs::write(
        report.join("report.toml"),
        "title = \"t\"\nsubtitle = \"s\"\nbureau = \"b\"\ncommissioned_by = \"c\"\ncontact = \"x\"\ndate = 2024-06-01\n[[chapter]]\nfile = \"h/1.md\"\n",
    )
    .unwrap();
    std::fs::write(report.join("h/1.md"), chapter).unwrap();
    let from = format!("report = \"{}/reports/2024\"", repo().display());
    let to = format!("report = \"{}\"", report.display());
    example_project_in(dir, |t| t.replace(&from, &to))
}
