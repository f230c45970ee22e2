//! Changing notes: create, save (with rename), trash and restore, restoring an old revision;
//! reading the history and its diffs; the editor's preview.
//!
//! Every write is one workflow: check the draft against the note it changes, write it into the
//! note's file ([`crate::documents::edit`]), read that back with the import parser, render it
//! and the notes whose links it changes on the CPU pool, then write it all in one transaction.
//! What the database decides (a note still at the revision the writer saw, an id or a path
//! free) comes back as a typed answer and becomes the conflict the writer sees; nothing is
//! decided by reading first and writing after.

use super::Service;
use super::reading::layout_of;
use crate::documents::edit::{
    Attribution, apply, compose, draft_of, new_layout, today, unchanged, validate,
};
use crate::documents::export::to_markdown;
use crate::documents::import::{Lookups, Resolver, build_record, flavor_of, hash, rerender};
use crate::documents::parse::{ParsedDocument, parse_document, slugify};
use crate::documents::paths::{Clashes, unportable};
use crate::documents::render::{Destination, link_destinations, render};
use crate::error::ApiError;
use crate::store::{
    Held, KnownDocument, NewRevision, NoteRecord, Rerendered, StoreError, StoredBody, StoredNote,
    Taken, now,
};
use app::contract::{
    Change, CreateNote, DeletedNote, Diff, DiffLine, EditableNote, Flavor, NoteDraft, Preview,
    Problem, Reference, Related, RestoreRevision, Revision, RevisionSummary, Saved, UpdateNote,
};
use std::collections::BTreeSet;

/// How long a diff may look for the smallest set of changes before it settles for a larger
/// one. Finding the smallest is quadratic in the worst case (two unrelated 60,000-line files
/// took 19 s); past the deadline the diff is still correct, only less tidy.
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_millis(500);

/// The most lines a diff shows. Two unrelated files of a megabyte make a diff as long as both;
/// past this, the rest is left out and the diff says so.
pub const MAX_DIFF_LINES: usize = 5_000;

/// What a write presumes about the note it writes.
#[derive(Debug, Clone, Copy)]
enum Write<'a> {
    /// A new note: its id and path must be free.
    Create,
    /// A change to note `previous_id`, made on `base_revision` (a rename when the new id
    /// differs).
    Update {
        previous_id: &'a str,
        base_revision: i64,
    },
    /// A note coming back from the trash.
    Undelete,
}

impl Service {
    /// The note `id` (following a rename) as the editor opens it.
    pub async fn editable(&self, id: &str) -> Result<EditableNote, ApiError> {
        let stored = self
            .stored_following_renames(id)
            .await?
            .ok_or_else(|| ApiError::DocumentNotFound(id.to_owned()))?;
        let document = parsed(&stored)?;
        let references: Vec<&str> = document
            .relationships
            .iter()
            .map(|(_, written)| written.as_str())
            .collect();
        let front_matter = NoteToResolve {
            path: &document.source_path,
            body: "",
            flavor: document.layout.flavor,
            references: &references,
        };
        let resolver = self.resolver_for(&[front_matter], None).await?;
        let resolved: Vec<(String, String)> = document
            .relationships
            .iter()
            .map(|(_, written)| {
                (
                    written.clone(),
                    resolver.resolve(&document.source_path, written),
                )
            })
            .collect();
        let ids: Vec<String> = resolved.iter().map(|(_, id)| id.clone()).collect();
        let titles = self.store().titles(&ids).await?;
        Ok(EditableNote {
            draft: draft_of(&document),
            revision: stored.revision as u64,
            references: resolved
                .into_iter()
                .map(|(written, id)| Reference {
                    note: Related {
                        title: titles.get(&id).cloned().unwrap_or_else(|| written.clone()),
                        exists: titles.contains_key(&id),
                        id,
                    },
                    written,
                })
                .collect(),
        })
    }

