//! Planning an import: from a batch of files to the records to store, or to every problem
//! found, located as `file:line:column`. The plan ([`plan`]) parses every file and decides ids,
//! links and what changed; its notes are then rendered in batches ([`render_batch`]), each
//! written while the next renders, and entered in the report ([`ImportPlan::take`]).
//!
//! All or nothing by default: one problem in one file and the plan is refused, with every
//! problem of every file listed at once, so a user fixes them in one pass. With `skip_invalid`
//! the valid files go in and the others are listed as skipped. Files identical to what is
//! stored are left alone, so re-importing a folder only touches what changed.

use super::SourceFile;
use super::attachments::{MAX_ATTACHMENT_BYTES, media_type};
use super::front_matter::{Located, line_and_column};
use super::ids;
use super::parse::{MAX_TAGS, ParsedDocument, id_from_path, parse_document, slugify};
use super::paths::{Clashes, unportable};
use super::render::{Destination, NoteLink, RENDER_VERSION, Reference, RenderError, render};
use super::sources::{NOT_IMPORTED, too_large};
use crate::cpu::{map_ahead, map_in_parallel};
use crate::store::{
    AttachmentRecord, CollectionRecord, EdgeRecord, KnownDocument, NewRevision, NoteRecord,
    Rerendered, StoredBody,
};
use app::contract::{EdgeKind, Flavor, ImportReport, Problem};
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// The largest note accepted. Notes are text; a bigger `.md` is almost always something else
/// under the wrong name, and every note is rendered in memory.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// How many notes an import renders before it writes any. Until the first batch is rendered
/// the database has only the revisions to write, and after that it is the slower of the two:
/// a first batch of the statement's full size (2,978 notes on PostgreSQL) kept it waiting
/// about a second for 10,000 notes, where 400 render in a tenth of that. The batches after it
/// double, up to the size one statement takes.
pub const FIRST_BATCH: usize = 400;

/// An import planned up to its rendering: the notes to render and write (in batches, see
/// [`render_batch`] and [`ImportPlan::take`]), the attachments and redirects to write, and what
/// to tell the user, completed batch by batch.
///
/// Rendering is most of an import's work on the server's cores and writing it most of the
/// database's, so the two run side by side: while one batch is written, the next ones are
/// rendered. The notes' revisions need no rendering: they are written while the first batch
/// renders.
#[derive(Debug)]
pub struct ImportPlan {
    /// New and changed notes, not yet rendered.
    pub pending: Vec<PendingNote>,
    /// The file of each pending note, exactly as imported, as the note's next revision.
    pub revisions: Vec<NewRevision>,
    /// Vault notes' aliases, as `(slug of the alias, id)`: redirects to write, so `/notes/start`
    /// reaches the note that calls itself "Start" (an id a note has wins over them).
    pub alias_redirects: Vec<(String, String)>,
    /// New and changed attachments.
    pub attachments: Vec<AttachmentRecord>,
    /// Resolves references over the stored documents and this import's.
    pub resolver: Arc<Resolver>,
    /// The report for the user, filled in as batches are taken.
    report: ImportReport,
    /// The references of the rendered notes that name no note.
    wanted: BTreeSet<String>,
    /// Bodies that cannot be rendered.
    refused: Vec<Problem>,
    /// Every note's path by id once the import is written, and the ids of each file name
    /// several of them share: what [`ambiguous`] says a name could mean.
    paths: HashMap<String, String>,
    shared: HashMap<String, Vec<String>>,
}

/// A parsed note waiting to be rendered.
#[derive(Debug)]
pub struct PendingNote {
    document: ParsedDocument,
    content_hash: String,
    /// It replaces a stored note.
    existed: bool,
}

impl PendingNote {
    /// The id the note will have.
    pub fn id(&self) -> &str {
        &self.document.id
    }
}

/// What became of one batch of pending notes when rendered: see [`ImportPlan::take`].
#[derive(Debug)]
pub struct RenderedBatch(Vec<Built>);

impl ImportPlan {
    /// The ids, with their paths, of the pending notes that did not exist before this import
    /// (existing notes linking to them need their HTML rendered again: see [`rerender`]).
    pub fn created(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pending
            .iter()
            .filter(|note| !note.existed)
            .map(|note| {
                (
                    note.document.id.as_str(),
                    note.document.source_path.as_str(),
                )
            })
    }

    /// Takes the pending notes, in batches of at most `size`: the first of [`FIRST_BATCH`],
    /// each after it twice the one before.
    pub fn batches(&mut self, size: usize) -> Vec<Vec<PendingNote>> {
        let mut pending = std::mem::take(&mut self.pending).into_iter();
        let mut next = FIRST_BATCH;
        std::iter::from_fn(|| {
            let batch: Vec<PendingNote> = pending.by_ref().take(next.min(size).max(1)).collect();
            next = next.saturating_mul(2);
            (!batch.is_empty()).then_some(batch)
        })
        .collect()
    }

