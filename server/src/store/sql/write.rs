//! Writes, in one transaction, for both engines.
//!
//! Each decision is the database's, made in the statement that writes or locks: a note is held
//! by `SELECT ... WHERE id = ? AND revision = ? FOR UPDATE` (on PostgreSQL the row stays locked
//! until the transaction ends, so a second writer on the note waits, then reads it again and
//! finds the revision moved; on SQLite the transaction holds the one write lock from its
//! start); an id or a path is claimed by a unique key, and the conditions on the trash and kept
//! history are part of the claiming statement. Only after the database has refused does a read say why, for the writer. The
//! knowledge base's revision is bumped last, just before the commit, so on PostgreSQL writers
//! to different notes do not queue on it for the length of their work.

use super::super::{
    AttachmentRecord, CollectionRecord, DeletedNote, Dump, Held, NewRevision, NoteRecord,
    Rerendered, StoreError, Taken, Transaction, now,
};
use super::{Dialect, Value};
use super::{Sql, column_count};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The columns an imported note is written with, in the order its values are bound.
const DOCUMENT_COLUMNS: &str = "id, source_path, title, description, author, created_at, \
    updated_at, version, sort_date, draft, collection_id, body, layout, html, headings, \
    content_hash, imported_at, render_version, search_tags, revision, plain_text, name_key";
const TAG_COLUMNS: &str = "document_id, position, tag";

/// The columns a revision is written with, in the order of its values.
const REVISION_COLUMNS: &str =
    "document_id, number, source, source_path, author, summary, created_at";

/// How many bytes of files one statement carries at most: a statement's values travel in one
/// message, and a few hundred megabytes of images in one would be held in memory twice.
const MAX_STATEMENT_BYTES: usize = 16 * 1024 * 1024;