    /// Creates a note as revision 1.
    pub async fn create(&self, request: &CreateNote) -> Result<Saved, ApiError> {
        let draft = &request.draft;
        let who = check(Some(draft), None, self.actor().author(), &request.summary)?;
        let id = draft.id.trim();
        let path = free_path(&self.store().known_documents().await?, id);
        let layout = new_layout(draft, &who.author, &today());
        let (source, document) =
            compose(&path, &layout, &draft.body).map_err(ApiError::InvalidNote)?;
        let summary = who.summary_or("Created");
        self.write(document, &source, Write::Create, &who.author, &summary)
            .await
    }

    /// Saves a change to note `id` made on `request.base_revision`.
    pub async fn update(&self, id: &str, request: &UpdateNote) -> Result<Saved, ApiError> {
        // Who and why first: nothing else needs the database.
        check(None, None, self.actor().author(), &request.summary)?;
        // Renamed while this writer was editing: the rename moved it past their revision, so
        // they get the conflict with its new version rather than a 404.
        let stored = self
            .stored_following_renames(id)
            .await?
            .ok_or_else(|| ApiError::DocumentNotFound(id.to_owned()))?;
        let id = stored.source.id.as_str();
        let base_revision = request.base_revision as i64;
        if stored.revision != base_revision {
            return Err(self.stale(id).await);
        }
        let current = parsed(&stored)?;
        let before = draft_of(&current);
        let draft = &request.draft;
        let who = check(
            Some(draft),
            Some(&before),
            self.actor().author(),
            &request.summary,
        )?;
        if unchanged(draft, &before) {
            // Nothing changed: no empty revision.
            return Ok(Saved {
                id: id.to_owned(),
                revision: request.base_revision,
            });
        }
        let layout = apply(draft, &current, &today());
        let (source, mut document) =
            compose(&current.source_path, &layout, &draft.body).map_err(ApiError::InvalidNote)?;
        keep_id(&mut document, id);
        let summary = who.summary_or("Edited");
        let write = Write::Update {
            previous_id: id,
            base_revision,
        };
        self.write(document, &source, write, &who.author, &summary)
            .await
    }

    /// Makes revision `number` of `id` current again, as a new revision.
    pub async fn restore_revision(
        &self,
        id: &str,
        number: u64,
        request: &RestoreRevision,
    ) -> Result<Saved, ApiError> {
        let who = check(None, None, self.actor().author(), "")?;
        let revision = self
            .store()
            .revision_of(id, number)
            .await?
            .filter(|_| number > 0)
            .ok_or_else(|| ApiError::NotFound(format!("`{id}` has no revision {number}.")))?;
        let stored = self
            .store()
            .stored_note(id)
            .await?
            .ok_or_else(|| ApiError::DocumentNotFound(id.to_owned()))?;
        // The file stays where the note is now, even if it was elsewhere back then.
        let path = &stored.source.source_path;
        let mut old = parse_document(path, &revision.source).map_err(|_| {
            StoreError::Corrupt(format!("revision {number} of `{id}` no longer parses"))
        })?;
        old.layout.flavor = flavor_of(&stored.source.layout_json);
        keep_id(&mut old, id);
        // Restoring content never renames: a revision from before a rename gets today's id.
        let (source, document) = if old.id == id {
            (revision.source, old)
        } else {
            let mut draft = draft_of(&old);
            draft.id = id.to_owned();
            let layout = apply(&draft, &old, &today());
            compose(path, &layout, &draft.body).map_err(ApiError::InvalidNote)?
        };
        let write = Write::Update {
            previous_id: id,
            base_revision: request.base_revision as i64,
        };
        let summary = format!("Restored revision {number}");
        self.write(document, &source, write, &who.author, &summary)
            .await
    }