    /// Enters a rendered batch in the report; returns its notes to write.
    pub fn take(&mut self, batch: RenderedBatch) -> Vec<NoteRecord> {
        let mut notes = Vec::with_capacity(batch.0.len());
        for built in batch.0 {
            match built {
                Built::Note {
                    note,
                    ambiguous,
                    missing_files,
                    existed,
                } => {
                    self.report.ambiguous.extend(ambiguous);
                    self.report.missing_files.extend(missing_files);
                    let id = note.id.clone();
                    if existed {
                        self.report.updated.push(id);
                    } else {
                        self.report.created.push(id);
                    }
                    notes.push(*note);
                }
                Built::Refused(problem) => self.refused.push(problem),
            }
        }
        let resolver = &self.resolver;
        self.wanted.extend(
            notes
                .iter()
                .flat_map(|n| &n.edges)
                .filter(|e| !resolver.exists(&e.target_id))
                .map(|e| e.target_id.clone()),
        );
        self.report
            .ambiguous
            .extend(ambiguous(&notes, &self.paths, &self.shared, resolver));
        notes
    }

    /// Whether a note taken so far could not be rendered: unless invalid notes are skipped,
    /// nothing of the import is to be written.
    pub fn has_refused(&self) -> bool {
        !self.refused.is_empty()
    }

    /// The report, once every batch is taken; or the notes that could not be rendered (an
    /// import that skips them is made again without them: see `Service::import`).
    pub fn finish(mut self) -> Result<ImportReport, Vec<Problem>> {
        if self.has_refused() {
            return Err(self.refused);
        }
        self.report.wanted = self.wanted.into_iter().collect();
        Ok(self.report)
    }
}

/// Renders `batch` against `resolver` on up to `threads` threads, advancing `progress` once a
/// note. A batch is rendered while the one before it is written, ahead of when it is needed,
/// so its threads give way to the writing ([`map_ahead`]).
pub fn render_batch(
    batch: Vec<PendingNote>,
    resolver: &Resolver,
    threads: usize,
    progress: &ProgressBar,
) -> RenderedBatch {
    RenderedBatch(map_ahead(batch, threads, |pending| {
        progress.inc(1);
        let PendingNote {
            document,
            content_hash,
            existed,
        } = pending;
        match build_record(document, content_hash, resolver) {
            Ok(built) => Built::Note {
                note: Box::new(built.record),
                ambiguous: built.ambiguous,
                missing_files: built.missing_files,
                existed,
            },
            Err(problem) => Built::Refused(problem),
        }
    }))
}

/// Resolves references between notes: relative paths through the tree, bare words as ids,
/// wikilinks by file name as Obsidian does.
#[derive(Debug, Default)]
pub struct Resolver {
    by_path: HashMap<String, String>,
    ids: HashSet<String>,
    /// Renamed ids and the id each one is now.
    redirects: HashMap<String, String>,
    /// Notes by [`name_key`] of their path, as `(id, path)`.
    by_name: HashMap<String, Vec<(String, String)>>,
    /// Vault notes by their aliases, lower-cased, as `(id, path)`.
    aliases: HashMap<String, Vec<(String, String)>>,
    /// Attachments by path, with the hash of their content.
    files: HashMap<String, String>,
    /// Attachments' paths by their file name, lower-cased.
    files_by_name: HashMap<String, Vec<String>>,
}

/// What a wikilink's file name is matched on: the file name without `.md`, in lower case
/// (Obsidian matches names whatever their case). The store keeps it with each note, so a save
/// looks up the notes of one name without reading the others.
pub fn name_key(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    without_markdown_extension(name).to_lowercase()
}

/// `path` without a `.md` or `.markdown` ending, in any case.
fn without_markdown_extension(path: &str) -> &str {
    for extension in [".md", ".markdown"] {
        let cut = path.len().saturating_sub(extension.len());
        if path.is_char_boundary(cut) && path[cut..].eq_ignore_ascii_case(extension) {
            return &path[..cut];
        }
    }
    path
}

impl Resolver {
    /// A resolver over documents given as `(id, source_path)`.
    pub fn new<'a>(documents: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut resolver = Self::default();
        for (id, path) in documents {
            resolver.insert(id, path);
        }
        resolver
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

    /// What [`resolve`](Self::resolve) and [`link`](Self::link) look up to resolve
    /// `reference` written in the note at `from_path`: ids, paths and (for a wikilink) name
    /// keys. A resolver over just the notes with those (and the notes their ids were renamed
    /// to) answers `reference` as one over the whole base does.
    pub fn lookups(from_path: &str, reference: &Destination) -> Lookups {
        let reference = match reference {
            Destination::Path(reference) => reference.trim(),
            Destination::Wiki(name) => {
                let written = without_markdown_extension(name.trim());
                // With no file of that name, `wiki` asks for the last part as an id.
                let last = written.rsplit('/').next().unwrap_or(written);
                return Lookups {
                    ids: vec![
                        written.to_owned(),
                        slugify(written),
                        last.to_owned(),
                        slugify(last),
                    ],
                    paths: Vec::new(),
                    names: vec![name_key(written)],
                };
            }
        };
        if !is_path(reference) {
            return Lookups {
                ids: vec![reference.to_owned(), slugify(reference)],
                ..Lookups::default()
            };
        }
        let joined = join_relative(from_path, reference);
        Lookups {
            ids: vec![id_from_path(&joined)],
            paths: vec![format!("{joined}.md"), joined],
            names: Vec::new(),
        }
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
        add_named(&mut self.by_name, name_key(path), id, path);
    }

