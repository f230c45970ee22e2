//! Planning an import: from a batch of files to the records to store, or to every problem
//! found, located as `file:line:column`.
//!
//! All or nothing by default: one problem in one file and the plan is refused, with every
//! problem of every file listed at once, so a user fixes them in one pass. With `skip_invalid`
//! the valid files go in and the others are listed as skipped. Files identical to what is
//! stored are left alone, so re-importing a folder only touches what changed.

use super::SourceFile;
use super::front_matter::{Located, line_and_column};
use super::ids;
use super::parse::{ParsedDocument, id_from_path, parse_document, slugify};
use super::paths::{Clashes, unportable};
use super::render::{NoteLink, RENDER_VERSION, RenderError, render};
use crate::cpu::map_in_parallel;
use crate::store::{
    CollectionRecord, EdgeRecord, KnownDocument, NoteRecord, Rerendered, StoredBody,
};
use app::contract::{EdgeKind, ImportReport, Problem};
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The largest note accepted. Notes are text; a bigger `.md` is almost always something else
/// under the wrong name, and every note is rendered in memory.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// What to write, and what to tell the user.
#[derive(Debug, Default)]
pub struct ImportPlan {
    /// New and changed notes.
    pub upserts: Vec<PlannedNote>,
    /// Ids that did not exist before this import (existing notes linking to them need their
    /// HTML rendered again: see [`rerender`]).
    pub created: Vec<String>,
    /// The report for the user (everything but `wanted`, filled in once stored).
    pub report: ImportReport,
    /// Resolves references over the stored documents and this import's.
    pub resolver: Resolver,
}

/// A note to write, and the file it came from (its revision keeps it).
#[derive(Debug, Clone)]
pub struct PlannedNote {
    /// The note as stored.
    pub record: NoteRecord,
    /// Its file, exactly as imported.
    pub source: String,
}

/// Resolves references between notes: relative paths through the tree, bare words as ids.
#[derive(Debug, Default)]
pub struct Resolver {
    by_path: HashMap<String, String>,
    ids: HashSet<String>,
    /// Renamed ids and the id each one is now.
    redirects: HashMap<String, String>,
}

impl Resolver {
    /// A resolver over documents given as `(id, source_path)`.
    pub fn new<'a>(documents: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut by_path = HashMap::new();
        let mut ids = HashSet::new();
        for (id, path) in documents {
            by_path.insert(path.to_owned(), id.to_owned());
            ids.insert(id.to_owned());
        }
        Self {
            by_path,
            ids,
            redirects: HashMap::new(),
        }
    }

    /// A resolver over every stored note, following renamed ids.
    pub fn new_with(known: &[KnownDocument], redirects: Vec<(String, String)>) -> Self {
        Self::new(
            known
                .iter()
                .map(|k| (k.id.as_str(), k.source_path.as_str())),
        )
        .with_redirects(redirects)
    }

    /// What [`resolve`](Self::resolve) looks up to resolve `reference` written in the note at
    /// `from_path`: the ids and the paths. A resolver over just the notes with those (and the
    /// notes their ids were renamed to) answers `reference` as one over the whole base does.
    pub fn lookups(from_path: &str, reference: &str) -> (Vec<String>, Vec<String>) {
        let reference = reference.trim();
        if !is_path(reference) {
            return (vec![reference.to_owned(), slugify(reference)], Vec::new());
        }
        let joined = join_relative(from_path, reference);
        (
            vec![id_from_path(&joined)],
            vec![format!("{joined}.md"), joined],
        )
    }

    /// Also resolves ids that notes were renamed away from, as `(old, new)` pairs.
    pub fn with_redirects(mut self, redirects: impl IntoIterator<Item = (String, String)>) -> Self {
        self.redirects.extend(redirects);
        self
    }

    /// Adds a document, as `(id, source_path)`.
    pub fn insert(&mut self, id: &str, path: &str) {
        self.by_path.insert(path.to_owned(), id.to_owned());
        self.ids.insert(id.to_owned());
    }

    /// The id `reference` names, written in the note at `from_path`.
    pub fn resolve(&self, from_path: &str, reference: &str) -> String {
        let reference = reference.trim();
        if !is_path(reference) {
            let id = if self.ids.contains(reference) {
                reference.to_owned()
            } else {
                slugify(reference)
            };
            return match self.redirects.get(&id) {
                Some(new) if !self.ids.contains(&id) => new.clone(),
                _ => id,
            };
        }
        let joined = join_relative(from_path, reference);
        for candidate in [joined.clone(), format!("{joined}.md")] {
            if let Some(id) = self.by_path.get(&candidate) {
                return id.clone();
            }
        }
        id_from_path(&joined)
    }

    /// Whether a document has this id.
    pub fn exists(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// The note a link in the note at `from_path` points to.
    pub fn link(&self, from_path: &str, destination: &str) -> NoteLink {
        let id = self.resolve(from_path, destination);
        NoteLink {
            exists: self.exists(&id),
            id,
        }
    }
}

