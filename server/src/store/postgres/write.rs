//! Writes in PostgreSQL: many writers at once, each decision the database's.
//!
//! A note is held by `UPDATE ... WHERE id = $1 AND revision = $2`, which both checks the
//! revision and locks the row until the transaction ends: a second writer on the same note
//! waits for the first, then finds the revision moved. Ids and paths are claimed by unique keys,
//! and the conditions on the trash and kept history are part of the claiming statement. The
//! knowledge base's revision is bumped last, just before the commit, so writers to different
//! notes do not queue on it for the length of their work.

use super::super::{
    CollectionRecord, DeletedNote, Dump, EdgeRecord, Held, NewRevision, NoteRecord, Rerendered,
    StoreError, Taken, Transaction, now,
};
use sqlx::postgres::PgConnection;
use sqlx::{Postgres, QueryBuilder};
use std::collections::BTreeMap;

/// Rows per multi-row statement: PostgreSQL takes at most 65,535 bound values in one.
const NOTES_PER_STATEMENT: usize = 500;
const ROWS_PER_STATEMENT: usize = 5000;

/// A write transaction.
pub(super) struct PostgresTransaction {
    pub(super) tx: sqlx::Transaction<'static, Postgres>,
}

/// Which unique key `error` broke, if it broke the one on notes' ids or paths.
fn taken_by(error: &sqlx::Error) -> Option<Taken> {
    let error = error.as_database_error()?;
    if !error.is_unique_violation() {
        return None;
    }
    match error.constraint() {
        Some("documents_pkey") => Some(Taken::Id),
        Some("documents_source_path_key") => Some(Taken::Path),
        _ => None,
    }
}

/// Why a statement that claims id `id` (unless a note, the trash or kept history has it)
/// claimed nothing: the answer for the writer, read after the database decided.
async fn why_not_claimed(conn: &mut PgConnection, id: &str) -> Result<Taken, StoreError> {
    let (note, trash): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM documents WHERE id = $1), \
                EXISTS (SELECT 1 FROM deleted_documents WHERE id = $1)",
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
impl Transaction for PostgresTransaction {
    async fn put_notes(&mut self, notes: &[NoteRecord]) -> Result<(), StoreError> {
        let conn = &mut *self.tx;
        let ids: Vec<&str> = notes.iter().map(|n| n.id.as_str()).collect();
        let paths: Vec<&str> = notes.iter().map(|n| n.source_path.as_str()).collect();
        // A file whose id changed replaces the note it used to be.
        sqlx::query("DELETE FROM documents WHERE source_path = ANY($1) AND NOT id = ANY($2)")
            .bind(&paths)
            .bind(&ids)
            .execute(&mut *conn)
            .await?;
        write_notes(conn, notes).await
    }

