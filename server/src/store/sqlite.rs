//! The embedded default: SQLite through sqlx, one file on disk.
//!
//! Settings, and why: WAL journal so readers never wait for the writer; a busy timeout so two
//! writers queue for a moment instead of failing at once with SQLITE_BUSY; `synchronous=NORMAL`,
//! which in WAL mode cannot corrupt the database and only risks the last transactions on power
//! loss; foreign keys on, as SQLite leaves them off by default.

use super::StoreError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
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
        let pool = SqlitePoolOptions::new()
            // A readiness probe must answer quickly; waiting 30 s (sqlx's default) for a
            // connection would make the load balancer's probe time out instead.
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(StoreError::Open)?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        history::backfill_history(&pool).await?;
        Ok(Self { pool })
    }

    /// Closes every connection; later queries fail. Used to take the database away in tests.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

mod history;

mod queries {
    //! The [`Store`] contract for SQLite: every query Lore makes.

    use super::{SqliteStore, StoreError};
    use crate::documents::DocumentRecord;
    use crate::documents::export::to_markdown;
    use crate::documents::import::{KnownDocument, Rerendered, StoredBody};
    use crate::documents::render::RENDER_VERSION;
    use crate::store::{Save, SaveOutcome, SourceDocument, Store, StoredNote};
    use app::contract::{
        CollectionRef, CollectionSummary, DeletedNote, DocumentQuery, DocumentSort,
        DocumentSummary, DocumentView, EdgeKind, Graph, GraphEdge, GraphNode, Page, Related,
        Revision, RevisionSummary, TagCount, WantedPage,
    };
    use sqlx::sqlite::{SqliteConnection, SqliteRow};
    use sqlx::{QueryBuilder, Row, Sqlite};
    use std::collections::{BTreeMap, HashMap};

    /// Decodes a JSON column, or reports the database as corrupt.
    pub(super) fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    pub(super) fn encode<T: serde::Serialize>(value: &T) -> String {
        serde_json::to_string(value).expect("our own types always serialize")
    }

    pub(super) const SUMMARY_COLUMNS: &str = "d.id, d.title, d.description, d.collection_id, c.title AS collection_title, \
         d.sort_date, d.draft, \
         (SELECT json_group_array(tag) FROM (SELECT tag FROM document_tags t WHERE t.document_id = d.id ORDER BY position)) AS tags";

    fn stored_body(row: &SqliteRow) -> StoredBody {
        StoredBody {
            id: row.get("id"),
            source_path: row.get("source_path"),
            body: row.get("body"),
        }
    }

    pub(super) fn summary(row: &SqliteRow) -> Result<DocumentSummary, StoreError> {
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

        async fn revision(&self) -> Result<i64, StoreError> {
            Ok(
                sqlx::query_scalar("SELECT revision FROM lore_instance WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?,
            )
        }

        async fn known_documents(&self) -> Result<Vec<KnownDocument>, StoreError> {
            let rows = sqlx::query("SELECT id, source_path, content_hash FROM documents")
                .fetch_all(&self.pool)
                .await?;
            Ok(rows
                .iter()
                .map(|r| KnownDocument {
                    id: r.get("id"),
                    source_path: r.get("source_path"),
                    content_hash: r.get("content_hash"),
                })
                .collect())
        }

        async fn bodies_linking_to(&self, ids: &[String]) -> Result<Vec<StoredBody>, StoreError> {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let rows = sqlx::query(
                "SELECT DISTINCT d.id, d.source_path, d.body FROM documents d JOIN edges e ON e.source_id = d.id \
                 WHERE e.kind = 'link' AND e.target_id IN (SELECT value FROM json_each(?1))",
            )
            .bind(encode(&ids))
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.iter().map(stored_body).collect())
        }

        async fn stale_bodies(&self, version: i64) -> Result<Vec<StoredBody>, StoreError> {
            let rows = sqlx::query(
                "SELECT id, source_path, body FROM documents WHERE render_version < ?1",
            )
            .bind(version)
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.iter().map(stored_body).collect())
        }