/// Whether a reference names a file by its path rather than a note by its id.
fn is_path(reference: &str) -> bool {
    reference.contains('/') || reference.ends_with(".md") || reference.ends_with(".markdown")
}

/// `reference` relative to the folder of `from_path`, with `.` and `..` applied.
fn join_relative(from_path: &str, reference: &str) -> String {
    let mut parts: Vec<&str> = from_path.split('/').collect();
    parts.pop();
    for segment in reference.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The note in `file` with its hash and text, or every problem that stops it being one: too
/// large, not UTF-8, front matter that does not parse.
fn read_note(file: SourceFile) -> Result<(ParsedDocument, String, String), Vec<Problem>> {
    if file.bytes.len() > MAX_FILE_BYTES {
        return Err(vec![Problem::in_file(
            &file.path,
            format!(
                "the file is {} bytes; notes may be at most {MAX_FILE_BYTES} bytes",
                file.bytes.len()
            ),
        )]);
    }
    let text = match std::str::from_utf8(&file.bytes) {
        Ok(text) => text,
        Err(error) => {
            // Everything before `valid_up_to` is valid UTF-8 by definition.
            let valid = std::str::from_utf8(&file.bytes[..error.valid_up_to()]).unwrap_or_default();
            let (line, column) = line_and_column(valid, valid.len());
            return Err(vec![locate(
                &file.path,
                Located::new(line, column, "the file is not valid UTF-8 text"),
            )]);
        }
    };
    match parse_document(&file.path, text) {
        Ok(document) => Ok((document, hash(&file.bytes), text.to_owned())),
        Err(located) => Err(located.into_iter().map(|l| locate(&file.path, l)).collect()),
    }
}

/// Plans the import of `files` into a store that holds `known`, parsing and rendering on up to
/// `threads` threads.
///
/// `progress` advances once per file parsed and once per document rendered.
pub fn plan(
    files: Vec<SourceFile>,
    known: &[KnownDocument],
    redirects: Vec<(String, String)>,
    skip_invalid: bool,
    threads: usize,
    progress: &ProgressBar,
) -> Result<ImportPlan, Vec<Problem>> {
    let mut problems: Vec<Problem> = Vec::new();
    // Paths first, in order (each is checked against those before it), then each file alone.
    let mut seen_paths = HashSet::new();
    // Paths must be writable back on every system, beside the notes already stored.
    let mut clashes = Clashes::default();
    let stored_paths: HashSet<&str> = known.iter().map(|k| k.source_path.as_str()).collect();
    for path in &stored_paths {
        clashes.add(path);
    }
    let checked: Vec<Result<SourceFile, Problem>> = files
        .into_iter()
        .map(|file| {
            if !seen_paths.insert(file.path.clone()) {
                return Err(Problem::in_file(
                    &file.path,
                    "the same path appears twice in this import",
                ));
            }
            if let Some(reason) = unportable(&file.path) {
                return Err(Problem::in_file(
                    &file.path,
                    format!("{reason}; rename it so that every system can write it back"),
                ));
            }
            if !stored_paths.contains(file.path.as_str())
                && let Some(other) = clashes.add(&file.path)
            {
                return Err(Problem::in_file(
                    &file.path,
                    format!(
                        "its path clashes with `{other}`: a system that ignores case, or that needs a folder where a file is, could not write both back"
                    ),
                ));
            }
            Ok(file)
        })
        .collect();
    // Each parsed note with its file's hash and its text.
    let mut parsed: Vec<(ParsedDocument, String, String)> = Vec::new();
    let read = map_in_parallel(checked, threads, |file| {
        progress.inc(1);
        file.map_err(|problem| vec![problem]).and_then(read_note)
    });
    for outcome in read {
        match outcome {
            Ok(note) => parsed.push(note),
            Err(found) => problems.extend(found),
        }
    }

    // Ids: written ones kept, derived ones qualified by folders where a file name repeats.
    let known_by_id: HashMap<&str, &KnownDocument> =
        known.iter().map(|k| (k.id.as_str(), k)).collect();
    let clashes = ids::assign(
        &mut parsed.iter_mut().map(|(d, _, _)| d).collect::<Vec<_>>(),
        known,
    );
    let refused: HashSet<String> = clashes.iter().map(|c| c.path.clone()).collect();
    parsed.retain(|(document, _, _)| !refused.contains(&document.source_path));
    problems.extend(clashes.into_iter().map(|clash| {
        let (line, column) = clash.at;
        locate(&clash.path, Located::new(line, column, clash.message))
    }));

    let mut report = ImportReport::default();
    if !problems.is_empty() {
        if !skip_invalid {
            return Err(problems);
        }
        report.skipped = problems;
    }

    let resolver = Resolver::new(
        known
            .iter()
            .map(|k| (k.id.as_str(), k.source_path.as_str()))
            .chain(
                parsed
                    .iter()
                    .map(|(d, _, _)| (d.id.as_str(), d.source_path.as_str())),
            ),
    )
    .with_redirects(redirects);
    let mut plan = ImportPlan::default();
    let mut unrendered = Vec::new();
    let built = map_in_parallel(parsed, threads, |(document, content_hash, source)| {
        progress.inc(1);
        let known = known_by_id.get(document.id.as_str());
        if known.is_some_and(|existing| existing.content_hash == content_hash) {
            return Built::Unchanged(document.id);
        }
        let existed = known.is_some();
        match build_record(document, content_hash, &resolver) {
            Ok(record) => Built::Note {
                note: Box::new(PlannedNote { record, source }),
                existed,
            },
            Err(problem) => Built::Refused(problem),
        }
    });
    for outcome in built {
        match outcome {
            Built::Unchanged(id) => report.unchanged.push(id),
            Built::Note { note, existed } => {
                let id = note.record.id.clone();
                plan.upserts.push(*note);
                if existed {
                    report.updated.push(id);
                } else {
                    report.created.push(id.clone());
                    plan.created.push(id);
                }
            }
            Built::Refused(problem) => unrendered.push(problem),
        }
    }
    if !unrendered.is_empty() {
        if !skip_invalid {
            return Err(unrendered);
        }
        report.skipped.extend(unrendered);
    }
    report.ambiguous = ambiguous(&plan.upserts, known, &resolver);
    plan.report = report;
    plan.resolver = resolver;
    Ok(plan)
}

/// What became of one parsed note when the import was planned.
enum Built {
    /// Its file is the one stored already.
    Unchanged(String),
    /// Rendered, to be written; `existed` if it replaces a stored note.
    Note {
        note: Box<PlannedNote>,
        existed: bool,
    },
    /// Its body cannot be rendered.
    Refused(Problem),
}

/// Renders again the bodies of existing notes (their links may now point at notes that exist).
/// A body the renderer now refuses (its limits came after it was stored) keeps its HTML.
pub fn rerender(bodies: &[StoredBody], resolver: &Resolver) -> Vec<Rerendered> {
    bodies
        .iter()
        .filter_map(|b| {
            match render(&b.body, &|dest| Some(resolver.link(&b.source_path, dest))) {
                Ok(rendered) => Some(Rerendered {
                    id: b.id.clone(),
                    body: b.body.clone(),
                    html: rendered.html,
                    plain_text: rendered.plain,
                    render_version: RENDER_VERSION,
                }),
                Err(error) => {
                    tracing::warn!(id = %b.id, %error, "kept the stored HTML of a note that no longer renders");
                    None
                }
            }
        })
        .collect()
}

/// The record to store for `document`, or the problem that stops it rendering, located in its
/// file.
pub fn build_record(
    document: ParsedDocument,
    content_hash: String,
    resolver: &Resolver,
) -> Result<NoteRecord, Problem> {
    let path = document.source_path.clone();
    let rendered = render(&document.body, &|destination| {
        Some(resolver.link(&path, destination))
    })
    .map_err(|error| render_problem(&document, &error))?;
    let mut edges: Vec<EdgeRecord> = document
        .relationships
        .iter()
        .map(|(kind, reference)| EdgeRecord {
            kind: *kind,
            target_id: resolver.resolve(&path, reference),
            target_ref: reference.to_owned(),
        })
        .collect();
    edges.extend(rendered.links.iter().map(|id| EdgeRecord {
        kind: EdgeKind::Link,
        target_id: id.clone(),
        target_ref: id.clone(),
    }));
    Ok(NoteRecord {
        layout_json: serde_json::to_string(&document.layout).expect("a layout always serializes"),
        collection: document.collection.map(|c| CollectionRecord {
            front_matter_json: serde_json::to_string(&c.entries).expect("entries always serialize"),
            id: c.id,
            title: c.title,
        }),
        id: document.id,
        source_path: document.source_path,
        title: document.title,
        description: document.description,
        author: document.author,
        created_at: document.created_at,
        updated_at: document.updated_at,
        version: document.version,
        draft: document.draft,
        tags: document.tags,
        edges,
        body: document.body,
        html: rendered.html,
        plain_text: rendered.plain,
        headings: rendered.headings,
        content_hash,
        render_version: RENDER_VERSION,
    })
}

/// A render failure as a problem at its line of `document`'s file.
pub fn render_problem(document: &ParsedDocument, error: &RenderError) -> Problem {
    let line = document.body_line + error.line() - 1;
    locate(
        &document.source_path,
        Located::new(line, 0, error.to_string()),
    )
}

/// Ids that are referenced but exist nowhere, sorted.
pub fn wanted(records: &[NoteRecord], resolver: &Resolver) -> Vec<String> {
    records
        .iter()
        .flat_map(|r| r.edges.iter())
        .filter(|e| !resolver.exists(&e.target_id))
        .map(|e| e.target_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The references of `upserts` that name no note but a file name several notes share, beside
/// the `known` notes: one problem per note and name, listing the notes it could mean.
fn ambiguous(
    upserts: &[PlannedNote],
    known: &[KnownDocument],
    resolver: &Resolver,
) -> Vec<Problem> {
    let mut paths: HashMap<&str, &str> = known
        .iter()
        .map(|k| (k.id.as_str(), k.source_path.as_str()))
        .collect();
    paths.extend(
        upserts
            .iter()
            .map(|n| (n.record.id.as_str(), n.record.source_path.as_str())),
    );
    let shared = ids::shared_names(paths.iter().map(|(id, path)| (*id, *path)));
    let mut found = Vec::new();
    for note in upserts {
        let names: BTreeSet<&str> = note
            .record
            .edges
            .iter()
            .map(|e| e.target_id.as_str())
            .filter(|target| !resolver.exists(target) && shared.contains_key(*target))
            .collect();
        for name in names {
            let candidates: Vec<String> = shared[name]
                .iter()
                .map(|id| format!("`{id}` ({})", paths[id.as_str()]))
                .collect();
            found.push(Problem::in_file(
                &note.record.source_path,
                format!(
                    "`{name}` is the file name of {} notes and the id of none: {}; link to the one you mean by its id or its path",
                    candidates.len(),
                    candidates.join(", ")
                ),
            ));
        }
    }
    found
}

/// SHA-256 of a file, hex.
pub fn hash(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A problem located in `file`, as the user sees it.
fn locate(file: &str, at: Located) -> Problem {
    Problem {
        file: file.to_owned(),
        line: at.line,
        column: at.column,
        message: at.message,
        field: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.to_owned(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn relative_paths_resolve_through_the_tree() {
        let resolver = Resolver::new([
            ("lb", "system_design/load_balancer.md"),
            ("http", "networking/http.md"),
        ]);
        assert_eq!(
            resolver.resolve("architecture/a.md", "../system_design/load_balancer.md"),
            "lb"
        );
        assert_eq!(resolver.resolve("networking/x.md", "http.md"), "http");
        assert_eq!(resolver.resolve("a.md", "http"), "http");
        assert_eq!(resolver.resolve("a.md", "../nowhere/proxy.md"), "proxy");
        assert_eq!(resolver.resolve("a.md", "Load Balancer"), "load-balancer");
    }

    #[test]
    fn every_problem_in_every_file_is_reported_and_nothing_is_planned() {
        let files = vec![
            file("good.md", "---\ntitle: Good\n---\n"),
            file("bad-yaml.md", "---\ntitle: [unclosed\n---\n"),
            file("bad-date.md", "---\ncreated_at: yesterday\n---\n"),
            SourceFile {
                path: "binary.md".into(),
                bytes: vec![b'a', b'\n', 0xff, 0xfe],
            },
        ];
        let problems = plan(files, &[], Vec::new(), false, 2, &ProgressBar::hidden()).unwrap_err();
        let files: Vec<_> = problems.iter().map(|p| p.file.as_str()).collect();
        assert_eq!(files, ["bad-yaml.md", "bad-date.md", "binary.md"]);
        assert_eq!((problems[2].line, problems[2].column), (2, 1));
    }

    #[test]
    fn skip_invalid_imports_the_rest_and_lists_what_it_skipped() {
        let files = vec![
            file("good.md", "# Good\n"),
            file("bad.md", "---\ndraft: perhaps\n---\n"),
        ];
        let plan = plan(files, &[], Vec::new(), true, 2, &ProgressBar::hidden()).unwrap();
        assert_eq!(plan.report.created, ["good"]);
        assert_eq!(plan.report.skipped[0].file, "bad.md");
    }

    #[test]
    fn a_duplicate_id_names_the_file_that_has_it() {
        let files = vec![
            file("a/x.md", "---\nid: same\n---\n"),
            file("b/y.md", "---\nid: same\n---\n"),
        ];
        let problems = plan(files, &[], Vec::new(), false, 2, &ProgressBar::hidden()).unwrap_err();
        assert_eq!(problems[0].file, "b/y.md");
        assert_eq!(
            problems[0].message,
            "duplicate id `same`: `a/x.md` already has it"
        );
        assert_eq!((problems[0].line, problems[0].column), (2, 5));
    }

    #[test]
    fn an_unchanged_file_is_left_alone() {
        let text = "# Same\n";
        let known = [KnownDocument {
            id: "same".into(),
            source_path: "same.md".into(),
            content_hash: hash(text.as_bytes()),
        }];
        let plan = plan(
            vec![file("same.md", text)],
            &known,
            Vec::new(),
            false,
            2,
            &ProgressBar::hidden(),
        )
        .unwrap();
        assert!(plan.upserts.is_empty());
        assert_eq!(plan.report.unchanged, ["same"]);
    }

    #[test]
    fn an_oversized_file_is_refused() {
        let big = "a".repeat(MAX_FILE_BYTES + 1);
        let problems = plan(
            vec![file("big.md", &big)],
            &[],
            Vec::new(),
            false,
            2,
            &ProgressBar::hidden(),
        )
        .unwrap_err();
        assert!(problems[0].message.contains("at most"));
    }

    #[test]
    fn a_resolver_over_just_the_looked_up_notes_answers_as_one_over_the_whole_base() {
        let base = [
            ("lb", "system_design/load_balancer.md"),
            ("http", "networking/http.md"),
            ("proxy", "system_design/proxy.md"),
            ("dns", "networking/dns.md"),
        ];
        let whole = Resolver::new(base).with_redirects([("old-http".into(), "http".into())]);
        for (from, reference) in [
            ("architecture/a.md", "../system_design/load_balancer.md"),
            ("networking/x.md", "http.md"),
            ("a.md", "http"),
            ("a.md", "old-http"),
            ("a.md", "Load Balancer"),
            ("a.md", "../nowhere/proxy.md"),
            ("system_design/y.md", "proxy"),
        ] {
            let (ids, paths) = Resolver::lookups(from, reference);
            let redirects: Vec<(String, String)> = [("old-http", "http")]
                .into_iter()
                .filter(|(old, _)| ids.iter().any(|id| id == old))
                .map(|(o, n)| (o.to_owned(), n.to_owned()))
                .collect();
            let targets: Vec<&str> = redirects.iter().map(|(_, n)| n.as_str()).collect();
            let part = Resolver::new(base.into_iter().filter(|(id, path)| {
                ids.iter().any(|i| i == id)
                    || targets.contains(id)
                    || paths.iter().any(|p| p == path)
            }))
            .with_redirects(redirects);
            assert_eq!(
                (
                    part.resolve(from, reference),
                    part.link(from, reference).exists
                ),
                (
                    whole.resolve(from, reference),
                    whole.link(from, reference).exists
                ),
                "{reference} from {from}"
            );
        }
    }
}