    /// Adds the aliases of the vault note `id` at `path`, which wikilinks may name it by.
    pub fn insert_aliases(&mut self, id: &str, path: &str, aliases: &[String]) {
        for alias in aliases {
            add_named(&mut self.aliases, alias.trim().to_lowercase(), id, path);
        }
    }

    /// Also resolves the attachments given as `(path, hash)`.
    pub fn with_files<'a>(mut self, files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        for (path, hash) in files {
            self.insert_file(path, hash);
        }
        self
    }

    /// Adds the attachment at `path`, whose content has `hash`.
    pub fn insert_file(&mut self, path: &str, hash: &str) {
        let name = path.rsplit('/').next().unwrap_or(path).to_lowercase();
        if self
            .files
            .insert(path.to_owned(), hash.to_owned())
            .is_none()
        {
            self.files_by_name
                .entry(name)
                .or_default()
                .push(path.to_owned());
        }
    }

    /// The attachment `reference` names, written in the note at `from_path`: a Markdown
    /// destination is a path relative to the note (or from the top of the tree); failing both,
    /// and for a wikilink, the file whose path ends with what is written, in any case, as
    /// Obsidian finds it. Several such files and none at exactly the path written: all are
    /// candidates, none is guessed.
    fn file(&self, from_path: &str, reference: Reference<'_>) -> NoteLink {
        let (written, markdown) = match reference {
            Reference::File(path) => (path.trim(), true),
            Reference::WikiFile(name) => (name.trim(), false),
            Reference::Path(_) | Reference::Wiki(_) => unreachable!("not a file reference"),
        };
        let found = |path: &str| NoteLink {
            id: path.to_owned(),
            exists: true,
            candidates: Vec::new(),
            hash: self.files.get(path).cloned(),
        };
        let relative = join_relative(from_path, written);
        let from_top = written.trim_start_matches("./").trim_start_matches('/');
        if markdown {
            for path in [relative.as_str(), from_top] {
                if self.files.contains_key(path) {
                    return found(path);
                }
            }
        }
        let lower = from_top.to_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        let matching: Vec<&String> = self
            .files_by_name
            .get(name)
            .into_iter()
            .flatten()
            .filter(|path| ends_with_path(path, &lower))
            .collect();
        let exact = matching.iter().find(|path| path.to_lowercase() == lower);
        match (matching.as_slice(), exact) {
            ([path], _) | (_, Some(path)) => found(path),
            ([], None) => NoteLink {
                id: if markdown {
                    relative
                } else {
                    from_top.to_owned()
                },
                ..NoteLink::default()
            },
            (several, None) => {
                let mut candidates: Vec<(String, String)> = several
                    .iter()
                    .map(|path| ((*path).clone(), (*path).clone()))
                    .collect();
                candidates.sort();
                NoteLink {
                    id: from_top.to_owned(),
                    candidates,
                    ..NoteLink::default()
                }
            }
        }
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
    pub fn link(&self, from_path: &str, reference: Reference<'_>) -> NoteLink {
        let destination = match reference {
            Reference::Path(destination) => destination,
            Reference::Wiki(name) => return self.wiki(from_path, name),
            Reference::File(_) | Reference::WikiFile(_) => return self.file(from_path, reference),
        };
        let id = self.resolve(from_path, destination);
        NoteLink {
            exists: self.exists(&id),
            id,
            ..NoteLink::default()
        }
    }

    /// The note a wikilink names, as Obsidian finds it: the note whose file has that name
    /// (`[[Load Balancer]]`), or whose path ends with it (`[[networking/http]]`), in any case;
    /// else a note with that alias; else a note with that id (or once renamed from it, or whose
    /// alias it is). A name several notes' files (or aliases) share answers them all as
    /// candidates, unless one of them is at exactly the path written.
    fn wiki(&self, from_path: &str, name: &str) -> NoteLink {
        let written = without_markdown_extension(name.trim());
        let wanted = if written.starts_with("./") || written.starts_with("../") {
            join_relative(from_path, written)
        } else {
            written.trim_start_matches('/').to_owned()
        };
        let lower = wanted.to_lowercase();
        let matching: Vec<&(String, String)> = self
            .by_name
            .get(&name_key(&wanted))
            .into_iter()
            .flatten()
            .filter(|(_, path)| ends_with_path(without_markdown_extension(path), &lower))
            .collect();
        let matching = if matching.is_empty() {
            self.aliases.get(&lower).into_iter().flatten().collect()
        } else {
            matching
        };
        let exact = matching
            .iter()
            .find(|(_, path)| without_markdown_extension(path).to_lowercase() == lower);
        match (matching.as_slice(), exact) {
            ([(id, _)], _) | (_, Some((id, _))) => NoteLink {
                id: id.clone(),
                exists: true,
                ..NoteLink::default()
            },
            ([], None) => {
                let id = self.resolve(from_path, written.rsplit('/').next().unwrap_or(written));
                NoteLink {
                    exists: self.exists(&id),
                    id,
                    ..NoteLink::default()
                }
            }
            (several, None) => {
                let mut candidates: Vec<(String, String)> =
                    several.iter().map(|&found| found.clone()).collect();
                candidates.sort_by(|a, b| a.1.cmp(&b.1));
                NoteLink {
                    id: slugify(written),
                    candidates,
                    ..NoteLink::default()
                }
            }
        }
    }
}

