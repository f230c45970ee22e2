//! The embedded default: SQLite through sqlx, one file on disk.
//!
//! Settings, and why: WAL journal so readers never wait for the writer; a busy timeout so two
//! writers queue for a moment instead of failing at once with SQLITE_BUSY; `synchronous=NORMAL`,
//! which in WAL mode cannot corrupt the database and only risks the last transactions on power
//! loss; foreign keys on, as SQLite leaves them off by default.
//!
//! - this file: opening the database, and every read;
//! - [`write`]: the transaction and its writes;
//! - [`search`]: full-text search with FTS5.

mod search;
mod write;

use super::{
    DocumentRow, Dump, DumpedRevision, KnownDocument, NoteRecord, OutgoingEdge, SearchRequest,
    SearchRow, SourceDocument, Store, StoreError, StoredBody, StoredNote, Transaction, TrashedNote,
    edge_kind, graph_of, wanted_of,
};
use app::contract::{
    CollectionRef, CollectionSummary, DeletedNote, DocumentQuery, DocumentSort, DocumentSummary,
    Graph, Page, Related, RevisionSummary, TagCount, WantedPage,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{FromRow, Row};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

/// A SQLite database behind a connection pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite:PATH`) and applies migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if let Some(folder) = options.get_filename().parent()
            && !folder.as_os_str().is_empty()
        {
            std::fs::create_dir_all(folder).map_err(|source| StoreError::CreateFolder {
                path: folder.to_owned(),
                source,
            })?;
        }
        let mut tries = 0;
        let pool = loop {
            let opened = SqlitePoolOptions::new()
                // A readiness probe must answer quickly; waiting 30 s (sqlx's default) for a
                // connection would make the load balancer's probe time out instead.
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options.clone())
                .await;
            match opened {
                // Switching a new file to WAL takes a lock the busy timeout does not wait for:
                // another process opening it at the same moment is waited for here.
                Err(error) if is_locked(&error) && tries < 20 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(25 * tries)).await;
                }
                other => break other.map_err(StoreError::Open)?,
            }
        };
        migrate(&pool).await?;
        Ok(Self { pool })
    }
}

/// Whether `error` is SQLite's "database is locked".
fn is_locked(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "5")
}

/// Brings the schema up to date. sqlx takes no lock for SQLite (it does for PostgreSQL), so two
/// processes opening a new file at once can both start the same migration; the one that loses
/// finds the table made, and runs again, now skipping what the other applied.
async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut tries = 0;
    loop {
        match sqlx::migrate!("migrations/sqlite").run(pool).await {
            Err(sqlx::migrate::MigrateError::ExecuteMigration(..)) if tries < 10 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50 * tries)).await;
            }
            other => return Ok(other?),
        }
    }
}

/// Decodes a JSON column, or reports the database as corrupt.
fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A list bound as one parameter: SQLite reads it back with `json_each`.
fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("our own types always serialize")
}

/// What a listing shows of a note, as `summary` reads it.
const SUMMARY_COLUMNS: &str = "d.id, d.title, d.description, d.collection_id, c.title AS collection_title, \
     d.sort_date, d.draft, \
     (SELECT json_group_array(tag) FROM (SELECT tag FROM document_tags t WHERE t.document_id = d.id ORDER BY position)) AS tags";

