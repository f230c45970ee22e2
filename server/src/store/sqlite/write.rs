//! Writes in SQLite: one [`Transaction`] at a time.
//!
//! SQLite has one writer. A transaction takes the write lock when it begins (`BEGIN
//! IMMEDIATE`), not at its first write: a transaction that read first and then tried to write
//! after another writer committed would fail at once with a stale snapshot, where waiting for
//! the lock (the busy timeout) lets it go on. The decisions are still the database's, written
//! into the statements themselves (a unique key, `WHERE revision = ?`, `WHERE NOT EXISTS`), so
//! they would hold with concurrent writers too, as they do on PostgreSQL.

use super::super::{
    DeletedNote, Dump, Held, NewRevision, NoteRecord, Rerendered, StoreError, Taken, Transaction,
};
use super::encode;
use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use std::collections::BTreeMap;

/// Multi-row statements in chunks: one round trip per few hundred notes instead of ten per
/// note, which is what makes a 10,000-note import take a second, not minutes. Chunks keep each
/// statement under SQLite's limit of bound variables.
const NOTES_PER_STATEMENT: usize = 500;
const ROWS_PER_STATEMENT: usize = 2000;

/// A write transaction holding SQLite's write lock.
pub(super) struct SqliteTransaction {
    tx: sqlx::Transaction<'static, Sqlite>,
}

impl SqliteTransaction {
    pub(super) async fn begin(pool: &SqlitePool) -> Result<Self, StoreError> {
        Ok(Self {
            tx: pool.begin_with("BEGIN IMMEDIATE").await?,
        })
    }
}

/// Whether `error` is the unique key on a note's path.
fn is_path_taken(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation() && e.message().contains("source_path"))
}

/// Whether `error` is the primary key of notes (the id).
fn is_id_taken(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation() && e.message().contains("documents.id"))
}

/// Why a statement that claims id `id` (unless a note, the trash or kept history has it)
/// claimed nothing: the answer for the writer, read after the database decided.
async fn why_not_claimed(conn: &mut SqliteConnection, id: &str) -> Result<Taken, StoreError> {
    let (note, trash): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM documents WHERE id = ?1), \
                EXISTS (SELECT 1 FROM deleted_documents WHERE id = ?1)",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(match (note, trash) {
        (true, _) => Taken::Id,
        (false, true) => Taken::Trash,
        (false, false) => Taken::History,
    })
}

#[async_trait::async_trait]
impl Transaction for SqliteTransaction {
    async fn put_notes(&mut self, notes: &[NoteRecord]) -> Result<(), StoreError> {
        let conn = &mut *self.tx;
        let ids: Vec<&str> = notes.iter().map(|n| n.id.as_str()).collect();
        let paths: Vec<&str> = notes.iter().map(|n| n.source_path.as_str()).collect();
        // A file whose id changed replaces the note it used to be.
        sqlx::query(
            "DELETE FROM documents WHERE source_path IN (SELECT value FROM json_each(?1)) \
             AND id NOT IN (SELECT value FROM json_each(?2))",
        )
        .bind(encode(&paths))
        .bind(encode(&ids))
        .execute(&mut *conn)
        .await?;
        write_notes(conn, notes).await
    }

    async fn hold(&mut self, id: &str, revision: i64) -> Result<Held, StoreError> {
        let held =
            sqlx::query("UPDATE documents SET revision = revision WHERE id = ?1 AND revision = ?2")
                .bind(id)
                .bind(revision)
                .execute(&mut *self.tx)
                .await?;
        if held.rows_affected() == 1 {
            return Ok(Held::Yes);
        }
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM documents WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(if exists.is_some() {
            Held::Stale
        } else {
            Held::Missing
        })
    }

    async fn insert_note(
        &mut self,
        note: &NoteRecord,
        own_history: bool,
    ) -> Result<Result<(), Taken>, StoreError> {
        let conn = &mut *self.tx;
        // Free of a note in the trash and of kept history, in the statement that claims it.
        let claimed = sqlx::query(
            "INSERT INTO documents (id, source_path, title, body, layout, html, headings, \
                 render_version, content_hash, imported_at) \
             SELECT ?1, ?2, '', '', '[]', '', '[]', 0, '', '' \
             WHERE NOT EXISTS (SELECT 1 FROM deleted_documents WHERE id = ?1) \
             AND (?3 OR NOT EXISTS (SELECT 1 FROM revisions WHERE document_id = ?1))",
        )
        .bind(&note.id)
        .bind(&note.source_path)
        .bind(own_history)
        .execute(&mut *conn)
        .await;
        match claimed {
            Err(error) if is_id_taken(&error) => return Ok(Err(Taken::Id)),
            Err(error) if is_path_taken(&error) => return Ok(Err(Taken::Path)),
            Err(error) => return Err(error.into()),
            Ok(done) if done.rows_affected() == 0 => {
                return Ok(Err(why_not_claimed(conn, &note.id).await?));
            }
            Ok(_) => {}
        }
        write_notes(conn, std::slice::from_ref(note)).await?;
        Ok(Ok(()))
    }