    /// Moves a note to the trash; the notes linking to it show it as a wanted page until it is
    /// restored.
    pub async fn delete(&self, id: &str) -> Result<DeletedNote, ApiError> {
        let who = check(None, None, self.actor().author(), "")?;
        let paths: Vec<String> = self
            .store()
            .locate(&[id.to_owned()], &[], &[])
            .await?
            .into_iter()
            .map(|(_, path)| path)
            .collect();
        let mut linking = self.notes_affected(&[id.to_owned()], &paths, &[]).await?;
        linking.retain(|b| b.id != id);
        let bodies: Vec<NoteToResolve> = linking.iter().map(NoteToResolve::stored).collect();
        let resolver = self.resolver_for(&bodies, Some(id)).await?;
        let rerendered = self.cpu(move || rerender(&linking, &resolver)).await?;
        let mut tx = self.store().begin().await?;
        let deleted = tx
            .trash_note(id, &who.author, &now())
            .await?
            .ok_or_else(|| ApiError::DocumentNotFound(id.to_owned()))?;
        tx.store_html(&rerendered).await?;
        tx.commit().await?;
        self.changed();
        Ok(deleted)
    }

    /// Notes in the trash.
    pub async fn trash(&self) -> Result<Vec<DeletedNote>, ApiError> {
        Ok(self.store().trash().await?)
    }

    /// Brings a note back from the trash as it was when deleted.
    pub async fn undelete(&self, id: &str) -> Result<Saved, ApiError> {
        let who = check(None, None, self.actor().author(), "")?;
        let trashed = self
            .store()
            .trashed(id)
            .await?
            .ok_or_else(|| ApiError::DocumentNotFound(id.to_owned()))?;
        let revision = self
            .store()
            .revision_of(id, 0)
            .await?
            .ok_or_else(|| ApiError::DocumentNotFound(id.to_owned()))?;
        // Another note may have been written at its path meanwhile (or beside it, in another
        // case, or as a folder of that name): then it comes back beside it.
        let known = self.store().known_documents().await?;
        let mut clashes = Clashes::default();
        for k in known.iter().filter(|k| k.id != id) {
            clashes.add(&k.source_path);
        }
        let mut path = trashed.source_path;
        if clashes.add(&path).is_some() {
            path = free_path(&known, id);
        }
        let mut document = parse_document(&path, &revision.source).map_err(|_| {
            StoreError::Corrupt(format!("the last revision of `{id}` no longer parses"))
        })?;
        document.layout.flavor = flavor_of(&trashed.layout);
        keep_id(&mut document, id);
        let summary = "Restored from the trash";
        self.write(
            document,
            &revision.source,
            Write::Undelete,
            &who.author,
            summary,
        )
        .await
    }

    /// A note's history, newest first; 404 for an id that never had a revision.
    pub async fn revisions(&self, id: &str) -> Result<Vec<RevisionSummary>, ApiError> {
        let revisions = self.store().revisions(id).await?;
        if revisions.is_empty() {
            return Err(ApiError::DocumentNotFound(id.to_owned()));
        }
        Ok(revisions)
    }

    /// One revision in full.
    pub async fn revision(&self, id: &str, number: u64) -> Result<Revision, ApiError> {
        let revision = match number {
            0 => None,
            n => self.store().revision_of(id, n).await?,
        };
        let revision = revision
            .ok_or_else(|| ApiError::NotFound(format!("`{id}` has no revision {number}.")))?;
        Ok(Revision {
            summary: RevisionSummary {
                number: revision.number as u64,
                author: revision.author,
                created_at: revision.created_at,
                summary: revision.summary,
            },
            source: revision.source,
        })
    }

    /// The changes between two revisions; revision 0 is the empty file before the first.
    pub async fn diff(&self, id: &str, from: u64, to: u64) -> Result<Diff, ApiError> {
        let mut sources = Vec::with_capacity(2);
        for number in [from, to] {
            if number == 0 && to > 0 {
                sources.push(String::new());
            } else {
                sources.push(self.revision(id, number).await?.source);
            }
        }
        let new = sources.pop().unwrap_or_default();
        let old = sources.pop().unwrap_or_default();
        let (hunks, truncated) = self.cpu(move || line_diff(&old, &new)).await?;
        Ok(Diff {
            from,
            to,
            hunks,
            truncated,
        })
    }