fn summary(row: &SqliteRow) -> Result<DocumentSummary, StoreError> {
    let collection_id: Option<String> = row.get("collection_id");
    let collection_title: Option<String> = row.get("collection_title");
    Ok(DocumentSummary {
        id: row.get("id"),
        title: row.get("title"),
        description: row.get("description"),
        collection: collection_id
            .zip(collection_title)
            .map(|(id, title)| CollectionRef { id, title }),
        tags: json(row.get::<&str, _>("tags"))?,
        updated_at: row.get("sort_date"),
        draft: row.get::<i64, _>("draft") != 0,
    })
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn check_ready(&self) -> Result<(), StoreError> {
        // Reading the instance row proves both that the file answers and that migrations ran.
        sqlx::query("SELECT created_at FROM lore_instance WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn revision(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT revision FROM lore_instance WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        Ok(Box::new(write::SqliteTransaction::begin(&self.pool).await?))
    }

    async fn count_documents(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    async fn known_documents(&self) -> Result<Vec<KnownDocument>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, source_path, content_hash FROM documents")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn locate(
        &self,
        ids: &[String],
        paths: &[String],
    ) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, source_path FROM documents WHERE id IN (SELECT value FROM json_each(?1)) \
             UNION SELECT id, source_path FROM documents WHERE source_path IN (SELECT value FROM json_each(?2))",
        )
        .bind(encode(&ids))
        .bind(encode(&paths))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn bodies_linking_to(&self, ids: &[String]) -> Result<Vec<StoredBody>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(
            "SELECT DISTINCT d.id, d.source_path, d.body FROM documents d JOIN edges e ON e.source_id = d.id \
             WHERE e.kind = 'link' AND e.target_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(encode(&ids))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn stale_bodies(&self, version: i64) -> Result<Vec<StoredBody>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, source_path, body FROM documents WHERE render_version < ?1")
                .bind(version)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn list_documents(
        &self,
        query: &DocumentQuery,
    ) -> Result<Page<DocumentSummary>, StoreError> {
        let limit = query.limit.unwrap_or(50).clamp(1, 200);
        let offset = query.offset.unwrap_or(0);
        let order = match query.sort.unwrap_or_default() {
            DocumentSort::Title => "d.title COLLATE NOCASE, d.id",
            DocumentSort::Updated => {
                "d.sort_date IS NULL, d.sort_date DESC, d.title COLLATE NOCASE"
            }
        };
        let filter = "WHERE (?1 IS NULL OR d.collection_id = ?1) \
             AND (?2 IS NULL OR d.id IN (SELECT document_id FROM document_tags WHERE tag = ?2))";
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM documents d LEFT JOIN collections c ON c.id = d.collection_id \
             {filter} ORDER BY {order} LIMIT ?3 OFFSET ?4"
        ))
        .bind(&query.collection)
        .bind(&query.tag)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM documents d {filter}"))
            .bind(&query.collection)
            .bind(&query.tag)
            .fetch_one(&self.pool)
            .await?;
        Ok(Page {
            items: rows.iter().map(summary).collect::<Result<_, _>>()?,
            total: total as u64,
            offset,
            limit,
        })
    }

    async fn document(&self, id: &str) -> Result<Option<DocumentRow>, StoreError> {
        let Some(row) = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS}, d.author, d.created_at, d.version, d.html, d.headings, d.source_path \
             FROM documents d LEFT JOIN collections c ON c.id = d.collection_id WHERE d.id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(DocumentRow {
            summary: summary(&row)?,
            author: row.get("author"),
            created_at: row.get("created_at"),
            version: row.get("version"),
            html: row.get("html"),
            headings: json(row.get::<&str, _>("headings"))?,
            source_path: row.get("source_path"),
        }))
    }

    async fn outgoing(&self, id: &str) -> Result<Vec<OutgoingEdge>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT e.kind, e.target_id, e.target_ref, t.title FROM edges e \
             LEFT JOIN documents t ON t.id = e.target_id WHERE e.source_id = ?1 AND e.kind <> 'link' \
             ORDER BY e.position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn backlinks(&self, id: &str) -> Result<Vec<Related>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT s.id, s.title FROM edges e JOIN documents s ON s.id = e.source_id \
             WHERE e.target_id = ?1 AND e.source_id <> ?1 ORDER BY s.title COLLATE NOCASE",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Related {
                id: r.get("id"),
                title: r.get("title"),
                exists: true,
            })
            .collect())
    }

    async fn prerequisite_closure(
        &self,
        id: &str,
    ) -> Result<HashMap<String, Vec<String>>, StoreError> {
        // UNION (not UNION ALL) drops ids already reached, so a cycle ends the recursion.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "WITH RECURSIVE reached (id) AS ( \
                 SELECT ?1 \
                 UNION \
                 SELECT e.target_id FROM edges e JOIN reached r ON e.source_id = r.id \
                 WHERE e.kind = 'prerequisite' \
             ) \
             SELECT e.source_id, e.target_id FROM edges e JOIN reached r ON e.source_id = r.id \
             WHERE e.kind = 'prerequisite' ORDER BY e.source_id, e.position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (source, target) in rows {
            map.entry(source).or_default().push(target);
        }
        Ok(map)
    }

    async fn titles(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, title FROM documents WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(encode(&ids))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    async fn tags(&self) -> Result<Vec<TagCount>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT tag, COUNT(DISTINCT document_id) AS n FROM document_tags GROUP BY tag ORDER BY n DESC, tag",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(tag, count)| TagCount {
                tag,
                count: count as u64,
            })
            .collect())
    }

    async fn collections(&self) -> Result<Vec<CollectionSummary>, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT c.id, c.title, COUNT(d.id) AS n FROM collections c JOIN documents d ON d.collection_id = c.id \
             GROUP BY c.id, c.title ORDER BY c.title COLLATE NOCASE",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, title, count)| CollectionSummary {
                id,
                title,
                count: count as u64,
            })
            .collect())
    }

    async fn graph(&self) -> Result<Graph, StoreError> {
        let notes: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT id, title, collection_id FROM documents ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        let edges: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT DISTINCT source_id, target_id, kind FROM edges ORDER BY source_id, kind, target_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(graph_of(notes, edges))
    }

    async fn wanted(&self) -> Result<Vec<WantedPage>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT DISTINCT e.target_id, s.id, s.title FROM edges e JOIN documents s ON s.id = e.source_id \
             WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = e.target_id) \
             ORDER BY e.target_id, s.title COLLATE NOCASE",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(wanted_of(rows))
    }

    async fn source(&self, id: &str) -> Result<Option<SourceDocument>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, source_path, layout AS layout_json, body FROM documents WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn sources(&self) -> Result<Vec<SourceDocument>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, source_path, layout AS layout_json, body FROM documents ORDER BY source_path",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn stored_note(&self, id: &str) -> Result<Option<StoredNote>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT id, source_path, layout AS layout_json, body, revision FROM documents WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(StoredNote {
            source: SourceDocument::from_row(&row)?,
            revision: row.get("revision"),
        }))
    }

    async fn redirects(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT old_id, new_id FROM redirects ORDER BY old_id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn redirects_of(&self, old_ids: &[String]) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT old_id, new_id FROM redirects WHERE old_id IN (SELECT value FROM json_each(?1)) ORDER BY old_id",
        )
        .bind(encode(&old_ids))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn trash(&self) -> Result<Vec<DeletedNote>, StoreError> {
        let rows: Vec<TrashedNote> = sqlx::query_as(
            "SELECT id, title, source_path, deleted_at, deleted_by FROM deleted_documents \
             ORDER BY deleted_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(DeletedNote::from).collect())
    }

    async fn trashed(&self, id: &str) -> Result<Option<TrashedNote>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, title, source_path, deleted_at, deleted_by FROM deleted_documents WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn revisions(&self, id: &str) -> Result<Vec<RevisionSummary>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT number, author, created_at, summary FROM revisions WHERE document_id = ?1 ORDER BY number DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(number, author, created_at, summary)| RevisionSummary {
                number: number as u64,
                author,
                created_at,
                summary,
            })
            .collect())
    }

    async fn revision_of(
        &self,
        id: &str,
        number: u64,
    ) -> Result<Option<DumpedRevision>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT document_id, number, source, source_path, author, summary, created_at FROM revisions \
             WHERE document_id = ?1 AND (number = ?2 OR ?2 = 0) ORDER BY number DESC LIMIT 1",
        )
        .bind(id)
        .bind(number as i64)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchRow>, StoreError> {
        self.search_notes(request).await
    }

    async fn vocabulary_near(&self, word: &str) -> Result<Vec<(String, i64)>, StoreError> {
        self.vocabulary_near_word(word).await
    }

    async fn without_history(&self) -> Result<Vec<SourceDocument>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, source_path, layout AS layout_json, body FROM documents d \
             WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.document_id = d.id)",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn dump(&self) -> Result<Dump, StoreError> {
        let rows = sqlx::query(
            "SELECT d.*, c.title AS collection_title, c.front_matter AS collection_front_matter, \
             (SELECT json_group_array(tag) FROM (SELECT tag FROM document_tags t WHERE t.document_id = d.id ORDER BY position)) AS tag_list, \
             (SELECT json_group_array(json_array(kind, target_id, target_ref)) FROM \
                 (SELECT kind, target_id, target_ref FROM edges e WHERE e.source_id = d.id ORDER BY position)) AS edge_list \
             FROM documents d LEFT JOIN collections c ON c.id = d.collection_id ORDER BY d.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut dump = Dump::default();
        for row in &rows {
            let edges: Vec<(String, String, String)> = json(row.get::<&str, _>("edge_list"))?;
            let collection_id: Option<String> = row.get("collection_id");
            dump.note_revisions
                .push((row.get("id"), row.get::<i64, _>("revision")));
            dump.notes.push(NoteRecord {
                id: row.get("id"),
                source_path: row.get("source_path"),
                title: row.get("title"),
                description: row.get("description"),
                author: row.get("author"),
                created_at: row.get("created_at"),
                updated_at: row.get("updated_at"),
                version: row.get("version"),
                draft: row.get::<i64, _>("draft") != 0,
                collection: collection_id.map(|id| super::CollectionRecord {
                    id,
                    title: row.get("collection_title"),
                    front_matter_json: row.get("collection_front_matter"),
                }),
                tags: json(row.get::<&str, _>("tag_list"))?,
                edges: edges
                    .into_iter()
                    .map(|(kind, target_id, target_ref)| super::EdgeRecord {
                        kind: edge_kind(&kind),
                        target_id,
                        target_ref,
                    })
                    .collect(),
                body: row.get("body"),
                layout_json: row.get("layout"),
                html: row.get("html"),
                headings: json(row.get::<&str, _>("headings"))?,
                content_hash: row.get("content_hash"),
                render_version: row.get("render_version"),
            });
        }
        dump.revisions = sqlx::query_as(
            "SELECT document_id, number, source, source_path, author, summary, created_at \
             FROM revisions ORDER BY document_id, number",
        )
        .fetch_all(&self.pool)
        .await?;
        dump.trash = sqlx::query_as(
            "SELECT id, title, source_path, deleted_at, deleted_by FROM deleted_documents ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        dump.redirects = self.redirects().await?;
        Ok(dump)
    }
}