    async fn update_note(&mut self, note: &NoteRecord) -> Result<Result<(), Taken>, StoreError> {
        match write_notes(&mut self.tx, std::slice::from_ref(note)).await {
            Err(StoreError::Database(error)) if is_path_taken(&error) => Ok(Err(Taken::Path)),
            other => other.map(Ok),
        }
    }

    async fn rename(&mut self, old: &str, new: &str) -> Result<Result<(), Taken>, StoreError> {
        let conn = &mut *self.tx;
        // Its tags and outgoing edges are written again under the new id.
        for table in ["document_tags WHERE document_id", "edges WHERE source_id"] {
            sqlx::query(&format!("DELETE FROM {table} = ?1"))
                .bind(old)
                .execute(&mut *conn)
                .await?;
        }
        let moved = sqlx::query(
            "UPDATE documents SET id = ?2 WHERE id = ?1 \
             AND NOT EXISTS (SELECT 1 FROM deleted_documents WHERE id = ?2) \
             AND NOT EXISTS (SELECT 1 FROM revisions WHERE document_id = ?2)",
        )
        .bind(old)
        .bind(new)
        .execute(&mut *conn)
        .await;
        match moved {
            Err(error) if is_id_taken(&error) => return Ok(Err(Taken::Id)),
            Err(error) => return Err(error.into()),
            Ok(done) if done.rows_affected() == 0 => {
                return Ok(Err(why_not_claimed(conn, new).await?));
            }
            Ok(_) => {}
        }
        for statement in [
            "UPDATE revisions SET document_id = ?2 WHERE document_id = ?1",
            "UPDATE edges SET target_id = ?2 WHERE target_id = ?1",
            "UPDATE redirects SET new_id = ?2 WHERE new_id = ?1",
            "INSERT INTO redirects (old_id, new_id) VALUES (?1, ?2) \
             ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id",
        ] {
            sqlx::query(statement)
                .bind(old)
                .bind(new)
                .execute(&mut *conn)
                .await?;
        }
        Ok(Ok(()))
    }