/// Files the note `id` at `path` under `name` in `names`, once.
fn add_named(
    names: &mut HashMap<String, Vec<(String, String)>>,
    name: String,
    id: &str,
    path: &str,
) {
    let named = names.entry(name).or_default();
    if !named.iter().any(|(known, _)| known == id) {
        named.push((id.to_owned(), path.to_owned()));
    }
}

/// What resolving some references needs to read from the store (see [`Resolver::lookups`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookups {
    /// Notes by id (and the notes those ids were renamed to).
    pub ids: Vec<String>,
    /// Notes by path.
    pub paths: Vec<String>,
    /// Notes by [`name_key`].
    pub names: Vec<String>,
}

/// Whether a reference names a file by its path rather than a note by its id.
fn is_path(reference: &str) -> bool {
    reference.contains('/') || reference.ends_with(".md") || reference.ends_with(".markdown")
}

/// Whether `path`, in any case, is `wanted` (in lower case) or ends with it after a `/`: how
/// Obsidian finds a note or a file by the end of its path (`[[networking/http]]`).
fn ends_with_path(path: &str, wanted: &str) -> bool {
    let path = path.to_lowercase();
    path.strip_suffix(wanted)
        .is_some_and(|before| before.is_empty() || before.ends_with('/'))
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

/// How an import reads its files' Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlavorChoice {
    /// Every file in this dialect, as the user said.
    Given(Flavor),
    /// Not said: a file already stored keeps its note's dialect (one edited vault note uploaded
    /// alone is still a vault note), and the others are read in this one, which the upload's
    /// shape suggests (an `.obsidian/` folder: a vault).
    Detected(Flavor),
}

impl FlavorChoice {
    /// The dialect `named` by the user if any, else the one the import's shape suggests:
    /// Obsidian's for a `vault` (it holds `.obsidian/`), plain Markdown otherwise.
    pub fn of(named: Option<Flavor>, vault: bool) -> Self {
        match named {
            Some(flavor) => FlavorChoice::Given(flavor),
            None if vault => FlavorChoice::Detected(Flavor::Obsidian),
            None => FlavorChoice::Detected(Flavor::Markdown),
        }
    }
}

