//! Writing single notes in SQLite: saves checked against the revision they were based on,
//! renames, the trash, and the history of revisions.
//!
//! Every write here starts its transaction by bumping the knowledge base's revision, which
//! takes SQLite's write lock before anything is read. Two saves of one note therefore run one
//! after the other, and the second sees the first's revision and is refused as stale: the
//! check and the write cannot be split by another writer.

use super::SqliteStore;
use super::queries::{
    NewRevision, bump_revision, json, now, record_revisions, store_html, write_records,
};
use crate::documents::export::to_markdown;
use crate::documents::import::Rerendered;
use crate::store::{Save, SaveKind, SaveOutcome, SourceDocument, StoreError, StoredNote};
use app::contract::{DeletedNote, Revision, RevisionSummary};
use sqlx::sqlite::SqliteConnection;
use sqlx::{Row, SqlitePool};

impl SqliteStore {
    pub(super) async fn stored_note_impl(
        &self,
        id: &str,
    ) -> Result<Option<StoredNote>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT id, source_path, layout, body, revision FROM documents WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(StoredNote {
            source: SourceDocument {
                id: row.get("id"),
                source_path: row.get("source_path"),
                layout: json(row.get::<&str, _>("layout"))?,
                body: row.get("body"),
            },
            revision: row.get("revision"),
        }))
    }

    pub(super) async fn redirects_impl(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT old_id, new_id FROM redirects ORDER BY old_id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get("old_id"), r.get("new_id")))
            .collect())
    }

    pub(super) async fn save_note_impl(&self, save: Save<'_>) -> Result<SaveOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        bump_revision(&mut tx).await?;
        let document = &save.record.document;
        let id = document.id.as_str();
        let check = match save.kind {
            SaveKind::Create => id_taken(&mut tx, id).await?,
            SaveKind::Update {
                previous_id,
                base_revision,
            } => {
                let current: Option<i64> =
                    sqlx::query_scalar("SELECT revision FROM documents WHERE id = ?1")
                        .bind(previous_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                match current {
                    None => Some(SaveOutcome::Missing),
                    Some(revision) if revision != base_revision => Some(SaveOutcome::Stale),
                    Some(_) if previous_id != id => id_taken(&mut tx, id).await?,
                    Some(_) => None,
                }
            }
            SaveKind::Undelete => {
                let in_trash: Option<i64> =
                    sqlx::query_scalar("SELECT 1 FROM deleted_documents WHERE id = ?1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if in_trash.is_none() {
                    Some(SaveOutcome::Missing)
                } else {
                    taken_by_note(&mut tx, id).await?
                }
            }
        };
        if let Some(refused) = check {
            return Ok(refused);
        }
        // Writing replaces whatever document had this path (that is how an import renames), so
        // a path held by a different note must stop the save here.
        let previous_id = match save.kind {
            SaveKind::Update { previous_id, .. } => previous_id,
            SaveKind::Create | SaveKind::Undelete => id,
        };
        let path_holder: Option<String> =
            sqlx::query_scalar("SELECT id FROM documents WHERE source_path = ?1 AND id <> ?2")
                .bind(&document.source_path)
                .bind(previous_id)
                .fetch_optional(&mut *tx)
                .await?;
        if path_holder.is_some() {
            return Ok(SaveOutcome::PathTaken);
        }
        if previous_id != id {
            rename(&mut tx, previous_id, id).await?;
        }
        let now = now();
        write_records(&mut tx, std::slice::from_ref(save.record), &now).await?;
        record_revisions(
            &mut tx,
            &[NewRevision {
                id,
                source: save.source.to_owned(),
                source_path: &document.source_path,
                author: save.author,
                summary: save.summary.to_owned(),
            }],
            &now,
        )
        .await?;
        store_html(&mut tx, save.rerendered).await?;
        let revision: i64 = sqlx::query_scalar("SELECT revision FROM documents WHERE id = ?1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved(revision))
    }

    pub(super) async fn delete_note_impl(
        &self,
        id: &str,
        author: &str,
        rerendered: &[Rerendered],
    ) -> Result<Option<DeletedNote>, StoreError> {
        let mut tx = self.pool.begin().await?;
        bump_revision(&mut tx).await?;
        let Some(row) = sqlx::query("SELECT title, source_path FROM documents WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let deleted = DeletedNote {
            id: id.to_owned(),
            title: row.get("title"),
            deleted_at: now(),
            deleted_by: author.to_owned(),
        };
        sqlx::query(
            "INSERT INTO deleted_documents (id, title, source_path, deleted_at, deleted_by) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(id)
        .bind(&deleted.title)
        .bind(row.get::<&str, _>("source_path"))
        .bind(&deleted.deleted_at)
        .bind(author)
        .execute(&mut *tx)
        .await?;
        // Its tags and outgoing edges go with it; edges from other notes stay, so the notes
        // that pointed to it now show it as a wanted page, and point to it again on restore.
        sqlx::query("DELETE FROM documents WHERE id = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        store_html(&mut tx, rerendered).await?;
        tx.commit().await?;
        Ok(Some(deleted))
    }

    pub(super) async fn trash_impl(&self) -> Result<Vec<DeletedNote>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, title, deleted_at, deleted_by FROM deleted_documents ORDER BY deleted_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| DeletedNote {
                id: r.get("id"),
                title: r.get("title"),
                deleted_at: r.get("deleted_at"),
                deleted_by: r.get("deleted_by"),
            })
            .collect())
    }

    pub(super) async fn revisions_impl(
        &self,
        id: &str,
    ) -> Result<Vec<RevisionSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT number, author, created_at, summary FROM revisions WHERE document_id = ?1 ORDER BY number DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(revision_summary).collect())
    }

    pub(super) async fn revision_of_impl(
        &self,
        id: &str,
        number: u64,
    ) -> Result<Option<(Revision, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT number, author, created_at, summary, source, source_path FROM revisions \
             WHERE document_id = ?1 AND (number = ?2 OR ?2 = 0) ORDER BY number DESC LIMIT 1",
        )
        .bind(id)
        .bind(number as i64)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| {
            (
                Revision {
                    summary: revision_summary(&r),
                    source: r.get("source"),
                },
                r.get("source_path"),
            )
        }))
    }
}