    async fn add_revisions(&mut self, revisions: &[NewRevision]) -> Result<Vec<i64>, StoreError> {
        let conn = &mut *self.tx;
        let now = super::super::now();
        for chunk in revisions.chunks(NOTES_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO revisions (document_id, number, source, source_path, author, summary, created_at) ",
            );
            query.push_values(chunk, |mut row, revision| {
                row.push_bind(&revision.id)
                    .push(
                        "(SELECT COALESCE(MAX(number), 0) + 1 FROM revisions WHERE document_id = ",
                    )
                    .push_bind_unseparated(&revision.id)
                    .push_unseparated(")")
                    .push_bind(&revision.source)
                    .push_bind(&revision.source_path)
                    .push_bind(&revision.author)
                    .push_bind(&revision.summary)
                    .push_bind(&now);
            });
            query.build().execute(&mut *conn).await?;
        }
        let ids: Vec<&str> = revisions.iter().map(|r| r.id.as_str()).collect();
        sqlx::query(
            "UPDATE documents SET revision = (SELECT MAX(number) FROM revisions r WHERE r.document_id = documents.id) \
             WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(encode(&ids))
        .execute(&mut *conn)
        .await?;
        let numbers: Vec<(String, i64)> = sqlx::query_as(
            "SELECT id, revision FROM documents WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(encode(&ids))
        .fetch_all(&mut *conn)
        .await?;
        let numbers: BTreeMap<String, i64> = numbers.into_iter().collect();
        Ok(ids
            .iter()
            .map(|id| numbers.get(*id).copied().unwrap_or_default())
            .collect())
    }

    async fn add_first_revisions(&mut self, revisions: &[NewRevision]) -> Result<(), StoreError> {
        let now = super::super::now();
        for revision in revisions {
            sqlx::query(
                "INSERT INTO revisions (document_id, number, source, source_path, author, summary, created_at) \
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            )
            .bind(&revision.id)
            .bind(&revision.source)
            .bind(&revision.source_path)
            .bind(&revision.author)
            .bind(&revision.summary)
            .bind(&now)
            .execute(&mut *self.tx)
            .await?;
            sqlx::query("UPDATE documents SET revision = 1 WHERE id = ?1 AND revision = 0")
                .bind(&revision.id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    async fn store_html(&mut self, rerendered: &[Rerendered]) -> Result<(), StoreError> {
        for note in rerendered {
            sqlx::query(
                "UPDATE documents SET html = ?1, render_version = ?2 WHERE id = ?3 AND body = ?4",
            )
            .bind(&note.html)
            .bind(note.render_version)
            .bind(&note.id)
            .bind(&note.body)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn trash_note(
        &mut self,
        id: &str,
        by: &str,
        at: &str,
    ) -> Result<Option<DeletedNote>, StoreError> {
        let conn = &mut *self.tx;
        let moved = sqlx::query(
            "INSERT INTO deleted_documents (id, title, source_path, deleted_at, deleted_by) \
             SELECT id, title, source_path, ?2, ?3 FROM documents WHERE id = ?1",
        )
        .bind(id)
        .bind(at)
        .bind(by)
        .execute(&mut *conn)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(None);
        }
        // Its tags and outgoing edges go with it; edges from other notes stay, so the notes
        // that pointed to it now show it as a wanted page, and point to it again on restore.
        sqlx::query("DELETE FROM documents WHERE id = ?1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        let title: String = sqlx::query_scalar("SELECT title FROM deleted_documents WHERE id = ?1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
        Ok(Some(DeletedNote {
            id: id.to_owned(),
            title,
            deleted_at: at.to_owned(),
            deleted_by: by.to_owned(),
        }))
    }

    async fn untrash(&mut self, id: &str) -> Result<bool, StoreError> {
        let taken = sqlx::query("DELETE FROM deleted_documents WHERE id = ?1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(taken.rows_affected() == 1)
    }

    async fn load(&mut self, dump: &Dump) -> Result<(), StoreError> {
        let conn = &mut *self.tx;
        write_notes(conn, &dump.notes).await?;
        for revision in &dump.revisions {
            sqlx::query(
                "INSERT INTO revisions (document_id, number, source, source_path, author, summary, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .bind(&revision.document_id)
            .bind(revision.number)
            .bind(&revision.source)
            .bind(&revision.source_path)
            .bind(&revision.author)
            .bind(&revision.summary)
            .bind(&revision.created_at)
            .execute(&mut *conn)
            .await?;
        }
        for (id, revision) in &dump.note_revisions {
            sqlx::query("UPDATE documents SET revision = ?2 WHERE id = ?1")
                .bind(id)
                .bind(revision)
                .execute(&mut *conn)
                .await?;
        }
        for note in &dump.trash {
            sqlx::query(
                "INSERT INTO deleted_documents (id, title, source_path, deleted_at, deleted_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .bind(&note.id)
            .bind(&note.title)
            .bind(&note.source_path)
            .bind(&note.deleted_at)
            .bind(&note.deleted_by)
            .execute(&mut *conn)
            .await?;
        }
        for (old, new) in &dump.redirects {
            sqlx::query("INSERT INTO redirects (old_id, new_id) VALUES (?1, ?2)")
                .bind(old)
                .bind(new)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        sqlx::query("UPDATE lore_instance SET revision = revision + 1 WHERE id = 1")
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(())
    }
}

/// Writes notes with their tags, edges and collections, replacing what they were. The ids
/// written leave the trash and stop redirecting: a note has them now.
async fn write_notes(conn: &mut SqliteConnection, notes: &[NoteRecord]) -> Result<(), StoreError> {
    let now = super::super::now();
    let mut collections: BTreeMap<&str, &super::super::CollectionRecord> = BTreeMap::new();
    for collection in notes.iter().filter_map(|n| n.collection.as_ref()) {
        let entry = collections
            .entry(collection.id.as_str())
            .or_insert(collection);
        // A collection declared by a nested file wins over one named by a folder.
        if entry.front_matter_json == "[]" {
            *entry = collection;
        }
    }
    for chunk in collections
        .values()
        .collect::<Vec<_>>()
        .chunks(ROWS_PER_STATEMENT / 3)
    {
        let mut query =
            QueryBuilder::<Sqlite>::new("INSERT INTO collections (id, title, front_matter) ");
        query.push_values(chunk, |mut row, c| {
            row.push_bind(&c.id)
                .push_bind(&c.title)
                .push_bind(&c.front_matter_json);
        });
        query.push(
            " ON CONFLICT (id) DO UPDATE SET title = excluded.title, front_matter = \
             CASE WHEN excluded.front_matter = '[]' THEN collections.front_matter ELSE excluded.front_matter END",
        );
        query.build().execute(&mut *conn).await?;
    }

    let ids: Vec<&str> = notes.iter().map(|n| n.id.as_str()).collect();
    for table in ["document_tags WHERE document_id", "edges WHERE source_id"] {
        sqlx::query(&format!(
            "DELETE FROM {table} IN (SELECT value FROM json_each(?1))"
        ))
        .bind(encode(&ids))
        .execute(&mut *conn)
        .await?;
    }

    for chunk in notes.chunks(NOTES_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO documents (id, source_path, title, description, author, created_at, updated_at, \
             version, sort_date, draft, collection_id, body, layout, html, headings, content_hash, \
             imported_at, render_version, search_tags) ",
        );
        query.push_values(chunk, |mut row, note| {
            row.push_bind(&note.id)
                .push_bind(&note.source_path)
                .push_bind(&note.title)
                .push_bind(&note.description)
                .push_bind(&note.author)
                .push_bind(&note.created_at)
                .push_bind(&note.updated_at)
                .push_bind(&note.version)
                .push_bind(note.updated_at.as_ref().or(note.created_at.as_ref()))
                .push_bind(note.draft)
                .push_bind(note.collection.as_ref().map(|c| &c.id))
                .push_bind(&note.body)
                .push_bind(&note.layout_json)
                .push_bind(&note.html)
                .push_bind(encode(&note.headings))
                .push_bind(&note.content_hash)
                .push_bind(&now)
                .push_bind(note.render_version)
                .push_bind(note.tags.join(" "));
        });
        query.push(
            " ON CONFLICT (id) DO UPDATE SET source_path = excluded.source_path, title = excluded.title, \
             description = excluded.description, author = excluded.author, created_at = excluded.created_at, \
             updated_at = excluded.updated_at, version = excluded.version, sort_date = excluded.sort_date, \
             draft = excluded.draft, collection_id = excluded.collection_id, body = excluded.body, \
             layout = excluded.layout, html = excluded.html, headings = excluded.headings, \
             content_hash = excluded.content_hash, imported_at = excluded.imported_at, \
             render_version = excluded.render_version, search_tags = excluded.search_tags",
        );
        query.build().execute(&mut *conn).await?;
    }

    let tags: Vec<(&str, i64, &str)> = notes
        .iter()
        .flat_map(|n| {
            n.tags
                .iter()
                .enumerate()
                .map(|(i, t)| (n.id.as_str(), i as i64, t.as_str()))
        })
        .collect();
    for chunk in tags.chunks(ROWS_PER_STATEMENT) {
        let mut query =
            QueryBuilder::<Sqlite>::new("INSERT INTO document_tags (document_id, position, tag) ");
        query.push_values(chunk, |mut row, (id, position, tag)| {
            row.push_bind(*id).push_bind(*position).push_bind(*tag);
        });
        query.build().execute(&mut *conn).await?;
    }

    let edges: Vec<(&str, i64, &super::super::EdgeRecord)> = notes
        .iter()
        .flat_map(|n| {
            n.edges
                .iter()
                .enumerate()
                .map(|(i, e)| (n.id.as_str(), i as i64, e))
        })
        .collect();
    for chunk in edges.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO edges (source_id, kind, position, target_id, target_ref) ",
        );
        query.push_values(chunk, |mut row, (id, position, edge)| {
            row.push_bind(*id)
                .push_bind(edge.kind.as_str())
                .push_bind(*position)
                .push_bind(&edge.target_id)
                .push_bind(&edge.target_ref);
        });
        query.build().execute(&mut *conn).await?;
    }

    // Links written as one of these ids that a rename pointed elsewhere come back to it.
    sqlx::query(
        "UPDATE edges SET target_id = target_ref \
         WHERE target_ref IN (SELECT value FROM json_each(?1)) AND target_id <> target_ref",
    )
    .bind(encode(&ids))
    .execute(&mut *conn)
    .await?;
    for table in ["redirects WHERE old_id", "deleted_documents WHERE id"] {
        sqlx::query(&format!(
            "DELETE FROM {table} IN (SELECT value FROM json_each(?1))"
        ))
        .bind(encode(&ids))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