/// Plans the import of `files`, read as `flavor` says, into a store that holds `known`,
/// parsing and rendering on up to `threads` threads.
///
/// `progress` advances once per file parsed and once per document rendered.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    files: Vec<SourceFile>,
    attachments: Vec<SourceFile>,
    flavor: FlavorChoice,
    known: &[KnownDocument],
    stored_files: &[(String, String)],
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
    let stored_hashes: HashMap<&str, &str> = stored_files
        .iter()
        .map(|(path, hash)| (path.as_str(), hash.as_str()))
        .collect();
    for path in stored_hashes.keys() {
        clashes.add(path);
    }
    let is_stored = |path: &str| stored_paths.contains(path) || stored_hashes.contains_key(path);
    let note_count = files.len();
    let mut checked: Vec<Result<SourceFile, Problem>> = files
        .into_iter()
        .chain(attachments)
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
            if !is_stored(&file.path)
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
    let checked_attachments = checked.split_off(note_count);
    let mut new_files = Vec::new();
    let mut unchanged_files = Vec::new();
    for outcome in map_in_parallel(checked_attachments, threads, read_attachment) {
        match outcome {
            Ok(file) if stored_hashes.get(file.path.as_str()) == Some(&file.hash.as_str()) => {
                unchanged_files.push(file.path);
            }
            Ok(file) => new_files.push(file),
            Err(problem) => problems.push(problem),
        }
    }
    // Each parsed note with its file's hash and its text.
    let mut parsed: Vec<(ParsedDocument, String, String)> = Vec::new();
    let read = map_in_parallel(checked, threads, |file| {
        progress.inc(1);
        file.map_err(|problem| vec![problem]).and_then(read_note)
    });
    let stored_flavor: HashMap<&str, Flavor> = known
        .iter()
        .map(|k| (k.source_path.as_str(), flavor_of(&k.layout_json)))
        .collect();
    for outcome in read {
        match outcome {
            Ok(mut note) => {
                note.0.layout.flavor = match flavor {
                    FlavorChoice::Given(flavor) => flavor,
                    FlavorChoice::Detected(flavor) => stored_flavor
                        .get(note.0.source_path.as_str())
                        .copied()
                        .unwrap_or(flavor),
                };
                parsed.push(note);
            }
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

    let mut resolver = Resolver::new(
        known
            .iter()
            .map(|k| (k.id.as_str(), k.source_path.as_str()))
            .chain(
                parsed
                    .iter()
                    .map(|(d, _, _)| (d.id.as_str(), d.source_path.as_str())),
            ),
    )
    .with_redirects(redirects)
    .with_files(
        stored_files
            .iter()
            .map(|(path, hash)| (path.as_str(), hash.as_str()))
            .chain(new_files.iter().map(|f| (f.path.as_str(), f.hash.as_str()))),
    );
    let mut by_alias: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (document, _, _) in parsed
        .iter()
        .filter(|(d, _, _)| d.layout.flavor == Flavor::Obsidian)
    {
        resolver.insert_aliases(&document.id, &document.source_path, &document.aliases);
        for alias in &document.aliases {
            let slug = slugify(alias);
            if !slug.is_empty() && slug != document.id && !resolver.exists(&slug) {
                let claims = by_alias.entry(slug).or_default();
                if !claims.iter().any(|(id, _)| *id == document.id) {
                    claims.push((document.id.clone(), document.source_path.clone()));
                }
            }
        }
    }
    let mut shared_aliases = Vec::new();
    let mut alias_redirects = Vec::new();
    for (slug, claims) in by_alias {
        match claims.as_slice() {
            [(id, _)] => alias_redirects.push((slug, id.clone())),
            several => {
                let named: Vec<String> = several
                    .iter()
                    .map(|(id, path)| format!("`{id}` ({path})"))
                    .collect();
                shared_aliases.push(Problem::in_file(
                    &several[0].1,
                    format!(
                        "the alias `{slug}` is written by {} notes: {}; it leads to none of them",
                        several.len(),
                        named.join(", ")
                    ),
                ));
            }
        }
    }
    report.ambiguous = shared_aliases;
    report.attachments = new_files.iter().map(|f| f.path.clone()).collect();
    report.unchanged_attachments = unchanged_files;

    // Every note's path once the import is written, for the names several notes share.
    let mut paths: HashMap<String, String> = known
        .iter()
        .map(|k| (k.id.clone(), k.source_path.clone()))
        .collect();
    let mut pending = Vec::with_capacity(parsed.len());
    let mut revisions = Vec::with_capacity(parsed.len());
    for (document, content_hash, source) in parsed {
        let known = known_by_id.get(document.id.as_str());
        // The same file read in another dialect is a changed note.
        if known.is_some_and(|existing| {
            existing.content_hash == content_hash
                && stored_flavor.get(existing.source_path.as_str()) == Some(&document.layout.flavor)
        }) {
            progress.inc(1);
            report.unchanged.push(document.id);
            continue;
        }
        paths.insert(document.id.clone(), document.source_path.clone());
        revisions.push(NewRevision {
            id: document.id.clone(),
            summary: format!("Imported from {}", document.source_path),
            source_path: document.source_path.clone(),
            source,
            author: "import".to_owned(),
        });
        pending.push(PendingNote {
            document,
            content_hash,
            existed: known.is_some(),
        });
    }
    let shared = ids::shared_names(paths.iter().map(|(id, path)| (id.as_str(), path.as_str())));
    Ok(ImportPlan {
        pending,
        revisions,
        alias_redirects,
        attachments: new_files,
        resolver: Arc::new(resolver),
        report,
        wanted: BTreeSet::new(),
        refused: Vec::new(),
        paths,
        shared,
    })
}

/// What became of one pending note when rendered.
#[derive(Debug)]
enum Built {
    /// Rendered, to be written; `existed` if it replaces a stored note.
    Note {
        note: Box<NoteRecord>,
        ambiguous: Vec<Problem>,
        missing_files: Vec<Problem>,
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
            let flavor = flavor_of(&b.layout_json);
            match render(&b.body, flavor, &|reference| {
                Some(resolver.link(&b.source_path, reference))
            }) {
                Ok(rendered) => Some(Rerendered {
                    id: b.id.clone(),
                    body: b.body.clone(),
                    html: rendered.html,
                    plain_text: rendered.plain,
                    link_names: rendered.link_names,
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

/// The dialect a stored note's layout (as JSON) says its body is written in.
pub fn flavor_of(layout_json: &str) -> Flavor {
    #[derive(serde::Deserialize)]
    struct FlavorOnly {
        #[serde(default)]
        flavor: Flavor,
    }
    serde_json::from_str::<FlavorOnly>(layout_json)
        .map(|layout| layout.flavor)
        .unwrap_or_default()
}

/// A note rendered into the record to store, and its wikilinks that could mean several notes.
#[derive(Debug)]
pub struct BuiltRecord {
    /// What to store.
    pub record: NoteRecord,
    /// Each wikilink left unresolved because several notes have its name, located in the file.
    pub ambiguous: Vec<Problem>,
    /// Each reference to an attachment that is not there, located in the file.
    pub missing_files: Vec<Problem>,
}

/// The record to store for `document`, or the problem that stops it rendering, located in its
/// file. Tags written in an Obsidian note's body join its front matter's.
pub fn build_record(
    document: ParsedDocument,
    content_hash: String,
    resolver: &Resolver,
) -> Result<BuiltRecord, Problem> {
    let path = document.source_path.clone();
    let rendered = render(&document.body, document.layout.flavor, &|reference| {
        Some(resolver.link(&path, reference))
    })
    .map_err(|error| render_problem(&document, &error))?;
    let at = |line: usize, column: usize, message: String| {
        locate(
            &path,
            Located::new(document.body_line + line - 1, column, message),
        )
    };
    let ambiguous = rendered
        .ambiguous
        .iter()
        .map(|link| {
            let message = if media_type(&link.reference).is_some() {
                let paths: Vec<&str> = link.candidates.iter().map(|(p, _)| p.as_str()).collect();
                format!(
                    "`{}` could mean {} files: {}; write its folder too to say which",
                    link.reference,
                    paths.len(),
                    paths.join(", ")
                )
            } else {
                let candidates: Vec<String> = link
                    .candidates
                    .iter()
                    .map(|(id, path)| format!("`{id}` ({path})"))
                    .collect();
                format!(
                    "`[[{}]]` could mean {} notes: {}; write its folder too (`[[folder/name]]`) to say which",
                    link.reference,
                    candidates.len(),
                    candidates.join(", ")
                )
            };
            at(link.line, link.column, message)
        })
        .collect();
    let missing_files = rendered
        .missing_files
        .iter()
        .map(|file| {
            at(
                file.line,
                file.column,
                format!(
                    "`{}` is not among the files imported or stored; it shows as its name until it is",
                    file.reference
                ),
            )
        })
        .collect();
    let mut tags = document.tags.clone();
    for tag in &rendered.tags {
        if tags.len() < MAX_TAGS && !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            tags.push(tag.clone());
        }
    }
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
    let record = NoteRecord {
        layout_json: serde_json::to_string(&document.layout).expect("a layout always serializes"),
        collection: document.collection.map(|c| CollectionRecord {
            front_matter_json: serde_json::to_string(&c.entries).expect("entries always serialize"),
            id: c.id,
            title: c.title,
        }),
        name_key: Some(name_key(&document.source_path)),
        id: document.id,
        source_path: document.source_path,
        title: document.title,
        description: document.description,
        author: document.author,
        created_at: document.created_at,
        updated_at: document.updated_at,
        version: document.version,
        draft: document.draft,
        tags,
        edges,
        link_names: rendered.link_names,
        body: document.body,
        html: rendered.html,
        plain_text: rendered.plain,
        headings: rendered.headings,
        content_hash,
        render_version: RENDER_VERSION,
    };
    Ok(BuiltRecord {
        record,
        ambiguous,
        missing_files,
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

/// The references of `notes` that name no note but a file name several notes share (`shared`,
/// the ids of each such name; `paths`, every note's path by id): one problem per note and
/// name, listing the notes it could mean.
fn ambiguous(
    notes: &[NoteRecord],
    paths: &HashMap<String, String>,
    shared: &HashMap<String, Vec<String>>,
    resolver: &Resolver,
) -> Vec<Problem> {
    let mut found = Vec::new();
    for note in notes {
        let names: BTreeSet<&str> = note
            .edges
            .iter()
            .map(|e| e.target_id.as_str())
            .filter(|target| !resolver.exists(target) && shared.contains_key(*target))
            .collect();
        for name in names {
            let candidates: Vec<String> = shared[name]
                .iter()
                .map(|id| format!("`{id}` ({})", paths[id]))
                .collect();
            found.push(Problem::in_file(
                &note.source_path,
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

/// An attachment read: its hash and media type, or why it cannot be imported.
fn read_attachment(file: Result<SourceFile, Problem>) -> Result<AttachmentRecord, Problem> {
    let file = file?;
    let Some(content_type) = media_type(&file.path) else {
        return Err(Problem::in_file(&file.path, NOT_IMPORTED));
    };
    if file.bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(too_large(&file.path));
    }
    Ok(AttachmentRecord {
        hash: hash(&file.bytes),
        content_type: content_type.to_owned(),
        path: file.path,
        bytes: file.bytes,
    })
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

    /// [`plan`] of plain Markdown `files` beside `known`, on two threads.
    fn plan_of(
        files: Vec<SourceFile>,
        known: &[KnownDocument],
        skip_invalid: bool,
    ) -> Result<ImportPlan, Vec<Problem>> {
        plan(
            files,
            Vec::new(),
            FlavorChoice::Given(Flavor::Markdown),
            known,
            &[],
            Vec::new(),
            skip_invalid,
            2,
            &ProgressBar::hidden(),
        )
    }

    /// The notes of `plan` rendered in batches of at most `size`, and its finished report.
    fn render_in_batches(
        mut plan: ImportPlan,
        size: usize,
    ) -> (Vec<NoteRecord>, Result<ImportReport, Vec<Problem>>) {
        let resolver = plan.resolver.clone();
        let mut notes = Vec::new();
        for batch in plan.batches(size) {
            let rendered = render_batch(batch, &resolver, 2, &ProgressBar::hidden());
            notes.extend(plan.take(rendered));
        }
        (notes, plan.finish())
    }

    /// The notes of `plan` rendered, and its report, when the renderer refuses none.
    fn rendered(plan: ImportPlan) -> (Vec<NoteRecord>, ImportReport) {
        let (notes, report) = render_in_batches(plan, usize::MAX);
        (notes, report.expect("no note is refused"))
    }

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.to_owned(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn batches_start_small_and_double_up_to_the_size_given_keeping_the_notes_in_order() {
        let files: Vec<SourceFile> = (0..3_000)
            .map(|n| file(&format!("notes/{n:04}.md"), &format!("# Note {n}\n")))
            .collect();
        let ids_in = |batches: &[Vec<PendingNote>]| -> Vec<String> {
            batches
                .iter()
                .flatten()
                .map(|note| note.id().to_owned())
                .collect()
        };
        let every: Vec<String> = plan_of(files.clone(), &[], false)
            .unwrap()
            .created()
            .map(|(id, _)| id.to_owned())
            .collect();
        assert_eq!(every.len(), 3_000);
        for (size, expected) in [
            (usize::MAX, vec![400, 800, 1_600, 200]),
            (1_000, vec![400, 800, 1_000, 800]),
            (100, vec![100; 30]),
        ] {
            let batches = plan_of(files.clone(), &[], false).unwrap().batches(size);
            let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
            assert_eq!(sizes, expected, "batches of at most {size}");
            assert_eq!(ids_in(&batches), every);
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
    fn wikilinks_find_notes_by_file_name_in_any_case_or_by_the_end_of_their_path() {
        let resolver = Resolver::new([
            ("lb", "system design/Load Balancer.md"),
            ("http", "networking/HTTP.md"),
            ("linux-top", "linux/top.md"),
            ("osx-top", "osx/top.md"),
            ("top-level", "notes.md"),
            ("deep", "a/b/notes.md"),
            ("ueber", "Über.md"),
        ]);
        let wiki = |name: &str| resolver.link("x/from.md", Reference::Wiki(name));
        assert_eq!(wiki("load balancer").id, "lb");
        assert_eq!(wiki("Load Balancer.md").id, "lb");
        assert_eq!(wiki("NETWORKING/http").id, "http");
        assert_eq!(wiki("linux/top").id, "linux-top");
        assert_eq!(wiki("über").id, "ueber", "case folds beyond ASCII");
        // A name two notes share names neither, and says which they are.
        let top = wiki("top");
        assert!(!top.exists);
        assert_eq!(
            top.candidates,
            [
                ("linux-top".to_owned(), "linux/top.md".to_owned()),
                ("osx-top".to_owned(), "osx/top.md".to_owned())
            ]
        );
        // A note at exactly the path written is that note, not a guess.
        assert_eq!(wiki("notes").id, "top-level");
        assert_eq!(wiki("b/notes").id, "deep");
        // No file of that name: an id, else a wanted page of its slug.
        assert_eq!(wiki("http").id, "http");
        assert_eq!(wiki("Nowhere Yet").id, "nowhere-yet");
        assert!(!wiki("Nowhere Yet").exists);
    }

    #[test]
    fn vault_aliases_are_names_for_wikilinks_and_redirects_unless_two_notes_claim_one() {
        let files = vec![
            file(
                "home.md",
                "---\naliases: [Start, Index page]\n---\n# Home\n",
            ),
            file(
                "a.md",
                "---\naliases: Shared\n---\n[[start]] and [[INDEX PAGE]]\n",
            ),
            file("b.md", "---\naliases: [shared]\n---\n# B\n"),
        ];
        let plan = plan(
            files.clone(),
            Vec::new(),
            FlavorChoice::Given(Flavor::Obsidian),
            &[],
            &[],
            Vec::new(),
            false,
            2,
            &ProgressBar::hidden(),
        )
        .unwrap();
        let alias_redirects = plan.alias_redirects.clone();
        let (notes, report) = rendered(plan);
        let a = notes.iter().find(|n| n.id == "a").unwrap();
        assert_eq!(
            a.html.matches(r#"href="/notes/home""#).count(),
            2,
            "{}",
            a.html
        );
        assert_eq!(
            alias_redirects,
            [
                ("index-page".to_owned(), "home".to_owned()),
                ("start".to_owned(), "home".to_owned())
            ]
        );
        assert_eq!(report.ambiguous.len(), 1);
        assert!(
            report.ambiguous[0]
                .message
                .starts_with("the alias `shared` is written by 2 notes"),
            "{}",
            report.ambiguous[0].message
        );
        // Plain Markdown's `aliases` are someone else's (Hugo's old addresses, say).
        let plain = plan_of(files, &[], false).unwrap();
        assert!(plain.alias_redirects.is_empty());
    }

    #[test]
    fn a_resolver_over_the_notes_a_wikilink_looks_up_answers_as_the_whole_base_does() {
        let base = [
            ("lb", "system design/Load Balancer.md"),
            ("linux-top", "linux/top.md"),
            ("osx-top", "osx/top.md"),
            ("other", "other.md"),
        ];
        let whole = Resolver::new(base).with_redirects([("old-name".into(), "other".into())]);
        for name in [
            "load balancer",
            "top",
            "linux/top",
            "other",
            "missing",
            "sub/Old Name",
        ] {
            let lookups = Resolver::lookups("a.md", &Destination::Wiki(name.into()));
            let redirects: Vec<(String, String)> = [("old-name", "other")]
                .into_iter()
                .filter(|(old, _)| lookups.ids.iter().any(|id| id == old))
                .map(|(o, n)| (o.to_owned(), n.to_owned()))
                .collect();
            let targets: Vec<&str> = redirects.iter().map(|(_, n)| n.as_str()).collect();
            let part = Resolver::new(base.into_iter().filter(|(id, path)| {
                lookups.ids.iter().any(|i| i == id)
                    || targets.contains(id)
                    || lookups.names.contains(&name_key(path))
            }))
            .with_redirects(redirects);
            assert_eq!(
                part.link("a.md", Reference::Wiki(name)),
                whole.link("a.md", Reference::Wiki(name)),
                "{name}"
            );
        }
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
        let problems = plan_of(files, &[], false).unwrap_err();
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
        let (_, report) = rendered(plan_of(files, &[], true).unwrap());
        assert_eq!(report.created, ["good"]);
        assert_eq!(report.skipped[0].file, "bad.md");
    }

    #[test]
    fn notes_rendered_in_batches_are_reported_as_rendered_at_once() {
        // Two notes of one name (ambiguous links to it), links to missing notes, and two
        // bodies nested too deep, spread over batches of one note.
        let too_deep = format!("{}x\n", "> ".repeat(super::super::render::MAX_NESTING + 1));
        let files = vec![
            file("a/top.md", "# Top\n"),
            file("b/top.md", "# Other top\n"),
            file("links.md", "[t](top) and [w](wanted-one)\n"),
            file("deep-1.md", &too_deep),
            file("more.md", "[w](wanted-two) [t](top)\n"),
            file("deep-2.md", &too_deep),
        ];
        let files_of = |problems: &[Problem]| -> Vec<String> {
            problems.iter().map(|p| p.file.clone()).collect()
        };
        // Every refused note is named, whichever batch it was in.
        for size in [1, 100] {
            let refused = render_in_batches(plan_of(files.clone(), &[], true).unwrap(), size)
                .1
                .unwrap_err();
            assert_eq!(files_of(&refused), ["deep-1.md", "deep-2.md"]);
        }
        // Without them (as an import that skips them is made again), the rest.
        let rest: Vec<SourceFile> = files
            .into_iter()
            .filter(|f| !f.path.starts_with("deep"))
            .collect();
        let whole = render_in_batches(plan_of(rest.clone(), &[], true).unwrap(), 100);
        let batched = render_in_batches(plan_of(rest, &[], true).unwrap(), 1);
        let ids =
            |notes: &[NoteRecord]| -> Vec<String> { notes.iter().map(|n| n.id.clone()).collect() };
        assert_eq!(ids(&batched.0), ids(&whole.0));
        let (batched, whole) = (batched.1.unwrap(), whole.1.unwrap());
        assert_eq!(batched.wanted, ["top", "wanted-one", "wanted-two"]);
        assert_eq!(batched.ambiguous.len(), 2, "{:?}", batched.ambiguous);
        assert_eq!(files_of(&batched.ambiguous), files_of(&whole.ambiguous));
        assert_eq!(batched.created, whole.created);
    }

    #[test]
    fn a_duplicate_id_names_the_file_that_has_it() {
        let files = vec![
            file("a/x.md", "---\nid: same\n---\n"),
            file("b/y.md", "---\nid: same\n---\n"),
        ];
        let problems = plan_of(files, &[], false).unwrap_err();
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
            layout_json: String::new(),
        }];
        let (notes, report) =
            rendered(plan_of(vec![file("same.md", text)], &known, false).unwrap());
        assert!(notes.is_empty());
        assert_eq!(report.unchanged, ["same"]);
    }

    #[test]
    fn an_oversized_file_is_refused() {
        let big = "a".repeat(MAX_FILE_BYTES + 1);
        let problems = plan_of(vec![file("big.md", &big)], &[], false).unwrap_err();
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
            let Lookups { ids, paths, .. } =
                Resolver::lookups(from, &Destination::Path(reference.into()));
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
                    part.link(from, Reference::Path(reference)).exists
                ),
                (
                    whole.resolve(from, reference),
                    whole.link(from, Reference::Path(reference)).exists
                ),
                "{reference} from {from}"
            );
        }
    }
}