    async fn hold(&mut self, id: &str, revision: i64) -> Result<Held, StoreError> {
        let held =
            sqlx::query("UPDATE documents SET revision = revision WHERE id = $1 AND revision = $2")
                .bind(id)
                .bind(revision)
                .execute(&mut *self.tx)
                .await?;
        if held.rows_affected() == 1 {
            return Ok(Held::Yes);
        }
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM documents WHERE id = $1")
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
             SELECT $1, $2, '', '', '[]', '', '[]', 0, '', '' \
             WHERE NOT EXISTS (SELECT 1 FROM deleted_documents WHERE id = $1) \
             AND ($3 OR NOT EXISTS (SELECT 1 FROM revisions WHERE document_id = $1))",
        )
        .bind(&note.id)
        .bind(&note.source_path)
        .bind(own_history)
        .execute(&mut *conn)
        .await;
        match claimed {
            Err(error) => match taken_by(&error) {
                Some(taken) => return Ok(Err(taken)),
                None => return Err(error.into()),
            },
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
            Err(StoreError::Database(error)) if taken_by(&error) == Some(Taken::Path) => {
                Ok(Err(Taken::Path))
            }
            other => other.map(Ok),
        }
    }

    async fn rename(&mut self, old: &str, new: &str) -> Result<Result<(), Taken>, StoreError> {
        let conn = &mut *self.tx;
        // Its tags and outgoing edges are written again under the new id.
        for table in ["document_tags WHERE document_id", "edges WHERE source_id"] {
            sqlx::query(&format!("DELETE FROM {table} = $1"))
                .bind(old)
                .execute(&mut *conn)
                .await?;
        }
        let moved = sqlx::query(
            "UPDATE documents SET id = $2 WHERE id = $1 \
             AND NOT EXISTS (SELECT 1 FROM deleted_documents WHERE id = $2) \
             AND NOT EXISTS (SELECT 1 FROM revisions WHERE document_id = $2)",
        )
        .bind(old)
        .bind(new)
        .execute(&mut *conn)
        .await;
        match moved {
            Err(error) => match taken_by(&error) {
                Some(taken) => return Ok(Err(taken)),
                None => return Err(error.into()),
            },
            Ok(done) if done.rows_affected() == 0 => {
                return Ok(Err(why_not_claimed(conn, new).await?));
            }
            Ok(_) => {}
        }
        for statement in [
            "UPDATE revisions SET document_id = $2 WHERE document_id = $1",
            "UPDATE edges SET target_id = $2 WHERE target_id = $1",
            "UPDATE redirects SET new_id = $2 WHERE new_id = $1",
            "INSERT INTO redirects (old_id, new_id) VALUES ($1, $2) \
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
        let now = now();
        for chunk in revisions.chunks(NOTES_PER_STATEMENT) {
            let mut query = QueryBuilder::<Postgres>::new(
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
        let numbers: Vec<(String, i64)> = sqlx::query_as(
            "UPDATE documents SET revision = (SELECT MAX(number) FROM revisions r WHERE r.document_id = documents.id) \
             WHERE id = ANY($1) RETURNING id, revision",
        )
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
        let numbers: BTreeMap<String, i64> = numbers.into_iter().collect();
        Ok(ids
            .iter()
            .map(|id| numbers.get(*id).copied().unwrap_or_default())
            .collect())
    }

    async fn add_first_revisions(&mut self, revisions: &[NewRevision]) -> Result<(), StoreError> {
        let now = now();
        for revision in revisions {
            sqlx::query(
                "INSERT INTO revisions (document_id, number, source, source_path, author, summary, created_at) \
                 VALUES ($1, 1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(&revision.id)
            .bind(&revision.source)
            .bind(&revision.source_path)
            .bind(&revision.author)
            .bind(&revision.summary)
            .bind(&now)
            .execute(&mut *self.tx)
            .await?;
            sqlx::query("UPDATE documents SET revision = 1 WHERE id = $1 AND revision = 0")
                .bind(&revision.id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    async fn store_html(&mut self, rerendered: &[Rerendered]) -> Result<(), StoreError> {
        for note in rerendered {
            sqlx::query(
                "UPDATE documents SET html = $1, render_version = $2 WHERE id = $3 AND body = $4",
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
        // One statement: the note leaves the base and enters the trash together. Its tags and
        // outgoing edges go with it; edges from other notes stay, so the notes that pointed to
        // it now show it as a wanted page, and point to it again on restore.
        let title: Option<String> = sqlx::query_scalar(
            "WITH gone AS (DELETE FROM documents WHERE id = $1 RETURNING id, title, source_path) \
             INSERT INTO deleted_documents (id, title, source_path, deleted_at, deleted_by) \
             SELECT id, title, source_path, $2, $3 FROM gone RETURNING title",
        )
        .bind(id)
        .bind(at)
        .bind(by)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(title.map(|title| DeletedNote {
            id: id.to_owned(),
            title,
            deleted_at: at.to_owned(),
            deleted_by: by.to_owned(),
        }))
    }

    async fn untrash(&mut self, id: &str) -> Result<bool, StoreError> {
        let taken = sqlx::query("DELETE FROM deleted_documents WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(taken.rows_affected() == 1)
    }

    async fn load(&mut self, dump: &Dump) -> Result<(), StoreError> {
        let conn = &mut *self.tx;
        write_notes(conn, &dump.notes).await?;
        for chunk in dump.revisions.chunks(NOTES_PER_STATEMENT) {
            let mut query = QueryBuilder::<Postgres>::new(
                "INSERT INTO revisions (document_id, number, source, source_path, author, summary, created_at) ",
            );
            query.push_values(chunk, |mut row, revision| {
                row.push_bind(&revision.document_id)
                    .push_bind(revision.number)
                    .push_bind(&revision.source)
                    .push_bind(&revision.source_path)
                    .push_bind(&revision.author)
                    .push_bind(&revision.summary)
                    .push_bind(&revision.created_at);
            });
            query.build().execute(&mut *conn).await?;
        }
        let (ids, numbers): (Vec<&str>, Vec<i64>) = dump
            .note_revisions
            .iter()
            .map(|(id, number)| (id.as_str(), *number))
            .unzip();
        sqlx::query(
            "UPDATE documents d SET revision = n.number \
             FROM unnest($1::text[], $2::bigint[]) AS n (id, number) WHERE d.id = n.id",
        )
        .bind(&ids)
        .bind(&numbers)
        .execute(&mut *conn)
        .await?;
        for note in &dump.trash {
            sqlx::query(
                "INSERT INTO deleted_documents (id, title, source_path, deleted_at, deleted_by) \
                 VALUES ($1, $2, $3, $4, $5)",
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
            sqlx::query("INSERT INTO redirects (old_id, new_id) VALUES ($1, $2)")
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
async fn write_notes(conn: &mut PgConnection, notes: &[NoteRecord]) -> Result<(), StoreError> {
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
    for chunk in collections
        .values()
        .collect::<Vec<_>>()
        .chunks(ROWS_PER_STATEMENT / 3)
    {
        let mut query =
            QueryBuilder::<Postgres>::new("INSERT INTO collections (id, title, front_matter) ");
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
        sqlx::query(&format!("DELETE FROM {table} = ANY($1)"))
            .bind(&ids)
            .execute(&mut *conn)
            .await?;
    }

    for chunk in notes.chunks(NOTES_PER_STATEMENT) {
        let mut query = QueryBuilder::<Postgres>::new(
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
                .push_bind(serde_json::to_string(&note.headings).expect("headings serialize"))
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

    let tags: Vec<(&str, i32, &str)> = notes
        .iter()
        .flat_map(|n| {
            n.tags
                .iter()
                .enumerate()
                .map(|(i, t)| (n.id.as_str(), i as i32, t.as_str()))
        })
        .collect();
    for chunk in tags.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO document_tags (document_id, position, tag) ",
        );
        query.push_values(chunk, |mut row, (id, position, tag)| {
            row.push_bind(*id).push_bind(*position).push_bind(*tag);
        });
        query.build().execute(&mut *conn).await?;
    }

    let edges: Vec<(&str, i32, &EdgeRecord)> = notes
        .iter()
        .flat_map(|n| {
            n.edges
                .iter()
                .enumerate()
                .map(|(i, e)| (n.id.as_str(), i as i32, e))
        })
        .collect();
    for chunk in edges.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Postgres>::new(
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
        "UPDATE edges SET target_id = target_ref WHERE target_ref = ANY($1) AND target_id <> target_ref",
    )
    .bind(&ids)
    .execute(&mut *conn)
    .await?;
    for table in ["redirects WHERE old_id", "deleted_documents WHERE id"] {
        sqlx::query(&format!("DELETE FROM {table} = ANY($1)"))
            .bind(&ids)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