        async fn apply_import(
            &self,
            upserts: &[DocumentRecord],
            rerendered: &[Rerendered],
        ) -> Result<(), StoreError> {
            let mut tx = self.pool.begin().await?;
            bump_revision(&mut tx).await?;
            let now = now();
            write_records(&mut tx, upserts, &now).await?;
            let history: Vec<NewRevision> = upserts
                .iter()
                .map(|record| NewRevision {
                    id: &record.document.id,
                    source: to_markdown(&record.document.layout, &record.document.body),
                    source_path: &record.document.source_path,
                    author: "import",
                    summary: format!("Imported from {}", record.document.source_path),
                })
                .collect();
            record_revisions(&mut tx, &history, &now).await?;
            store_html(&mut tx, rerendered).await?;
            tx.commit().await?;
            Ok(())
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
            let total: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM documents d {filter}"))
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

        async fn document(&self, id: &str) -> Result<Option<DocumentView>, StoreError> {
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
            let mut view = DocumentView {
                summary: summary(&row)?,
                author: row.get("author"),
                created_at: row.get("created_at"),
                version: row.get("version"),
                html: row.get("html"),
                headings: json(row.get::<&str, _>("headings"))?,
                prerequisites: Vec::new(),
                successors: Vec::new(),
                related: Vec::new(),
                backlinks: Vec::new(),
                reading_path: Vec::new(),
                cycles: Vec::new(),
                source_path: row.get("source_path"),
            };
            let edges = sqlx::query(
                "SELECT e.kind, e.target_id, e.target_ref, t.title FROM edges e \
                 LEFT JOIN documents t ON t.id = e.target_id WHERE e.source_id = ?1 AND e.kind <> 'link' ORDER BY e.position",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            for edge in &edges {
                let title: Option<String> = edge.get("title");
                let related = Related {
                    id: edge.get("target_id"),
                    exists: title.is_some(),
                    title: title.unwrap_or_else(|| edge.get("target_ref")),
                };
                match edge.get::<&str, _>("kind") {
                    "prerequisite" => view.prerequisites.push(related),
                    "successor" => view.successors.push(related),
                    _ => view.related.push(related),
                }
            }
            let backlinks = sqlx::query(
                "SELECT DISTINCT s.id, s.title FROM edges e JOIN documents s ON s.id = e.source_id \
                 WHERE e.target_id = ?1 AND e.source_id <> ?1 ORDER BY s.title COLLATE NOCASE",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            view.backlinks = backlinks
                .iter()
                .map(|r| Related {
                    id: r.get("id"),
                    title: r.get("title"),
                    exists: true,
                })
                .collect();
            Ok(Some(view))
        }

        async fn prerequisite_closure(
            &self,
            id: &str,
        ) -> Result<HashMap<String, Vec<String>>, StoreError> {
            // UNION (not UNION ALL) drops ids already reached, so a cycle ends the recursion.
            let rows = sqlx::query(
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
            for row in rows {
                map.entry(row.get("source_id"))
                    .or_default()
                    .push(row.get("target_id"));
            }
            Ok(map)
        }

        async fn titles(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
            let rows = sqlx::query(
                "SELECT id, title FROM documents WHERE id IN (SELECT value FROM json_each(?1))",
            )
            .bind(encode(&ids))
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.iter().map(|r| (r.get("id"), r.get("title"))).collect())
        }

        async fn tags(&self) -> Result<Vec<TagCount>, StoreError> {
            let rows = sqlx::query("SELECT tag, COUNT(DISTINCT document_id) AS n FROM document_tags GROUP BY tag ORDER BY n DESC, tag")
                .fetch_all(&self.pool)
                .await?;
            Ok(rows
                .iter()
                .map(|r| TagCount {
                    tag: r.get("tag"),
                    count: r.get::<i64, _>("n") as u64,
                })
                .collect())
        }

        async fn collections(&self) -> Result<Vec<CollectionSummary>, StoreError> {
            let rows = sqlx::query(
                "SELECT c.id, c.title, COUNT(d.id) AS n FROM collections c JOIN documents d ON d.collection_id = c.id \
                 GROUP BY c.id, c.title ORDER BY c.title COLLATE NOCASE",
            )
            .fetch_all(&self.pool)
            .await?;
            Ok(rows
                .iter()
                .map(|r| CollectionSummary {
                    id: r.get("id"),
                    title: r.get("title"),
                    count: r.get::<i64, _>("n") as u64,
                })
                .collect())
        }

        async fn graph(&self) -> Result<Graph, StoreError> {
            let documents =
                sqlx::query("SELECT id, title, collection_id FROM documents ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?;
            let mut nodes: BTreeMap<String, GraphNode> = documents
                .iter()
                .map(|r| {
                    let id: String = r.get("id");
                    (
                        id.clone(),
                        GraphNode {
                            id,
                            title: r.get("title"),
                            collection: r.get("collection_id"),
                            exists: true,
                        },
                    )
                })
                .collect();
            let rows = sqlx::query("SELECT DISTINCT source_id, target_id, kind FROM edges ORDER BY source_id, kind, target_id")
                .fetch_all(&self.pool)
                .await?;
            let mut edges = Vec::with_capacity(rows.len());
            for row in rows {
                let target: String = row.get("target_id");
                nodes.entry(target.clone()).or_insert_with(|| GraphNode {
                    id: target.clone(),
                    title: target.clone(),
                    collection: None,
                    exists: false,
                });
                edges.push(GraphEdge {
                    source: row.get("source_id"),
                    target,
                    kind: edge_kind(row.get("kind")),
                });
            }
            Ok(Graph {
                total: nodes.len() as u64,
                nodes: nodes.into_values().collect(),
                edges,
            })
        }

        async fn wanted(&self) -> Result<Vec<WantedPage>, StoreError> {
            let rows = sqlx::query(
                "SELECT DISTINCT e.target_id, s.id, s.title FROM edges e JOIN documents s ON s.id = e.source_id \
                 WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = e.target_id) \
                 ORDER BY e.target_id, s.title COLLATE NOCASE",
            )
            .fetch_all(&self.pool)
            .await?;
            let mut wanted: Vec<WantedPage> = Vec::new();
            for row in rows {
                let target: String = row.get("target_id");
                let by = Related {
                    id: row.get("id"),
                    title: row.get("title"),
                    exists: true,
                };
                match wanted.last_mut() {
                    Some(page) if page.id == target => page.wanted_by.push(by),
                    _ => wanted.push(WantedPage {
                        id: target,
                        wanted_by: vec![by],
                    }),
                }
            }
            Ok(wanted)
        }

        async fn source(&self, id: &str) -> Result<Option<SourceDocument>, StoreError> {
            Ok(self.sources_where(Some(id)).await?.pop())
        }

        async fn sources(&self) -> Result<Vec<SourceDocument>, StoreError> {
            self.sources_where(None).await
        }

        async fn search(
            &self,
            query: &str,
            tag: Option<&str>,
            collection: Option<&str>,
            limit: u64,
        ) -> Result<Vec<(DocumentSummary, String)>, StoreError> {
            use crate::documents::search::{MATCH_END, MATCH_START};
            if self.ranking_is_uninformative(query).await? {
                return self
                    .search_by_tier_and_recency(query, tag, collection, limit)
                    .await;
            }
            // Ranked in tiers, then by bm25 within a tier: every word in the title first, then in
            // the tags, then in the description, then anywhere. bm25 alone cannot promise that:
            // a word in half the notes has an inverse document frequency near zero, and then
            // column weights multiply nothing.
            //
            // Two steps, because a common word matches thousands of notes: first rank just the
            // row ids (each tier's matches computed once; filters as sets of row ids from the
            // indexes, never touching the large document rows), then cut snippets and read the
            // summaries of the few that are returned.
            let tier = |name: &str, column: &str| {
                format!(
                    "{name} AS MATERIALIZED (SELECT rowid FROM documents_fts \
                     WHERE documents_fts MATCH '{column} : (' || ?1 || ')')"
                )
            };
            let sql = format!(
                "WITH {}, {}, {}, \
                 ranked AS MATERIALIZED ( \
                     SELECT documents_fts.rowid AS rid, \
                         CASE WHEN documents_fts.rowid IN in_title THEN 0 \
                              WHEN documents_fts.rowid IN in_tags THEN 1 \
                              WHEN documents_fts.rowid IN in_description THEN 2 ELSE 3 END AS tier, \
                         bm25(documents_fts, 10.0, 5.0, 3.0, 1.0) AS score \
                     FROM documents_fts \
                     WHERE documents_fts MATCH ?1 \
                     AND (?4 IS NULL OR documents_fts.rowid IN (SELECT rowid FROM documents WHERE collection_id = ?4)) \
                     AND (?5 IS NULL OR documents_fts.rowid IN ( \
                         SELECT d.rowid FROM document_tags t JOIN documents d ON d.id = t.document_id WHERE t.tag = ?5)) \
                     ORDER BY tier, score LIMIT ?6 \
                 ) \
                 SELECT {SUMMARY_COLUMNS}, snippet(documents_fts, 3, ?2, ?3, '…', 16) AS snippet \
                 FROM ranked JOIN documents_fts ON documents_fts.rowid = ranked.rid \
                 JOIN documents d ON d.rowid = ranked.rid LEFT JOIN collections c ON c.id = d.collection_id \
                 WHERE documents_fts MATCH ?1 ORDER BY ranked.tier, ranked.score",
                tier("in_title", "title"),
                tier("in_tags", "search_tags"),
                tier("in_description", "description"),
            );
            let rows = sqlx::query(&sql)
                .bind(query)
                .bind(MATCH_START.to_string())
                .bind(MATCH_END.to_string())
                .bind(collection)
                .bind(tag)
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await?;
            rows.iter()
                .map(|r| Ok((summary(r)?, r.get::<String, _>("snippet"))))
                .collect()
        }

        async fn vocabulary_near(&self, word: &str) -> Result<Vec<(String, i64)>, StoreError> {
            let length = word.chars().count() as i64;
            let mut starts: Vec<char> = word.chars().take(2).collect();
            starts.dedup();
            let mut terms = Vec::new();
            for start in starts {
                // [start, the next character): fts5vocab answers a range from its sorted index.
                let from = start.to_string();
                let to = char::from_u32(start as u32 + 1)
                    .map_or_else(|| char::MAX.to_string().repeat(2), |next| next.to_string());
                let rows = sqlx::query(
                    "SELECT term, doc FROM documents_vocabulary \
                     WHERE term >= ?1 AND term < ?2 AND length(term) BETWEEN ?3 AND ?4",
                )
                .bind(from)
                .bind(to)
                .bind(length - 1)
                .bind(length + 1)
                .fetch_all(&self.pool)
                .await?;
                terms.extend(rows.iter().map(|r| (r.get("term"), r.get("doc"))));
            }
            Ok(terms)
        }

        async fn count_documents(&self) -> Result<u64, StoreError> {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
                .fetch_one(&self.pool)
                .await?;
            Ok(n as u64)
        }

        async fn stored_note(&self, id: &str) -> Result<Option<StoredNote>, StoreError> {
            self.stored_note_impl(id).await
        }

        async fn redirects(&self) -> Result<Vec<(String, String)>, StoreError> {
            self.redirects_impl().await
        }

        async fn redirect(&self, old_id: &str) -> Result<Option<String>, StoreError> {
            Ok(
                sqlx::query_scalar("SELECT new_id FROM redirects WHERE old_id = ?1")
                    .bind(old_id)
                    .fetch_optional(&self.pool)
                    .await?,
            )
        }

        async fn save_note(&self, save: Save<'_>) -> Result<SaveOutcome, StoreError> {
            self.save_note_impl(save).await
        }

        async fn delete_note(
            &self,
            id: &str,
            author: &str,
            rerendered: &[Rerendered],
        ) -> Result<Option<DeletedNote>, StoreError> {
            self.delete_note_impl(id, author, rerendered).await
        }

        async fn trash(&self) -> Result<Vec<DeletedNote>, StoreError> {
            self.trash_impl().await
        }

        async fn revisions(&self, id: &str) -> Result<Vec<RevisionSummary>, StoreError> {
            self.revisions_impl(id).await
        }

        async fn revision_of(
            &self,
            id: &str,
            number: u64,
        ) -> Result<Option<(Revision, String)>, StoreError> {
            self.revision_of_impl(id, number).await
        }
    }

    /// Bases smaller than this are always ranked with bm25: scoring every match is cheap there.
    const FAST_RANKING_MIN_NOTES: i64 = 1000;

    impl SqliteStore {
        /// Whether bm25 would rank `query`'s matches on almost nothing: when more than half of
        /// the notes match, every word of the query is in more than half of them, and FTS5
        /// clamps such words' inverse document frequency to a near-zero constant. Scoring
        /// thousands of matches (about 9 ms per 10,000) would then buy no real order.
        async fn ranking_is_uninformative(&self, query: &str) -> Result<bool, StoreError> {
            let notes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
                .fetch_one(&self.pool)
                .await?;
            if notes < FAST_RANKING_MIN_NOTES {
                return Ok(false);
            }
            let half = notes / 2;
            // Counting stops at half + 1: enough to know, without walking every match.
            let matches: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM documents_fts WHERE documents_fts MATCH ?1 LIMIT ?2)",
            )
            .bind(query)
            .bind(half + 1)
            .fetch_one(&self.pool)
            .await?;
            Ok(matches > half)
        }

        /// The same tiers as the bm25 ranking (title, tags, description, anywhere), newest
        /// note first within a tier: each tier is read from the index in rowid order and stops
        /// as soon as the page is full, so no match is scored.
        async fn search_by_tier_and_recency(
            &self,
            query: &str,
            tag: Option<&str>,
            collection: Option<&str>,
            limit: u64,
        ) -> Result<Vec<(DocumentSummary, String)>, StoreError> {
            use crate::documents::search::{MATCH_END, MATCH_START};
            // A tag on most notes is checked note by note as the walk finds them (it stops
            // after a page); a rarer one as the set of its notes, built once.
            let common_tag = match tag {
                Some(tag) => {
                    let (tagged, notes): (i64, i64) = sqlx::query_as(
                        "SELECT (SELECT COUNT(*) FROM document_tags WHERE tag = ?1), (SELECT COUNT(*) FROM documents)",
                    )
                    .bind(tag)
                    .fetch_one(&self.pool)
                    .await?;
                    tagged > notes / 2
                }
                None => false,
            };
            // One walk per tier, newest first, each stopping at a page. A note found in an
            // earlier tier may come again in a later one; at most as many as the earlier tiers
            // found, so each later tier still brings every note the page needs.
            let arm = |parameter: usize, tier: usize| {
                format!(
                    "SELECT * FROM (SELECT f.rowid AS r, {tier} AS tier FROM documents_fts f \
                     WHERE documents_fts MATCH ?{parameter} \
                     AND (?6 IS NULL OR +f.rowid IN collected) \
                     AND (?5 IS NULL OR CASE WHEN ?8 \
                         THEN EXISTS (SELECT 1 FROM documents d JOIN document_tags t ON t.document_id = d.id \
                                      WHERE d.rowid = f.rowid AND +t.tag = ?5) \
                         ELSE +f.rowid IN tagged END) \
                     ORDER BY f.rowid DESC LIMIT ?7)"
                )
            };
            let sql = format!(
                "WITH collected AS MATERIALIZED (SELECT rowid FROM documents WHERE collection_id = ?6), \
                 tagged AS MATERIALIZED (SELECT d.rowid FROM document_tags t JOIN documents d ON d.id = t.document_id \
                                         WHERE t.tag = ?5 AND NOT ?8) \
                 {} UNION ALL {} UNION ALL {} UNION ALL {}",
                arm(1, 0),
                arm(2, 1),
                arm(3, 2),
                arm(4, 3),
            );
            let found: Vec<(i64, i64)> = sqlx::query_as(&sql)
                .bind(format!("title : ({query})"))
                .bind(format!("search_tags : ({query})"))
                .bind(format!("description : ({query})"))
                .bind(query)
                .bind(tag)
                .bind(collection)
                .bind(limit as i64)
                .bind(common_tag)
                .fetch_all(&self.pool)
                .await?;
            let mut chosen: Vec<i64> = Vec::new();
            let mut ordered = found;
            ordered.sort_by_key(|(rowid, tier)| (*tier, std::cmp::Reverse(*rowid)));
            for (rowid, _) in ordered {
                if !chosen.contains(&rowid) && chosen.len() < limit as usize {
                    chosen.push(rowid);
                }
            }
            let rows = sqlx::query(&format!(
                "SELECT d.rowid AS rid, {SUMMARY_COLUMNS}, snippet(documents_fts, 3, ?2, ?3, '…', 16) AS snippet \
                 FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid \
                 LEFT JOIN collections c ON c.id = d.collection_id \
                 WHERE documents_fts MATCH ?1 AND documents_fts.rowid BETWEEN ?5 AND ?6 \
                 AND +documents_fts.rowid IN (SELECT value FROM json_each(?4))"
            ))
            .bind(query)
            .bind(MATCH_START.to_string())
            .bind(MATCH_END.to_string())
            .bind(encode(&chosen))
            // FTS5 narrows its walk to a rowid range, not to a list: the list's range bounds
            // the walk, and `+` keeps the list a filter on it rather than a plan of its own.
            .bind(chosen.iter().min().copied().unwrap_or(0))
            .bind(chosen.iter().max().copied().unwrap_or(-1))
            .fetch_all(&self.pool)
            .await?;
            let mut hits: Vec<(usize, (DocumentSummary, String))> = rows
                .iter()
                .map(|r| {
                    let rid: i64 = r.get("rid");
                    let position = chosen.iter().position(|c| *c == rid).unwrap_or(usize::MAX);
                    Ok((position, (summary(r)?, r.get::<String, _>("snippet"))))
                })
                .collect::<Result<_, StoreError>>()?;
            hits.sort_by_key(|(position, _)| *position);
            Ok(hits.into_iter().map(|(_, hit)| hit).collect())
        }
    }

    /// The time now, as stored: RFC 3339, UTC.
    pub(super) fn now() -> String {
        time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    /// Writes documents with their tags, edges and collections (replacing what they were),
    /// inside the caller's transaction. A written id leaves the trash and stops redirecting.
    pub(super) async fn write_records(
        conn: &mut SqliteConnection,
        upserts: &[DocumentRecord],
        now: &str,
    ) -> Result<(), StoreError> {
        // Multi-row statements in chunks: one round trip per few hundred documents instead
        // of ten per document, which is what makes a 10,000-note import take a second, not
        // minutes. Chunks keep each statement under SQLite's limit of bound variables.
        const DOCUMENTS_PER_STATEMENT: usize = 500;
        const ROWS_PER_STATEMENT: usize = 2000;

        let mut collections: BTreeMap<&str, &crate::documents::parse::Collection> = BTreeMap::new();
        for collection in upserts
            .iter()
            .filter_map(|d| d.document.collection.as_ref())
        {
            let entry = collections
                .entry(collection.id.as_str())
                .or_insert(collection);
            // A collection declared by a nested file wins over one named by a folder.
            if entry.entries.is_empty() {
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
                    .push_bind(encode(&c.entries));
            });
            query.push(
                " ON CONFLICT (id) DO UPDATE SET title = excluded.title, front_matter = \
                 CASE WHEN excluded.front_matter = '[]' THEN collections.front_matter ELSE excluded.front_matter END",
            );
            query.build().execute(&mut *conn).await?;
        }

        let ids: Vec<&str> = upserts.iter().map(|d| d.document.id.as_str()).collect();
        let paths: Vec<&str> = upserts
            .iter()
            .map(|d| d.document.source_path.as_str())
            .collect();
        // A file whose id changed replaces the document it used to be.
        sqlx::query(
            "DELETE FROM documents WHERE source_path IN (SELECT value FROM json_each(?1)) \
             AND id NOT IN (SELECT value FROM json_each(?2))",
        )
        .bind(encode(&paths))
        .bind(encode(&ids))
        .execute(&mut *conn)
        .await?;
        for table in ["document_tags WHERE document_id", "edges WHERE source_id"] {
            sqlx::query(&format!(
                "DELETE FROM {table} IN (SELECT value FROM json_each(?1))"
            ))
            .bind(encode(&ids))
            .execute(&mut *conn)
            .await?;
        }

        for chunk in upserts.chunks(DOCUMENTS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO documents (id, source_path, title, description, author, created_at, updated_at, \
                 version, sort_date, draft, collection_id, body, layout, html, headings, content_hash, \
                 imported_at, render_version, search_tags) ",
            );
            query.push_values(chunk, |mut row, record| {
                let doc = &record.document;
                row.push_bind(&doc.id)
                    .push_bind(&doc.source_path)
                    .push_bind(&doc.title)
                    .push_bind(&doc.description)
                    .push_bind(&doc.author)
                    .push_bind(&doc.created_at)
                    .push_bind(&doc.updated_at)
                    .push_bind(&doc.version)
                    .push_bind(doc.updated_at.as_ref().or(doc.created_at.as_ref()))
                    .push_bind(doc.draft)
                    .push_bind(doc.collection.as_ref().map(|c| &c.id))
                    .push_bind(&doc.body)
                    .push_bind(encode(&doc.layout))
                    .push_bind(&record.html)
                    .push_bind(encode(&record.headings))
                    .push_bind(&record.content_hash)
                    .push_bind(now)
                    .push_bind(RENDER_VERSION)
                    .push_bind(doc.tags.join(" "));
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

        let tags: Vec<(&str, i64, &str)> = upserts
            .iter()
            .flat_map(|d| {
                d.document
                    .tags
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (d.document.id.as_str(), i as i64, t.as_str()))
            })
            .collect();
        for chunk in tags.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO document_tags (document_id, position, tag) ",
            );
            query.push_values(chunk, |mut row, (id, position, tag)| {
                row.push_bind(*id).push_bind(*position).push_bind(*tag);
            });
            query.build().execute(&mut *conn).await?;
        }

        let edges: Vec<(&str, i64, &crate::documents::Edge)> = upserts
            .iter()
            .flat_map(|d| {
                d.edges
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (d.document.id.as_str(), i as i64, e))
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

    /// A revision to record.
    pub(super) struct NewRevision<'a> {
        pub(super) id: &'a str,
        pub(super) source: String,
        pub(super) source_path: &'a str,
        pub(super) author: &'a str,
        pub(super) summary: String,
    }

    /// Records each as its note's next revision and moves the note to it.
    pub(super) async fn record_revisions(
        conn: &mut SqliteConnection,
        revisions: &[NewRevision<'_>],
        now: &str,
    ) -> Result<(), StoreError> {
        const REVISIONS_PER_STATEMENT: usize = 500;
        for chunk in revisions.chunks(REVISIONS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO revisions (document_id, number, source, source_path, author, summary, created_at) ",
            );
            query.push_values(chunk, |mut row, revision| {
                row.push_bind(revision.id)
                    .push(
                        "(SELECT COALESCE(MAX(number), 0) + 1 FROM revisions WHERE document_id = ",
                    )
                    .push_bind_unseparated(revision.id)
                    .push_unseparated(")")
                    .push_bind(&revision.source)
                    .push_bind(revision.source_path)
                    .push_bind(revision.author)
                    .push_bind(&revision.summary)
                    .push_bind(now);
            });
            query.build().execute(&mut *conn).await?;
        }
        let ids: Vec<&str> = revisions.iter().map(|r| r.id).collect();
        sqlx::query(
            "UPDATE documents SET revision = (SELECT MAX(number) FROM revisions r WHERE r.document_id = documents.id) \
             WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(encode(&ids))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Stores new HTML for existing documents, made by the current renderer.
    pub(super) async fn store_html(
        conn: &mut SqliteConnection,
        rerendered: &[Rerendered],
    ) -> Result<(), StoreError> {
        for note in rerendered {
            sqlx::query(
                "UPDATE documents SET html = ?1, render_version = ?2 WHERE id = ?3 AND body = ?4",
            )
            .bind(&note.html)
            .bind(RENDER_VERSION)
            .bind(&note.id)
            .bind(&note.body)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    /// Marks the knowledge base as changed, for every replica's cache (see `crate::cache`).
    /// Called first in a write transaction, it also takes SQLite's write lock before anything
    /// is read, so what the transaction reads cannot change under it.
    pub(super) async fn bump_revision(conn: &mut SqliteConnection) -> Result<(), StoreError> {
        sqlx::query("UPDATE lore_instance SET revision = revision + 1 WHERE id = 1")
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    impl SqliteStore {
        /// What export needs of one document (`Some(id)`) or of all, ordered by path.
        async fn sources_where(&self, id: Option<&str>) -> Result<Vec<SourceDocument>, StoreError> {
            let rows = sqlx::query("SELECT id, source_path, layout, body FROM documents WHERE ?1 IS NULL OR id = ?1 ORDER BY source_path")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(SourceDocument {
                        id: r.get("id"),
                        source_path: r.get("source_path"),
                        layout: json(r.get::<&str, _>("layout"))?,
                        body: r.get("body"),
                    })
                })
                .collect()
        }
    }

    fn edge_kind(kind: &str) -> EdgeKind {
        match kind {
            "prerequisite" => EdgeKind::Prerequisite,
            "successor" => EdgeKind::Successor,
            "related" => EdgeKind::Related,
            _ => EdgeKind::Link,
        }
    }
}