    /// `body` rendered exactly as a saved note would be, links resolved against the notes that
    /// exist now.
    pub async fn preview(&self, body: String, flavor: Flavor) -> Result<Preview, ApiError> {
        let note = NoteToResolve {
            path: "",
            body: &body,
            flavor,
            references: &[],
        };
        let resolver = self.resolver_for(&[note], None).await?;
        let rendered = self
            .cpu(move || {
                render(&body, flavor, &|reference| {
                    Some(resolver.link("", reference))
                })
            })
            .await?
            .map_err(|error| {
                ApiError::InvalidNote(vec![Problem::in_field(
                    "body",
                    format!("Line {}: {error}", error.line()),
                )])
            })?;
        Ok(Preview {
            html: rendered.html,
            headings: rendered.headings,
        })
    }

    /// The note once called `id`: itself, or the note a rename moved it to.
    async fn stored_following_renames(&self, id: &str) -> Result<Option<StoredNote>, StoreError> {
        if let Some(stored) = self.store().stored_note(id).await? {
            return Ok(Some(stored));
        }
        match self.redirect(id).await? {
            Some(new) => self.store().stored_note(&new).await,
            None => Ok(None),
        }
    }

    /// A resolver that knows exactly the notes that `notes` (each a path, a body and the
    /// references its front matter makes) may point to, read from the store by id and path:
    /// resolving one note's links costs what the note holds, not what the base holds.
    /// `leaving` is a note about to go, resolved as absent.
    async fn resolver_for(
        &self,
        notes: &[NoteToResolve<'_>],
        leaving: Option<&str>,
    ) -> Result<Resolver, ApiError> {
        let owned: Vec<(String, String, Flavor, Vec<Destination>)> = notes
            .iter()
            .map(|note| {
                (
                    note.path.to_owned(),
                    note.body.to_owned(),
                    note.flavor,
                    note.references
                        .iter()
                        .map(|r| Destination::Path(r.to_string()))
                        .collect(),
                )
            })
            .collect();
        // Finding a body's links parses it: CPU work, like rendering.
        let (ids, paths, names) = self
            .cpu(move || {
                let mut ids = BTreeSet::new();
                let mut paths = BTreeSet::new();
                let mut names = BTreeSet::new();
                for (path, body, flavor, references) in &owned {
                    for reference in link_destinations(body, *flavor).iter().chain(references) {
                        let Lookups {
                            ids: more_ids,
                            paths: more_paths,
                            names: more_names,
                        } = Resolver::lookups(path, reference);
                        ids.extend(more_ids);
                        paths.extend(more_paths);
                        names.extend(more_names);
                    }
                }
                (ids, paths, names)
            })
            .await?;
        let mut ids: Vec<String> = ids.into_iter().collect();
        let paths: Vec<String> = paths.into_iter().collect();
        let names: Vec<String> = names.into_iter().collect();
        let redirects = self.store().redirects_of(&ids).await?;
        ids.extend(redirects.iter().map(|(_, new)| new.clone()));
        let located = self.store().locate(&ids, &paths, &names).await?;
        // A path and a hash per file: small beside the notes, and what finding a file by its
        // name anywhere in the tree needs.
        let files = self.store().attachment_index().await?;
        Ok(Resolver::new(
            located
                .iter()
                .filter(|(id, _)| Some(id.as_str()) != leaving)
                .map(|(id, path)| (id.as_str(), path.as_str())),
        )
        .with_redirects(redirects)
        .with_files(
            files
                .iter()
                .map(|(path, hash)| (path.as_str(), hash.as_str())),
        ))
    }

    /// Renders `document` and the notes whose links it changes, and writes it as `write`
    /// presumes, as one new revision.
    async fn write(
        &self,
        document: ParsedDocument,
        source: &str,
        write: Write<'_>,
        author: &str,
        summary: &str,
    ) -> Result<Saved, ApiError> {
        let id = document.id.clone();
        // A note whose id is new to the base (created, renamed, restored) turns the wanted
        // pages of the notes linking to that id into links; a plain edit changes no one else.
        let arrives = match write {
            Write::Update { previous_id, .. } => previous_id != id,
            Write::Create | Write::Undelete => true,
        };
        let mut linking = if arrives {
            self.notes_affected(
                std::slice::from_ref(&id),
                std::slice::from_ref(&document.source_path),
                &[],
            )
            .await?
        } else {
            Vec::new()
        };
        linking.retain(|b| b.id != id);
        let references: Vec<&str> = document
            .relationships
            .iter()
            .map(|(_, r)| r.as_str())
            .collect();
        let mut bodies = vec![NoteToResolve {
            path: &document.source_path,
            body: &document.body,
            flavor: document.layout.flavor,
            references: &references,
        }];
        bodies.extend(linking.iter().map(NoteToResolve::stored));
        let leaving = match write {
            Write::Update { previous_id, .. } if previous_id != id => Some(previous_id),
            _ => None,
        };
        let mut resolver = self.resolver_for(&bodies, leaving).await?;
        resolver.insert(&document.id, &document.source_path);
        let aliases = alias_redirects(&document);
        if !aliases.is_empty() {
            resolver.insert_aliases(&document.id, &document.source_path, &document.aliases);
        }
        let content_hash = hash(source.as_bytes());
        let (record, rerendered) = self
            .cpu(move || {
                let rerendered = rerender(&linking, &resolver);
                let built = build_record(document, content_hash, &resolver);
                (built.map(|built| built.record), rerendered)
            })
            .await?;
        // The body is the only part of a note that may fail to render.
        let record = record.map_err(|problem| {
            ApiError::InvalidNote(vec![Problem::in_field(
                "body",
                format!("Line {}: {}", problem.line, problem.message),
            )])
        })?;
        let revision = self
            .store_write(
                &record,
                &aliases,
                write,
                &rerendered,
                source,
                author,
                summary,
            )
            .await?;
        self.changed();
        Ok(Saved {
            id,
            revision: revision as u64,
        })
    }

    /// The transaction of one write; the database's answers become the writer's conflicts.
    #[allow(clippy::too_many_arguments)] // one write's parts, each from a different step
    async fn store_write(
        &self,
        record: &NoteRecord,
        aliases: &[(String, String)],
        write: Write<'_>,
        rerendered: &[Rerendered],
        source: &str,
        author: &str,
        summary: &str,
    ) -> Result<i64, ApiError> {
        let mut tx = self.store().begin().await?;
        let written = match write {
            Write::Create => tx.insert_note(record, false).await?,
            Write::Undelete => {
                if !tx.untrash(&record.id).await? {
                    return Err(ApiError::DocumentNotFound(record.id.clone()));
                }
                tx.insert_note(record, true).await?
            }
            Write::Update {
                previous_id,
                base_revision,
            } => {
                match tx.hold(previous_id, base_revision).await? {
                    Held::Yes => {}
                    Held::Missing => return Err(ApiError::DocumentNotFound(previous_id.into())),
                    Held::Stale => {
                        drop(tx);
                        // Someone else's write this replica may not have seen.
                        self.changed();
                        return Err(self.stale(previous_id).await);
                    }
                }
                match previous_id == record.id {
                    true => tx.update_note(record).await?,
                    false => match tx.rename(previous_id, &record.id).await? {
                        Ok(()) => tx.update_note(record).await?,
                        Err(taken) => Err(taken),
                    },
                }
            }
        };
        if let Err(taken) = written {
            return Err(refused(taken, record));
        }
        let numbers = tx
            .add_revisions(&[NewRevision {
                id: record.id.clone(),
                source: source.to_owned(),
                source_path: record.source_path.clone(),
                author: author.to_owned(),
                summary: summary.to_owned(),
            }])
            .await?;
        tx.add_redirects(aliases).await?;
        tx.store_html(rerendered).await?;
        tx.commit().await?;
        Ok(numbers.first().copied().unwrap_or_default())
    }

    /// The 409 for a save based on an old revision, carrying the note as it is now.
    async fn stale(&self, id: &str) -> ApiError {
        match self.editable(id).await {
            Ok(current) => {
                let message = format!(
                    "This note was changed by someone else since you opened it (it is now at revision {}); nothing was saved.",
                    current.revision
                );
                ApiError::Conflict {
                    message,
                    current: Some(Box::new(current)),
                    problems: Vec::new(),
                }
            }
            Err(error) => error,
        }
    }
}

/// The conflict a writer sees when the database refused `record`.
fn refused(taken: Taken, record: &NoteRecord) -> ApiError {
    let id = &record.id;
    let on_id = |message: String| ApiError::Conflict {
        problems: vec![Problem::in_field("id", message.clone())],
        message,
        current: None,
    };
    match taken {
        Taken::Id => on_id(format!(
            "Another note already has the id `{id}`; choose another."
        )),
        Taken::Trash => on_id(format!(
            "A deleted note has the id `{id}`: restore it from the trash, or choose another id."
        )),
        Taken::History => on_id(format!(
            "The id `{id}` belonged to a note whose history Lore keeps; choose another."
        )),
        Taken::Path => ApiError::Conflict {
            message: format!(
                "Another note is stored at `{}`, where this note's file would go; rename or move that one first.",
                record.source_path
            ),
            current: None,
            problems: Vec::new(),
        },
    }
}

/// Checks who saves, and `draft` (when there is one) against the note it changes (`before`, or
/// `None` for a new note): every problem at once, or who and why.
fn check(
    draft: Option<&NoteDraft>,
    before: Option<&NoteDraft>,
    author: &str,
    summary: &str,
) -> Result<Attribution, ApiError> {
    let mut problems = draft.map(|d| validate(d, before)).unwrap_or_default();
    let who = Attribution::new(author, summary, &mut problems);
    if problems.is_empty() {
        Ok(who)
    } else {
        Err(ApiError::InvalidNote(problems))
    }
}

/// A stored note read back by the import parser.
fn parsed(stored: &StoredNote) -> Result<ParsedDocument, ApiError> {
    let layout = layout_of(&stored.source)?;
    let source = to_markdown(&layout, &stored.source.body);
    let mut document = parse_document(&stored.source.source_path, &source).map_err(|_| {
        ApiError::Store(StoreError::Corrupt(format!(
            "the stored note `{}` no longer parses",
            stored.source.id
        )))
    })?;
    // The dialect is not in the file: it is the note's, kept with its layout.
    document.layout.flavor = layout.flavor;
    keep_id(&mut document, &stored.source.id);
    Ok(document)
}

/// Gives a stored note read back from its file the id it has, when the file does not write
/// one: the file name alone may not be it (an import qualifies a name that several files share
/// by its folders, `osx/top.md` is `osx-top`), and a note keeps its id until it is renamed.
fn keep_id(document: &mut ParsedDocument, id: &str) {
    if !document.id_written {
        document.id = id.to_owned();
    }
}

/// The redirects a vault note's aliases ask for, as `(slug of the alias, id)`: `/notes/start`
/// reaches the note that calls itself "Start". Plain notes' `aliases` mean other things.
fn alias_redirects(document: &ParsedDocument) -> Vec<(String, String)> {
    if document.layout.flavor != Flavor::Obsidian {
        return Vec::new();
    }
    document
        .aliases
        .iter()
        .map(|alias| slugify(alias))
        .filter(|slug| !slug.is_empty() && *slug != document.id)
        .map(|slug| (slug, document.id.clone()))
        .collect()
}

/// A note whose references a resolver must know: where it is, its body and the dialect it is
/// written in, and the references its front matter makes.
struct NoteToResolve<'a> {
    path: &'a str,
    body: &'a str,
    flavor: Flavor,
    references: &'a [&'a str],
}