/// `rows` in runs of at most [`MAX_STATEMENT_BYTES`] (by `size`) and as many rows as one
/// statement binds; a row larger than the budget runs alone.
fn by_bytes<T>(rows: &[T], size: impl Fn(&T) -> usize) -> Vec<&[T]> {
    let mut runs = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        let next = size(row);
        if i > start && (bytes + next > MAX_STATEMENT_BYTES || i - start >= 1_000) {
            runs.push(&rows[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += next;
    }
    if start < rows.len() {
        runs.push(&rows[start..]);
    }
    runs
}

/// A transaction writing at least this many notes is a large write (an import): see
/// [`Dialect::AFTER_LARGE_WRITE`].
pub const LARGE_WRITE_NOTES: usize = 500;

/// A write transaction on either engine.
pub struct SqlTransaction<D: Dialect> {
    pub(super) tx: sqlx::Transaction<'static, D>,
    /// For the statements run after a large write, once the transaction has ended.
    pub(super) pool: sqlx::Pool<D>,
    /// How many notes [`Transaction::put_notes`] has written.
    pub(super) notes_written: usize,
    /// The run of [`Dialect::DURING_LARGE_WRITE`] started last, if any.
    pub(super) tidying: Option<tokio::task::JoinHandle<()>>,
    /// The store's, for [`Dialect::index_rows`].
    pub(super) index_building: std::sync::Arc<D::IndexBuilding>,
    /// What the search index rows written so far add to the vocabulary, added at the commit.
    pub(super) index_counts: D::IndexCounts,
}

over_dialect! {
impl<D: Dialect> SqlTransaction<D> {
    /// Runs `query`, and says how many rows it changed.
    async fn run(&mut self, query: Sql<'_, D>) -> Result<u64, StoreError> {
        query.execute(&mut *self.tx).await
    }

    /// Starts [`Dialect::DURING_LARGE_WRITE`] on a connection of its own, unless its last run
    /// is still going or the pool has no connection to spare (with none, it would wait for the
    /// transaction's own connection, and merge nothing until the commit had freed it).
    fn tidy_meanwhile(&mut self) {
        let spare = self.pool.num_idle() > 0
            || self.pool.size() < self.pool.options().get_max_connections();
        if D::DURING_LARGE_WRITE.is_empty()
            || !spare
            || self.tidying.as_ref().is_some_and(|run| !run.is_finished())
        {
            return;
        }
        let pool = self.pool.clone();
        self.tidying = Some(tokio::spawn(async move {
            for statement in D::DURING_LARGE_WRITE {
                // Tidying that fails costs speed, not data: the commit's tidying follows.
                if let Err(error) = Sql::<D>::new(*statement).execute(&pool).await {
                    tracing::warn!(%error, statement, "tidying during a large write failed");
                }
            }
        }));
    }

    /// One statement with `sql` before and after the values bound as `values`.
    async fn for_each_of(&mut self, sql: &str, values: &[&str]) -> Result<u64, StoreError> {
        let mut query = Sql::new(sql);
        query.push_in(values);
        self.run(query).await
    }

    /// Why a statement that claims id `id` (unless a note, the trash or kept history has it)
    /// claimed nothing: the answer for the writer, read after the database decided.
    async fn why_not_claimed(&mut self, id: &str) -> Result<Taken, StoreError> {
        let mut query = Sql::<D>::new("SELECT EXISTS (SELECT 1 FROM documents WHERE id = ");
        query
            .push_bind(id)
            .push("), EXISTS (SELECT 1 FROM deleted_documents WHERE id = ")
            .push_bind(id)
            .push(")");
        let (note, trash): (bool, bool) = query.fetch_one(&mut *self.tx).await?;
        Ok(match (note, trash) {
            (true, _) => Taken::Id,
            (false, true) => Taken::Trash,
            (false, false) => Taken::History,
        })
    }

    /// [`Self::write_notes`] for many notes at once (an import's, a copy's): where the engine
    /// takes the new notes' search index rows from Lore, they are built on Lore's cores while
    /// the notes are written, then written once, with their filters.
    async fn write_notes_with_index_rows(
        &mut self,
        notes: &[NoteRecord],
        revisions: &HashMap<String, i64>,
    ) -> Result<(), StoreError> {
        let index_rows = D::index_rows(&mut *self.tx, &self.index_building, notes).await?;
        self.write_notes(notes, Some(revisions), index_rows.is_some())
            .await?;
        if let Some(rows) = index_rows {
            D::write_index_rows(&mut *self.tx, rows, &mut self.index_counts).await?;
        }
        Ok(())
    }

    /// Writes notes with their tags, edges and collections, replacing what they were, at the
    /// revision `revisions` gives each, if any (else a new note is at 0 and a note written
    /// again keeps its number). The ids written leave the trash and stop redirecting: a note
    /// has them now. With `rows_given`, the new notes' search index rows are written after
    /// this, by [`Dialect::write_index_rows`], filters included.
    async fn write_notes(
        &mut self,
        notes: &[NoteRecord],
        revisions: Option<&HashMap<String, i64>>,
        rows_given: bool,
    ) -> Result<(), StoreError> {
        let now = now();
        let mut collections: BTreeMap<&str, &CollectionRecord> = BTreeMap::new();
        for collection in notes.iter().filter_map(|n| n.collection.as_ref()) {
            let entry = collections
                .entry(collection.id.as_str())
                .or_insert(collection);
            // A collection declared by a nested file wins over one named by a folder.
            if entry.front_matter_json == "[]" {
                *entry = collection;
            }
        }
        let collections: Vec<Value> = collections
            .values()
            .flat_map(|c| {
                [
                    c.id.as_str().into(),
                    c.title.as_str().into(),
                    c.front_matter_json.as_str().into(),
                ]
            })
            .collect();
        Sql::<D>::insert_values(
            &mut *self.tx,
            "collections",
            "id, title, front_matter",
            &collections,
            " ON CONFLICT (id) DO UPDATE SET title = excluded.title, front_matter = \
             CASE WHEN excluded.front_matter = '[]' THEN collections.front_matter ELSE excluded.front_matter END",
        )
        .await?;

        let ids: Vec<&str> = notes.iter().map(|n| n.id.as_str()).collect();
        self.for_each_of("DELETE FROM document_tags WHERE document_id", &ids)
            .await?;
        self.for_each_of("DELETE FROM edges WHERE source_id", &ids)
            .await?;

        let headings: Vec<String> = notes
            .iter()
            .map(|n| serde_json::to_string(&n.headings).expect("headings serialize"))
            .collect();
        let search_tags: Vec<String> = notes.iter().map(NoteRecord::search_tags).collect();
        // Notes not stored yet are inserted, the engine's fastest way; the others upserted. A
        // note another writer creates with one of these ids between the two statements fails
        // this write on its key (the upsert would have waited for it, then replaced it).
        let mut stored = Sql::<D>::new("SELECT id FROM documents WHERE id");
        // Locked, so that each stays stored until the upsert: its tags are written before it.
        stored.push_in(&ids).push(D::LOCK_ROWS);
        let stored: HashSet<String> = stored
            .fetch_all::<(String,)>(&mut *self.tx)
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect();
        // A stored note's tags are written before it, so that an engine whose search index
        // keeps them (PostgreSQL's `filters`) takes them when it indexes the note's new text;
        // a new note's after it, as they refer to it.
        let (mut new, mut again) = (Vec::new(), Vec::new());
        let (mut new_tags, mut stored_tags) = (Vec::new(), Vec::new());
        let mut was_stored: Vec<&str> = Vec::new();
        for ((note, headings), search_tags) in notes.iter().zip(&headings).zip(&search_tags) {
            let revision = revisions.and_then(|numbers| numbers.get(&note.id).copied());
            let (row, tags) = if stored.contains(&note.id) {
                was_stored.push(note.id.as_str());
                (&mut again, &mut stored_tags)
            } else {
                (&mut new, &mut new_tags)
            };
            tags.extend(note.tags.iter().enumerate().flat_map(|(position, tag)| {
                [
                    Value::from(note.id.as_str()),
                    (position as i64).into(),
                    tag.as_str().into(),
                ]
            }));
            row.extend([
                Value::from(note.id.as_str()),
                note.source_path.as_str().into(),
                note.title.as_str().into(),
                note.description.as_deref().into(),
                note.author.as_deref().into(),
                note.created_at.as_deref().into(),
                note.updated_at.as_deref().into(),
                note.version.as_deref().into(),
                note.updated_at.as_deref().or(note.created_at.as_deref()).into(),
                note.draft.into(),
                note.collection.as_ref().map(|c| c.id.as_str()).into(),
                note.body.as_str().into(),
                note.layout_json.as_str().into(),
                note.html.as_str().into(),
                headings.as_str().into(),
                note.content_hash.as_str().into(),
                now.as_str().into(),
                note.render_version.into(),
                search_tags.as_str().into(),
                revision.unwrap_or_default().into(),
                note.plain_text.as_str().into(),
                note.name_key.as_deref().into(),
            ]);
        }
        D::insert_rows(&mut *self.tx, "document_tags", TAG_COLUMNS, &stored_tags).await?;
        D::insert_rows(&mut *self.tx, "documents", DOCUMENT_COLUMNS, &new).await?;
        let mut upsert = String::from(
            " ON CONFLICT (id) DO UPDATE SET source_path = excluded.source_path, title = excluded.title, \
             description = excluded.description, author = excluded.author, created_at = excluded.created_at, \
             updated_at = excluded.updated_at, version = excluded.version, sort_date = excluded.sort_date, \
             draft = excluded.draft, collection_id = excluded.collection_id, body = excluded.body, \
             layout = excluded.layout, html = excluded.html, headings = excluded.headings, \
             content_hash = excluded.content_hash, imported_at = excluded.imported_at, \
             render_version = excluded.render_version, search_tags = excluded.search_tags, \
             plain_text = excluded.plain_text, name_key = excluded.name_key",
        );
        if revisions.is_some() {
            upsert.push_str(", revision = excluded.revision");
        }
        Sql::<D>::insert_values(&mut *self.tx, "documents", DOCUMENT_COLUMNS, &again, &upsert)
            .await?;

        D::insert_rows(&mut *self.tx, "document_tags", TAG_COLUMNS, &new_tags).await?;
        let written = if rows_given { &was_stored } else { &ids };
        D::index_written(&mut *self.tx, written, &was_stored).await?;
        let edges: Vec<Value> = notes
            .iter()
            .flat_map(|n| {
                n.edges.iter().enumerate().flat_map(|(position, edge)| {
                    [
                        n.id.as_str().into(),
                        edge.kind.as_str().into(),
                        (position as i64).into(),
                        edge.target_id.as_str().into(),
                        edge.target_ref.as_str().into(),
                    ]
                })
            })
            .collect();
        D::insert_rows(
            &mut *self.tx,
            "edges",
            "source_id, kind, position, target_id, target_ref",
            &edges,
        )
        .await?;

        self.replace_link_names(notes.iter().map(|n| (n.id.as_str(), n.link_names.as_slice())))
            .await?;

        // Links written as one of these ids that a rename pointed elsewhere come back to it.
        let mut query = Sql::new(
            "UPDATE edges SET target_id = target_ref WHERE target_id <> target_ref AND target_ref",
        );
        query.push_in(&ids);
        self.run(query).await?;
        self.for_each_of("DELETE FROM redirects WHERE old_id", &ids)
            .await?;
        self.for_each_of("DELETE FROM deleted_documents WHERE id", &ids)
            .await?;
        Ok(())
    }

    /// Makes the names each of `notes` (as `(id, names)`) looks up exactly those given.
    async fn replace_link_names(
        &mut self,
        notes: impl Iterator<Item = (&str, &[String])>,
    ) -> Result<(), StoreError> {
        let mut ids = Vec::new();
        let mut names: Vec<Value> = Vec::new();
        for (id, looked_up) in notes {
            ids.push(id);
            names.extend(looked_up.iter().flat_map(|name| [id.into(), name.as_str().into()]));
        }
        if ids.is_empty() {
            return Ok(());
        }
        self.for_each_of("DELETE FROM link_names WHERE document_id", &ids)
            .await?;
        Sql::<D>::insert_values(
            &mut *self.tx,
            "link_names",
            "document_id, name",
            &names,
            " ON CONFLICT DO NOTHING",
        )
        .await
    }

    /// Records each of `revisions` as its note's next revision (in order, so a note may have
    /// several); returns each note's latest number.
    async fn insert_revisions(
        &mut self,
        revisions: &[NewRevision],
    ) -> Result<HashMap<String, i64>, StoreError> {
        let now = now();
        let ids: Vec<&str> = revisions.iter().map(|r| r.id.as_str()).collect();
        // Each note's latest number, read once for all. A subquery per row or per note is
        // planned on the statistics of a table this very transaction may have just filled (an
        // import's first revisions): PostgreSQL then scanned all of `revisions` once per note,
        // and a 10,000-note import spent a minute in one statement.
        let mut latest = Sql::<D>::new("SELECT document_id, MAX(number) FROM revisions WHERE document_id");
        latest.push_in(&ids).push(" GROUP BY document_id");
        let mut numbers: HashMap<String, i64> =
            latest.fetch_all(&mut *self.tx).await?.into_iter().collect();
        let mut rows = Vec::with_capacity(column_count(REVISION_COLUMNS) * revisions.len());
        for revision in revisions {
            let number = numbers.entry(revision.id.clone()).or_insert(0);
            *number += 1;
            rows.extend([
                Value::from(revision.id.as_str()),
                (*number).into(),
                revision.source.as_str().into(),
                revision.source_path.as_str().into(),
                revision.author.as_str().into(),
                revision.summary.as_str().into(),
                now.as_str().into(),
            ]);
        }
        self.insert_revision_rows(&rows).await?;
        Ok(numbers)
    }

    /// Inserts revisions given as rows of [`REVISION_COLUMNS`].
    async fn insert_revision_rows(&mut self, rows: &[Value<'_>]) -> Result<(), StoreError> {
        D::insert_rows(&mut *self.tx, "revisions", REVISION_COLUMNS, rows).await
    }

    /// Claims id and path of `note` with an empty row, unless taken, then writes it whole.
    async fn claim(
        &mut self,
        note: &NoteRecord,
        own_history: bool,
    ) -> Result<Result<(), Taken>, StoreError> {
        let mut query = Sql::<D>::new(
            "INSERT INTO documents (id, source_path, title, body, layout, html, headings, \
                 render_version, content_hash, imported_at) SELECT ",
        );
        query
            .push_bind(note.id.as_str())
            .push(", ")
            .push_bind(note.source_path.as_str())
            .push(", '', '', '[]', '', '[]', 0, '', '' WHERE NOT EXISTS (SELECT 1 FROM deleted_documents WHERE id = ")
            .push_bind(note.id.as_str())
            .push(")");
        if !own_history {
            query
                .push(" AND NOT EXISTS (SELECT 1 FROM revisions WHERE document_id = ")
                .push_bind(note.id.as_str())
                .push(")");
        }
        match self.run(query).await {
            Err(StoreError::Database(error)) => match D::taken_by(&error) {
                Some(taken) => Ok(Err(taken)),
                None => Err(error.into()),
            },
            Err(other) => Err(other),
            Ok(0) => Ok(Err(self.why_not_claimed(&note.id).await?)),
            Ok(_) => Ok(Ok(())),
        }
    }
}
}

over_dialect! {
#[async_trait::async_trait]
impl<D: Dialect> Transaction for SqlTransaction<D> {
    async fn record_revisions(
        &mut self,
        revisions: &[NewRevision],
    ) -> Result<HashMap<String, i64>, StoreError> {
        self.insert_revisions(revisions).await
    }

    async fn put_notes(
        &mut self,
        notes: &[NoteRecord],
        numbers: &HashMap<String, i64>,
    ) -> Result<(), StoreError> {
        if let Some(note) = notes.iter().find(|note| !numbers.contains_key(&note.id)) {
            return Err(StoreError::Unrecorded(note.id.clone()));
        }
        // Once, for the transaction, when it has become a large write (also in batches).
        if self.notes_written < LARGE_WRITE_NOTES
            && self.notes_written + notes.len() >= LARGE_WRITE_NOTES
        {
            for statement in D::BEFORE_LARGE_WRITE {
                self.run(Sql::new(*statement)).await?;
            }
        }
        self.notes_written += notes.len();
        let ids: Vec<&str> = notes.iter().map(|n| n.id.as_str()).collect();
        let paths: Vec<&str> = notes.iter().map(|n| n.source_path.as_str()).collect();
        // A file whose id changed replaces the note it used to be.
        let mut query = Sql::new("DELETE FROM documents WHERE source_path");
        query.push_in(&paths);
        query.push(" AND NOT id");
        query.push_in(&ids);
        self.run(query).await?;
        // The revisions were recorded first, so each note is written once, already at its new
        // number: on PostgreSQL every update writes a whole new row version, search index
        // entries included (for 10,000 notes, a second write took 3.6 s).
        self.write_notes_with_index_rows(notes, numbers).await?;
        if self.notes_written >= LARGE_WRITE_NOTES {
            self.tidy_meanwhile();
        }
        Ok(())
    }

    fn notes_per_statement(&self) -> usize {
        Sql::<D>::rows_per_statement(column_count(DOCUMENT_COLUMNS))
    }

    async fn hold(&mut self, id: &str, revision: i64) -> Result<Held, StoreError> {
        // Locked, not written: on PostgreSQL a no-op UPDATE would write a whole new version of
        // the note, search index entries included, only to be written again by the save.
        let mut query = Sql::<D>::new("SELECT id FROM documents WHERE id = ");
        query
            .push_bind(id)
            .push(" AND revision = ")
            .push_bind(revision)
            .push(D::LOCK_ROWS);
        let held: Option<(String,)> = query.fetch_optional(&mut *self.tx).await?;
        if held.is_some() {
            return Ok(Held::Yes);
        }
        Ok(match self.why_not_claimed(id).await? {
            Taken::Id => Held::Stale,
            _ => Held::Missing,
        })
    }

    async fn insert_note(
        &mut self,
        note: &NoteRecord,
        own_history: bool,
    ) -> Result<Result<(), Taken>, StoreError> {
        match self.claim(note, own_history).await? {
            Ok(()) => self
                .write_notes(std::slice::from_ref(note), None, false)
                .await
                .map(Ok),
            Err(taken) => Ok(Err(taken)),
        }
    }

    async fn update_note(&mut self, note: &NoteRecord) -> Result<Result<(), Taken>, StoreError> {
        match self.write_notes(std::slice::from_ref(note), None, false).await {
            Err(StoreError::Database(error)) if D::taken_by(&error) == Some(Taken::Path) => {
                Ok(Err(Taken::Path))
            }
            other => other.map(Ok),
        }
    }

    async fn rename(&mut self, old: &str, new: &str) -> Result<Result<(), Taken>, StoreError> {
        // Its tags and outgoing edges are written again under the new id.
        self.for_each_of("DELETE FROM document_tags WHERE document_id", &[old])
            .await?;
        self.for_each_of("DELETE FROM edges WHERE source_id", &[old])
            .await?;
        let mut query = Sql::<D>::new("UPDATE documents SET id = ");
        query
            .push_bind(new)
            .push(" WHERE id = ")
            .push_bind(old)
            .push(" AND NOT EXISTS (SELECT 1 FROM deleted_documents WHERE id = ")
            .push_bind(new)
            .push(") AND NOT EXISTS (SELECT 1 FROM revisions WHERE document_id = ")
            .push_bind(new)
            .push(")");
        match self.run(query).await {
            Err(StoreError::Database(error)) => {
                return match D::taken_by(&error) {
                    Some(taken) => Ok(Err(taken)),
                    None => Err(error.into()),
                };
            }
            Err(other) => return Err(other),
            Ok(0) => return Ok(Err(self.why_not_claimed(new).await?)),
            Ok(_) => {}
        }
        for (sql, then) in [
            (
                "UPDATE revisions SET document_id = ",
                " WHERE document_id = ",
            ),
            ("UPDATE edges SET target_id = ", " WHERE target_id = "),
            ("UPDATE redirects SET new_id = ", " WHERE new_id = "),
        ] {
            let mut query = Sql::<D>::new(sql);
            query.push_bind(new).push(then).push_bind(old);
            self.run(query).await?;
        }
        let mut query = Sql::<D>::new("INSERT INTO redirects (old_id, new_id) VALUES (");
        query
            .push_bind(old)
            .push(", ")
            .push_bind(new)
            .push(") ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id");
        self.run(query).await?;
        Ok(Ok(()))
    }

    async fn add_revisions(&mut self, revisions: &[NewRevision]) -> Result<Vec<i64>, StoreError> {
        let numbers = self.insert_revisions(revisions).await?;
        let ids: Vec<&str> = revisions.iter().map(|r| r.id.as_str()).collect();
        let mut query = Sql::<D>::new(
            "UPDATE documents SET revision = latest.number \
             FROM (SELECT document_id, MAX(number) AS number FROM revisions WHERE document_id",
        );
        query
            .push_in(&ids)
            .push(" GROUP BY document_id) AS latest WHERE documents.id = latest.document_id");
        self.run(query).await?;
        Ok(ids.iter().map(|id| numbers[*id]).collect())
    }

    async fn add_first_revisions(&mut self, revisions: &[NewRevision]) -> Result<(), StoreError> {
        let now = now();
        for revision in revisions {
            let mut query = Sql::<D>::new(
                "INSERT INTO revisions (document_id, number, source, source_path, author, summary, created_at) ",
            );
            query.push_values([revision], |row, revision| {
                row.push_bind(revision.id.as_str())
                    .push_bind(1_i64)
                    .push_bind(revision.source.as_str())
                    .push_bind(revision.source_path.as_str())
                    .push_bind(revision.author.as_str())
                    .push_bind(revision.summary.as_str())
                    .push_bind(now.as_str());
            });
            // Another replica may have written it first: then it stays theirs.
            query.push(" ON CONFLICT DO NOTHING");
            self.run(query).await?;
            let mut query = Sql::<D>::new("UPDATE documents SET revision = 1 WHERE id = ");
            query
                .push_bind(revision.id.as_str())
                .push(" AND revision = 0");
            self.run(query).await?;
        }
        Ok(())
    }

    async fn store_html(&mut self, rerendered: &[Rerendered]) -> Result<(), StoreError> {
        let mut kept = Vec::new();
        for note in rerendered {
            let mut query = Sql::<D>::new("UPDATE documents SET html = ");
            query
                .push_bind(note.html.as_str())
                .push(", plain_text = ")
                .push_bind(note.plain_text.as_str())
                .push(", render_version = ")
                .push_bind(note.render_version)
                .push(" WHERE id = ")
                .push_bind(note.id.as_str())
                .push(" AND body = ")
                .push_bind(note.body.as_str());
            if self.run(query).await? == 1 {
                kept.push(note);
            }
        }
        // The names the kept HTML looks up: a file that was missing may be there now.
        self.replace_link_names(kept.iter().map(|n| (n.id.as_str(), n.link_names.as_slice())))
            .await
    }

    async fn add_redirects(&mut self, redirects: &[(String, String)]) -> Result<(), StoreError> {
        for (old, new) in redirects {
            let mut query = Sql::<D>::new("INSERT INTO redirects (old_id, new_id) SELECT ");
            query
                .push_bind(old.as_str())
                .push(", ")
                .push_bind(new.as_str())
                .push(" WHERE NOT EXISTS (SELECT 1 FROM documents WHERE id = ")
                .push_bind(old.as_str())
                .push(") ON CONFLICT (old_id) DO NOTHING");
            self.run(query).await?;
        }
        Ok(())
    }

    async fn name_notes(&mut self, names: &[(String, String)]) -> Result<(), StoreError> {
        for (id, name_key) in names {
            let mut query = Sql::<D>::new("UPDATE documents SET name_key = ");
            query
                .push_bind(name_key.as_str())
                .push(" WHERE id = ")
                .push_bind(id.as_str());
            self.run(query).await?;
        }
        Ok(())
    }

    async fn trash_note(
        &mut self,
        id: &str,
        by: &str,
        at: &str,
    ) -> Result<Option<DeletedNote>, StoreError> {
        let mut query = Sql::<D>::new(
            "INSERT INTO deleted_documents (id, title, source_path, layout, deleted_at, deleted_by) \
             SELECT id, title, source_path, layout, ",
        );
        query
            .push_bind(at)
            .push(", ")
            .push_bind(by)
            .push(" FROM documents WHERE id = ")
            .push_bind(id);
        if self.run(query).await? == 0 {
            return Ok(None);
        }
        // Its tags and outgoing edges go with it; edges from other notes stay, so the notes
        // that pointed to it now show it as a wanted page, and point to it again on restore.
        self.for_each_of("DELETE FROM documents WHERE id", &[id])
            .await?;
        let mut query = Sql::<D>::new("SELECT title FROM deleted_documents WHERE id = ");
        query.push_bind(id);
        let (title,): (String,) = query.fetch_one(&mut *self.tx).await?;
        Ok(Some(DeletedNote {
            id: id.to_owned(),
            title,
            deleted_at: at.to_owned(),
            deleted_by: by.to_owned(),
        }))
    }

    async fn untrash(&mut self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .for_each_of("DELETE FROM deleted_documents WHERE id", &[id])
            .await?
            == 1)
    }

    async fn load(&mut self, dump: &Dump) -> Result<(), StoreError> {
        let numbers: HashMap<String, i64> = dump.note_revisions.iter().cloned().collect();
        // Indexed as an import's notes are, rather than by the triggers and then again with
        // their filters.
        self.write_notes_with_index_rows(&dump.notes, &numbers)
            .await?;
        let revisions: Vec<Value> = dump
            .revisions
            .iter()
            .flat_map(|revision| {
                [
                    revision.document_id.as_str().into(),
                    revision.number.into(),
                    revision.source.as_str().into(),
                    revision.source_path.as_str().into(),
                    revision.author.as_str().into(),
                    revision.summary.as_str().into(),
                    revision.created_at.as_str().into(),
                ]
            })
            .collect();
        self.insert_revision_rows(&revisions).await?;
        let trash: Vec<Value> = dump
            .trash
            .iter()
            .flat_map(|note| {
                [
                    note.id.as_str().into(),
                    note.title.as_str().into(),
                    note.source_path.as_str().into(),
                    note.layout.as_str().into(),
                    note.deleted_at.as_str().into(),
                    note.deleted_by.as_str().into(),
                ]
            })
            .collect();
        Sql::<D>::insert_values(
            &mut *self.tx,
            "deleted_documents",
            "id, title, source_path, layout, deleted_at, deleted_by",
            &trash,
            "",
        )
        .await?;
        let redirects: Vec<Value> = dump
            .redirects
            .iter()
            .flat_map(|(old, new)| [old.as_str().into(), new.as_str().into()])
            .collect();
        Sql::<D>::insert_values(&mut *self.tx, "redirects", "old_id, new_id", &redirects, "")
            .await?;
        self.put_attachments(&dump.attachments).await
    }

    async fn put_attachments(&mut self, attachments: &[AttachmentRecord]) -> Result<(), StoreError> {
        if attachments.is_empty() {
            return Ok(());
        }
        let paths: Vec<&str> = attachments.iter().map(|a| a.path.as_str()).collect();
        let mut query = Sql::<D>::new("SELECT DISTINCT hash FROM attachments WHERE path");
        query.push_in(&paths);
        let replaced: Vec<(String,)> = query.fetch_all(&mut *self.tx).await?;

        let mut blobs: BTreeMap<&str, &[u8]> = BTreeMap::new();
        for attachment in attachments {
            blobs.insert(&attachment.hash, &attachment.bytes);
        }
        let blobs: Vec<(&str, &[u8])> = blobs.into_iter().collect();
        for chunk in by_bytes(&blobs, |(_, bytes)| bytes.len()) {
            let mut query = Sql::new("INSERT INTO attachment_blobs (hash, bytes) ");
            query.push_values(chunk, |row, (hash, bytes)| {
                row.push_bind(*hash).push_bind(*bytes);
            });
            query.push(" ON CONFLICT (hash) DO NOTHING");
            self.run(query).await?;
        }
        let now = now();
        let rows: Vec<Value> = attachments
            .iter()
            .flat_map(|attachment| {
                [
                    attachment.path.as_str().into(),
                    attachment.hash.as_str().into(),
                    (attachment.bytes.len() as i64).into(),
                    attachment.content_type.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        Sql::<D>::insert_values(
            &mut *self.tx,
            "attachments",
            "path, hash, size, content_type, added_at",
            &rows,
            " ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, size = excluded.size, \
             content_type = excluded.content_type, added_at = excluded.added_at",
        )
        .await?;
        // The bytes the paths written held before, unless some path still holds them.
        let replaced: Vec<&str> = replaced.iter().map(|(hash,)| hash.as_str()).collect();
        if !replaced.is_empty() {
            let mut query = Sql::<D>::new(
                "DELETE FROM attachment_blobs WHERE NOT EXISTS \
                 (SELECT 1 FROM attachments a WHERE a.hash = attachment_blobs.hash) AND hash",
            );
            query.push_in(&replaced);
            self.run(query).await?;
        }
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        // A tidying still under way (merging what the last batches left) goes on beside the
        // commit rather than before it. Waiting for it left the import's connection idle for
        // half a second at the end of an import of 10,000 notes, with the vocabulary's count
        // and the commit still to do; now those take one core while the merge ends on the
        // other.
        let tidying = self.tidying.take();
        let counts = std::mem::take(&mut self.index_counts);
        D::count_index_rows(&mut *self.tx, counts).await?;
        self.run(Sql::new(
            "UPDATE lore_instance SET revision = revision + 1 WHERE id = 1",
        ))
        .await?;
        self.tx.commit().await?;
        if self.notes_written >= LARGE_WRITE_NOTES {
            // At once, each on a connection of its own, beside the tidying still under way;
            // what that one has not merged, the merge after it does (PostgreSQL's
            // `gin_clean_pending_list` waits for a merge in progress on the same index).
            let pool = &self.pool;
            let after = futures_util::future::join_all(D::AFTER_LARGE_WRITE.iter().map(
                |statement| async move {
                    // The write has committed: tidying that fails costs speed, not data.
                    if let Err(error) = Sql::<D>::new(*statement).execute(pool).await {
                        tracing::warn!(%error, statement, "tidying after a large write failed");
                    }
                },
            ));
            let meanwhile = async {
                if let Some(tidying) = tidying {
                    let _ = tidying.await;
                }
            };
            futures_util::future::join(after, meanwhile).await;
        }
        Ok(())
    }
}
}