/// Gives documents stored before revisions were kept their file as revision 1, so every note
/// has a history. Only the server can write a stored layout back as a file, so this runs after
/// the migrations rather than in one; when every note has a history it is a single query.
pub(super) async fn backfill_history(pool: &SqlitePool) -> Result<(), StoreError> {
    // In one write transaction, so two servers starting at once cannot both write revision 1.
    let mut tx = pool.begin().await?;
    bump_revision(&mut tx).await?;
    let rows = sqlx::query(
        "SELECT id, source_path, layout, body FROM documents d \
         WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.document_id = d.id)",
    )
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let sources = rows
        .iter()
        .map(|r| {
            Ok((
                r.get::<String, _>("id"),
                r.get::<String, _>("source_path"),
                to_markdown(&json(r.get::<&str, _>("layout"))?, r.get("body")),
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let revisions: Vec<NewRevision> = sources
        .iter()
        .map(|(id, path, source)| NewRevision {
            id,
            source: source.clone(),
            source_path: path,
            author: "import",
            summary: "Imported before Lore kept history".to_owned(),
        })
        .collect();
    record_revisions(&mut tx, &revisions, &now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Why `id` cannot be given to a note, if it cannot.
async fn id_taken(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<SaveOutcome>, StoreError> {
    if let Some(taken) = taken_by_note(conn, id).await? {
        return Ok(Some(taken));
    }
    let in_trash: Option<i64> = sqlx::query_scalar("SELECT 1 FROM deleted_documents WHERE id = ?1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    if in_trash.is_some() {
        return Ok(Some(SaveOutcome::IdTaken { in_trash: true }));
    }
    // History left under an id by a file whose id changed on import: taking the id would mix
    // two notes' histories.
    let has_history: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM revisions WHERE document_id = ?1 LIMIT 1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(has_history.map(|_| SaveOutcome::IdHasHistory))
}

async fn taken_by_note(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<SaveOutcome>, StoreError> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM documents WHERE id = ?1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(exists.map(|_| SaveOutcome::IdTaken { in_trash: false }))
}

/// Moves what hangs on an id to its new one: the history, the edges of notes that point to it
/// (their files still name the old id, which now redirects), and earlier redirects.
async fn rename(conn: &mut SqliteConnection, old: &str, new: &str) -> Result<(), StoreError> {
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
    // The old row goes before the new one is written; its tags and edges go with it.
    sqlx::query("DELETE FROM documents WHERE id = ?1")
        .bind(old)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn revision_summary(row: &sqlx::sqlite::SqliteRow) -> RevisionSummary {
    RevisionSummary {
        number: row.get::<i64, _>("number") as u64,
        author: row.get("author"),
        created_at: row.get("created_at"),
        summary: row.get("summary"),
    }
}
