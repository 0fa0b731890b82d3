//! Rule sets read at a git revision, through a real temporary repository.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

/// A temporary git repository, removed when dropped.
struct Repo(PathBuf);

impl Repo {
    fn new(name: &str) -> Repo {
        let dir =
            std::env::temp_dir().join(format!("qualify-revision-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("rules")).expect("a temporary directory");
        let repo = Repo(dir);
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        repo.git(&["config", "user.name", "Test"]);
        repo
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(&self.0)
            .args(args)
            .output()
            .expect("git runs");
        assert!(status.status.success(), "git {args:?}: {status:?}");
    }

    fn write(&self, path: &str, text: &str) {
        std::fs::write(self.0.join(path), text).expect("writes");
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The files of a source map, by name, with their text.
fn files(sources: &SourceMap) -> Vec<(String, String)> {
    sources
        .iter()
        .map(|(_, f)| (f.name.to_string(), f.text.to_string()))
        .collect()
}

#[test]
fn a_revision_reads_the_rules_as_they_were_committed_with_no_checkout() {
    let repo = Repo::new("read");
    repo.write("rules/a.qual", "let old = true\n");
    repo.write("rules/b.qual", "let b = true\n");
    repo.write("rules/notes.md", "not rules\n");
    repo.commit("old rules");
    repo.write("rules/a.qual", "let new = true\n");
    std::fs::remove_file(repo.0.join("rules/b.qual")).expect("removes");
    let rules = repo.0.join("rules");
    // the same path at the revision, as the working tree does not have it
    let got = rule_set(&Base::Revision("main".into()), &rules, &repo.0).expect("reads");
    let shown = display_path(&rules);
    assert_eq!(
        files(&got),
        [
            (
                format!("main:{shown}/a.qual"),
                "let old = true\n".to_string()
            ),
            (format!("main:{shown}/b.qual"), "let b = true\n".to_string()),
        ]
    );
    // one file, by its path at the revision; the working tree is as it was
    let file = rule_set(
        &Base::Revision("HEAD".into()),
        &rules.join("a.qual"),
        &repo.0,
    )
    .expect("reads");
    assert_eq!(files(&file)[0].1, "let old = true\n");
    assert_eq!(
        std::fs::read_to_string(rules.join("a.qual")).expect("reads"),
        "let new = true\n"
    );
}

#[test]
fn a_revision_and_path_reads_any_path_from_the_repository_root() {
    let repo = Repo::new("path");
    repo.write("rules/a.qual", "let a = true\n");
    repo.commit("rules");
    // from the root, whatever directory it is read from; `./` from that directory
    for (path, here) in [
        ("rules/", repo.0.join("rules")),
        ("./rules", repo.0.clone()),
    ] {
        let base = Base::RevisionPath("main".into(), path.into());
        let got = rule_set(&base, Path::new("elsewhere"), &here).expect("reads");
        let name = format!("main:{}/a.qual", path.trim_end_matches('/'));
        assert_eq!(files(&got), [(name, "let a = true\n".to_string())]);
    }
}

#[test]
fn what_git_cannot_read_is_a_usage_error_that_names_the_base() {
    let repo = Repo::new("errors");
    repo.write("rules/a.qual", "let a = true\n");
    repo.write("rules/readme.md", "text\n");
    std::fs::create_dir_all(repo.0.join("docs")).expect("a directory");
    repo.write("docs/x.md", "text\n");
    repo.write("rules/bad.qual", "");
    std::fs::write(repo.0.join("rules/bad.qual"), b"let \xff = 1\n").expect("writes");
    repo.commit("rules");
    let rules = repo.0.join("rules");
    let message = |base: Base, new: &Path| match rule_set(&base, new, &repo.0) {
        Ok(_) => panic!("{base:?} reads"),
        Err(e) => {
            assert_eq!(e.status, super::super::ExitStatus::Usage);
            e.message().to_string()
        }
    };
    let unknown = message(Base::Revision("no-such-branch".into()), &rules);
    assert!(
        unknown.starts_with("git cannot read `no-such-branch:"),
        "{unknown}"
    );
    let absent = message(Base::Revision("main".into()), &repo.0.join("gone"));
    assert!(absent.contains("main:"), "{absent}");
    let empty = message(Base::Revision("main".into()), &repo.0.join("docs"));
    assert!(empty.starts_with("no `.qual` files in `main:"), "{empty}");
    let option = message(Base::Revision("--help".into()), &rules);
    assert!(option.contains("starts with `-`"), "{option}");
    let bad = message(Base::Revision("main".into()), &rules.join("bad.qual"));
    assert!(
        bad.contains("is not UTF-8 text (first bad byte at offset 4)"),
        "{bad}"
    );
}

#[test]
fn a_base_is_a_path_where_one_exists_else_a_revision() {
    assert_eq!(Base::parse("src"), Base::Path("src".into()));
    assert_eq!(Base::parse("main"), Base::Revision("main".into()));
    assert_eq!(
        Base::parse("main:rules/"),
        Base::RevisionPath("main".into(), "rules/".into())
    );
    assert_eq!(
        Base::parse("origin/main~2:./rules"),
        Base::RevisionPath("origin/main~2".into(), "./rules".into())
    );
    assert_eq!(Base::parse(":x"), Base::Revision(":x".into()));
}