impl<'a> NoteToResolve<'a> {
    /// A stored note that links to one being written (its front matter is not resolved again).
    fn stored(body: &'a StoredBody) -> Self {
        Self {
            path: &body.source_path,
            body: &body.body,
            flavor: flavor_of(&body.layout_json),
            references: &[],
        }
    }
}

/// A path for a new note `id`: `{id}.md`, or with a number when another note's file has it
/// (or one that would clash with it when exported: the same name in another case, a folder).
fn free_path(known: &[KnownDocument], id: &str) -> String {
    let mut clashes = Clashes::default();
    for k in known {
        clashes.add(&k.source_path);
    }
    let mut path = format!("{id}.md");
    let mut n = 2;
    // `con.md` is a device on Windows: an id may be one, a file name may not.
    while unportable(&path).is_some() || clashes.add(&path).is_some() {
        path = format!("{id}-{n}.md");
        n += 1;
    }
    path
}

/// The changed regions between two files, with three lines of context each, and whether some
/// were left out (see [`MAX_DIFF_LINES`]).
fn line_diff(old: &str, new: &str) -> (Vec<Vec<DiffLine>>, bool) {
    let diff = similar::TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_lines(old, new);
    let mut shown = 0;
    let mut hunks = Vec::new();
    for group in diff.grouped_ops(3) {
        let mut hunk = Vec::new();
        for change in group.iter().flat_map(|op| diff.iter_changes(op)) {
            if shown == MAX_DIFF_LINES {
                hunks.push(hunk);
                return (hunks, true);
            }
            shown += 1;
            hunk.push(DiffLine {
                change: match change.tag() {
                    similar::ChangeTag::Equal => Change::Same,
                    similar::ChangeTag::Delete => Change::Removed,
                    similar::ChangeTag::Insert => Change::Added,
                },
                text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
            });
        }
        hunks.push(hunk);
    }
    (hunks, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_shows_changed_lines_with_their_context() {
        let (hunks, truncated) = line_diff("a\nb\nc\n", "a\nB\nc\n");
        assert!(!truncated);
        let lines: Vec<_> = hunks[0]
            .iter()
            .map(|l| (l.change, l.text.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (Change::Same, "a"),
                (Change::Removed, "b"),
                (Change::Added, "B"),
                (Change::Same, "c")
            ]
        );
        assert!(line_diff("same\n", "same\n").0.is_empty());
    }

    #[test]
    fn a_diff_of_two_long_unrelated_files_is_cut_short_and_says_so() {
        let old: String = (0..60_000).map(|i| format!("old line {i}\n")).collect();
        let new: String = (0..60_000)
            .map(|i| format!("new line {}\n", i * 7))
            .collect();
        let (hunks, truncated) = line_diff(&old, &new);
        assert!(truncated);
        assert_eq!(hunks.iter().map(Vec::len).sum::<usize>(), MAX_DIFF_LINES);
    }

    #[test]
    fn a_new_note_never_gets_a_device_name_or_a_clashing_path() {
        let known = |path: &str| KnownDocument {
            id: "other".into(),
            source_path: path.into(),
            content_hash: String::new(),
            layout_json: String::new(),
        };
        assert_eq!(free_path(&[], "con"), "con-2.md");
        assert_eq!(free_path(&[known("Notes.md")], "notes"), "notes-2.md");
        assert_eq!(free_path(&[known("a.md/b.md")], "a"), "a-2.md");
        assert_eq!(free_path(&[known("x.md")], "y"), "y.md");
    }
}
