//! The storage primitives in SQL, written once for both engines.
//!
//! SQLite and PostgreSQL speak nearly the same SQL. What differs is small and named in
//! [`Dialect`]: how a list is bound as one parameter, how text is ordered without regard to
//! case, how a unique key's violation is told apart, how a write transaction begins. Every
//! statement here is built with [`Sql`], which writes each engine's placeholders,
//! so one text serves both. Full-text search is the one thing each engine does its own way
//! ([`EngineSearch`], in `sqlite/` and `postgres/`), with its own index and query language;
//! how its answers are ranked is written once.
//!
//! - this file: the dialect, [`SqlStore`], and every read;
//! - [`write`]: the transaction and its writes;
//! - [`search`]: the ranking in tiers both engines share.

/// An `impl` block generic over a [`Dialect`] `D`, with the bounds every use of one needs: which
/// Rust values an engine binds and reads, and that its connections run statements. (Rust does
/// not carry a trait's `where` clauses over to the code that uses it, so without this they would
/// be written out on every block.)
macro_rules! over_dialect {
    ($(#[$meta:meta])* impl $($rest:tt)*) => {
        over_dialect!(@header [$(#[$meta])*] [] $($rest)*);
    };
    (@header [$($meta:tt)*] [$($header:tt)*] where [$($extra:tt)*] { $($body:tt)* }) => {
        over_dialect!(@impl [$($meta)*] [$($header)*] [$($extra)*] { $($body)* });
    };
    (@header [$($meta:tt)*] [$($header:tt)*] { $($body:tt)* }) => {
        over_dialect!(@impl [$($meta)*] [$($header)*] [] { $($body)* });
    };
    (@header [$($meta:tt)*] [$($header:tt)*] $next:tt $($rest:tt)*) => {
        over_dialect!(@header [$($meta)*] [$($header)* $next] $($rest)*);
    };
    (@impl [$($meta:tt)*] [$($header:tt)*] [$($extra:tt)*] { $($body:tt)* }) => {
        $($meta)* impl $($header)*
        where
            for<'c> &'c mut <D as sqlx::Database>::Connection: sqlx::Executor<'c, Database = D>,
            for<'q> <D as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, D>,
            for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
            for<'q> Option<&'q str>: sqlx::Encode<'q, D> + sqlx::Type<D>,
            for<'q> i64: sqlx::Encode<'q, D> + sqlx::Type<D>,
            for<'q> Option<i64>: sqlx::Encode<'q, D> + sqlx::Type<D>,
            for<'q> bool: sqlx::Encode<'q, D> + sqlx::Type<D>,
            for<'q> &'q [u8]: sqlx::Encode<'q, D> + sqlx::Type<D>,
            for<'r> Vec<u8>: sqlx::Decode<'r, D> + sqlx::Type<D>,
            for<'r> String: sqlx::Decode<'r, D> + sqlx::Type<D>,
            for<'r> Option<String>: sqlx::Decode<'r, D> + sqlx::Type<D>,
            for<'r> i64: sqlx::Decode<'r, D>,
            for<'r> Option<i64>: sqlx::Decode<'r, D>,
            for<'r> bool: sqlx::Decode<'r, D>,
            for<'r> &'r str: sqlx::ColumnIndex<<D as sqlx::Database>::Row>,
            usize: sqlx::ColumnIndex<<D as sqlx::Database>::Row>,
            $($extra)*
        {
            $($body)*
        }
    };
}

mod accounts;
mod search;
mod statement;
mod write;

use super::{
    AttachmentRecord, DocumentRow, Dump, DumpedRevision, KnownDocument, NoteRecord, OutgoingEdge,
    SearchRequest, SearchRow, SourceDocument, Store, StoreError, StoredAttachment, StoredBody,
    StoredNote, Taken, Transaction, TrashedNote, edge_kind, graph_of, wanted_of,
};
use app::contract::{
    CollectionRef, CollectionSummary, DeletedNote, DocumentQuery, DocumentSort, DocumentSummary,
    Graph, Heading, Page, Related, RevisionSummary, TagCount, WantedPage,
};
use sqlx::{Database, FromRow, Pool};
use std::collections::HashMap;

pub use search::{EngineSearch, Tier, VocabularyCache, one_tier_at_a_time};
pub(super) use statement::Sql;
pub use statement::Value;
pub(in crate::store) use statement::column_count;
pub use write::SqlTransaction;

/// What the two engines' SQL does differently.
pub trait Dialect: Database {
    /// Which engine this is, as `/api/ready` reports it.
    const KIND: &'static str;

    /// How a write transaction begins.
    const BEGIN: &'static str;

    /// What ends a `SELECT` so that the rows it reads stay this transaction's to change until
    /// it ends: other writers wait, then read them as changed.
    const LOCK_ROWS: &'static str;

    /// How many values one statement may bind.
    const MAX_BIND_VALUES: usize;

    /// Statements run in a transaction once the notes it has written and is about to write
    /// reach [`write::LARGE_WRITE_NOTES`]: settings for a bulk write, which last until the
    /// transaction ends.
    const BEFORE_LARGE_WRITE: &'static [&'static str];

    /// Statements run once a transaction that wrote at least [`write::LARGE_WRITE_NOTES`] notes has
    /// committed, so that the searches after an import do not pay for tidying what it left; all
    /// at once, each on a connection of its own.
    const AFTER_LARGE_WRITE: &'static [&'static str];

    /// Statements run on a connection of their own while a large write goes on, after each
    /// batch of notes it writes (one run at a time): tidying that needs no transaction and can
    /// use a core the writing one leaves idle.
    const DURING_LARGE_WRITE: &'static [&'static str];

    /// A membership test of a list bound as one value: the text before and after its
    /// placeholder, and the value (JSON for SQLite, an array for PostgreSQL).
    fn in_list<'v>(values: &[&'v str]) -> (&'static str, Value<'v>, &'static str);

    /// Adds a [`Value::List`] to `arguments`.
    fn add_list<'q>(
        arguments: &mut <Self as Database>::Arguments<'q>,
        values: &[&'q str],
    ) -> Result<(), sqlx::error::BoxDynError>;

    /// The placeholder of the `n`th value (from 1).
    fn placeholder(n: usize) -> String;

    /// `expression` ordered without regard to case.
    fn nocase(expression: &str) -> String;

    /// `expression` ordered by its bytes.
    fn binary(expression: &str) -> String;

    /// How many rows a statement changed.
    fn rows_affected(result: &<Self as Database>::QueryResult) -> u64;

    /// The unique key of notes that `error` broke: their id, or their path.
    fn taken_by(error: &sqlx::Error) -> Option<Taken>;

    /// What a store keeps for [`Self::index_rows`] from one import to the next.
    type IndexBuilding: Default + std::fmt::Debug + Send + Sync + 'static;

    /// What [`Self::index_rows`] builds for [`Self::write_index_rows`].
    type IndexRows: Send;

    /// Before an import writes `notes`: their search index rows, when the engine takes them
    /// from Lore rather than building them itself as the notes are written.
    fn index_rows(
        tx: &mut <Self as Database>::Connection,
        building: &std::sync::Arc<Self::IndexBuilding>,
        notes: &[NoteRecord],
    ) -> impl Future<Output = Result<Option<Self::IndexRows>, StoreError>> + Send;

    /// What the rows a transaction wrote add to the search index's vocabulary, kept by
    /// [`Self::write_index_rows`] for [`Self::count_index_rows`].
    type IndexCounts: Default + Send;

    /// Stores the rows [`Self::index_rows`] built, once their notes are written, and adds
    /// their words to `counts`.
    fn write_index_rows(
        tx: &mut <Self as Database>::Connection,
        rows: Self::IndexRows,
        counts: &mut Self::IndexCounts,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds `counts` to the vocabulary, once, as the transaction that wrote the rows commits:
    /// one upsert for all of an import's batches rather than one each, so that a word the
    /// batches share is written once.
    fn count_index_rows(
        tx: &mut <Self as Database>::Connection,
        counts: Self::IndexCounts,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Once notes are written with their tags and collections, for an engine whose search
    /// index Lore writes rather than triggers (PostgreSQL's): indexes those of the notes
    /// `written` that have no index row (the new notes whose rows Lore does not give, a note
    /// claimed empty and then written), and brings up to date the copy of the tags and
    /// collection that the index keeps of the notes `stored` (PostgreSQL's `filters`) where
    /// the triggers did not.
    fn index_written(
        tx: &mut <Self as Database>::Connection,
        written: &[&str],
        stored: &[&str],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Inserts new rows into `table`: `values` holds them, a value for each of `columns`
    /// (comma-separated, as `document_id, number`) to a row. The statement fails if a row's key
    /// is taken; rows that may be there already are upserted instead. SQLite binds them in
    /// multi-row `INSERT`s ([`Sql::insert_values`]); PostgreSQL streams them with `COPY`.
    fn insert_rows(
        tx: &mut <Self as Database>::Connection,
        table: &str,
        columns: &str,
        values: &[Value<'_>],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A database of either engine behind a connection pool.
#[derive(Debug)]
pub struct SqlStore<D: Dialect> {
    pub(super) pool: Pool<D>,
    /// The index's vocabulary as last read, for spelling suggestions.
    pub(super) vocabulary: std::sync::Arc<VocabularyCache>,
    /// What the engine keeps to build imported notes' search index rows.
    pub(super) index_building: std::sync::Arc<D::IndexBuilding>,
}

impl<D: Dialect> SqlStore<D> {
    /// A store over `pool`, whose schema is up to date.
    pub(super) fn over(pool: Pool<D>) -> Self {
        Self {
            pool,
            vocabulary: Default::default(),
            index_building: Default::default(),
        }
    }
}

impl<D: Dialect> Clone for SqlStore<D> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            vocabulary: self.vocabulary.clone(),
            index_building: self.index_building.clone(),
        }
    }
}

/// Decodes a JSON column, or reports the database as corrupt.
pub(super) fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A note as a listing shows it, less its tags (read after, for the few shown).
#[derive(FromRow)]
struct SummaryRow {
    id: String,
    title: String,
    description: Option<String>,
    collection_id: Option<String>,
    collection_title: Option<String>,
    sort_date: Option<String>,
    draft: bool,
}

/// The columns of a [`SummaryRow`], from `documents d` joined to `collections c`.
const SUMMARY: &str = "d.id, d.title, d.description, d.collection_id, c.title AS collection_title, \
     d.sort_date, d.draft";

/// A note with what its page shows beyond its summary.
#[derive(FromRow)]
struct DocumentRowParts {
    #[sqlx(flatten)]
    summary: SummaryRow,
    author: Option<String>,
    created_at: Option<String>,
    version: Option<String>,
    html: String,
    headings: String,
    source_path: String,
}

/// A note's file and the revision it is at.
#[derive(FromRow)]
struct StoredRow {
    id: String,
    source_path: String,
    layout_json: String,
    body: String,
    revision: i64,
}

/// A note as stored, less its tags and edges (read after).
#[derive(FromRow)]
struct DumpedRow {
    id: String,
    source_path: String,
    title: String,
    description: Option<String>,
    author: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    version: Option<String>,
    draft: bool,
    collection_id: Option<String>,
    collection_title: Option<String>,
    collection_front_matter: Option<String>,
    body: String,
    layout: String,
    html: String,
    plain_text: String,
    headings: String,
    content_hash: String,
    render_version: i64,
    revision: i64,
    name_key: Option<String>,
}

over_dialect! {
impl<D: Dialect> SqlStore<D> {
    /// The tags of each of `ids`, in order.
    async fn tags_of(&self, ids: &[&str]) -> Result<HashMap<String, Vec<String>>, StoreError> {
        let mut query = Sql::new("SELECT document_id, tag FROM document_tags WHERE document_id");
        query.push_in(ids);
        query.push(" ORDER BY document_id, position");
        let rows: Vec<(String, String)> = query.fetch_all(&self.pool).await?;
        let mut tags: HashMap<String, Vec<String>> = HashMap::new();
        for (id, tag) in rows {
            tags.entry(id).or_default().push(tag);
        }
        Ok(tags)
    }

    /// Summaries of `rows`, their tags read in one more query.
    async fn summaries(&self, rows: Vec<SummaryRow>) -> Result<Vec<DocumentSummary>, StoreError> {
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let mut tags = self.tags_of(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| DocumentSummary {
                tags: tags.remove(&row.id).unwrap_or_default(),
                collection: row
                    .collection_id
                    .zip(row.collection_title)
                    .map(|(id, title)| CollectionRef { id, title }),
                id: row.id,
                title: row.title,
                description: row.description,
                updated_at: row.sort_date,
                draft: row.draft,
            })
            .collect())
    }

    /// Summaries of the notes of `ids`, in that order: how search hits are read.
    pub(super) async fn summaries_of(
        &self,
        ids: &[&str],
    ) -> Result<Vec<DocumentSummary>, StoreError> {
        let mut query = Sql::new(format!(
            "SELECT {SUMMARY} FROM documents d LEFT JOIN collections c ON c.id = d.collection_id WHERE d.id"
        ));
        query.push_in(ids);
        let rows: Vec<SummaryRow> = query.fetch_all(&self.pool).await?;
        let mut summaries: HashMap<String, DocumentSummary> = self
            .summaries(rows)
            .await?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
        Ok(ids.iter().filter_map(|id| summaries.remove(*id)).collect())
    }

    /// Search hits as `(id, snippet)`, best first, with their summaries.
    pub(super) async fn search_rows(
        &self,
        hits: Vec<(String, String)>,
    ) -> Result<Vec<SearchRow>, StoreError> {
        let ids: Vec<&str> = hits.iter().map(|(id, _)| id.as_str()).collect();
        let mut snippets: HashMap<String, String> = hits.iter().cloned().collect();
        Ok(self
            .summaries_of(&ids)
            .await?
            .into_iter()
            .map(|document| SearchRow {
                snippet: snippets.remove(&document.id).unwrap_or_default(),
                document,
            })
            .collect())
    }

    /// Notes whose source rows match what `query` appended after `WHERE`.
    async fn sources_where<'a>(
        &self,
        condition: impl FnOnce(&mut Sql<'a, D>),
    ) -> Result<Vec<SourceDocument>, StoreError> {
        let mut query =
            Sql::new("SELECT id, source_path, layout AS layout_json, body FROM documents WHERE ");
        condition(&mut query);
        query.fetch_all(&self.pool).await
    }
}
}

/// Lists of ids as borrowed strings, as [`Sql::push_in`] takes them.
fn strs(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

over_dialect! {
#[async_trait::async_trait]
impl<D: Dialect> Store for SqlStore<D>
where [SqlStore<D>: EngineSearch + super::accounts::Accounts, SqlTransaction<D>: Transaction,]
{
    fn kind(&self) -> &'static str {
        D::KIND
    }

    fn accounts(&self) -> &dyn super::accounts::Accounts {
        self
    }

    async fn check_ready(&self) -> Result<(), StoreError> {
        // Reading the instance row proves both that the database answers and that migrations
        // ran.
        Sql::<D>::new("SELECT created_at FROM lore_instance WHERE id = 1")
            .fetch_one::<(String,)>(&self.pool)
            .await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn revision(&self) -> Result<i64, StoreError> {
        let (revision,): (i64,) = Sql::<D>::new("SELECT revision FROM lore_instance WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(revision)
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        Ok(Box::new(SqlTransaction::<D> {
            tx: self.pool.begin_with(D::BEGIN).await?,
            pool: self.pool.clone(),
            notes_written: 0,
            tidying: None,
            index_building: self.index_building.clone(),
            index_counts: Default::default(),
        }))
    }

    async fn count_documents(&self) -> Result<u64, StoreError> {
        let (n,): (i64,) = Sql::<D>::new("SELECT COUNT(*) FROM documents")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    async fn known_documents(&self) -> Result<Vec<KnownDocument>, StoreError> {
        Ok(
            Sql::<D>::new("SELECT id, source_path, content_hash FROM documents")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn locate(
        &self,
        ids: &[String],
        paths: &[String],
        names: &[String],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut query = Sql::<D>::new("SELECT id, source_path FROM documents WHERE id");
        query.push_in(&strs(ids));
        query.push(" UNION SELECT id, source_path FROM documents WHERE source_path");
        query.push_in(&strs(paths));
        if !names.is_empty() {
            query.push(" UNION SELECT id, source_path FROM documents WHERE name_key");
            query.push_in(&strs(names));
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    async fn layouts_at(&self, paths: &[String]) -> Result<Vec<(String, String)>, StoreError> {
        let mut query = Sql::<D>::new("SELECT source_path, layout FROM documents WHERE source_path");
        query.push_in(&strs(paths));
        Ok(query.fetch_all(&self.pool).await?)
    }

    async fn unnamed(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(
            Sql::<D>::new("SELECT id, source_path FROM documents WHERE name_key IS NULL")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn bodies_linking_to(&self, ids: &[String]) -> Result<Vec<StoredBody>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = Sql::<D>::new(
            "SELECT DISTINCT d.id, d.source_path, d.body, d.layout AS layout_json FROM documents d \
             JOIN edges e ON e.source_id = d.id WHERE e.kind = 'link' AND e.target_id",
        );
        query.push_in(&strs(ids));
        Ok(query.fetch_all(&self.pool).await?)
    }

    async fn stale_bodies(&self, version: i64) -> Result<Vec<StoredBody>, StoreError> {
        let mut query =
            Sql::<D>::new("SELECT id, source_path, body, layout AS layout_json FROM documents WHERE render_version < ");
        query.push_bind(version);
        Ok(query.fetch_all(&self.pool).await?)
    }

    async fn list_documents(
        &self,
        query: &DocumentQuery,
    ) -> Result<Page<DocumentSummary>, StoreError> {
        let limit = query.limit.unwrap_or(50).clamp(1, 200);
        let offset = query.offset.unwrap_or(0);
        let filtered = |select: &str| {
            let mut sql = Sql::<D>::new(select);
            sql.push(" WHERE 1 = 1");
            if let Some(collection) = &query.collection {
                sql.push(" AND d.collection_id = ")
                    .push_bind(collection.as_str());
            }
            if let Some(tag) = &query.tag {
                sql.push(" AND d.id IN (SELECT document_id FROM document_tags WHERE tag = ")
                    .push_bind(tag.as_str())
                    .push(")");
            }
            sql
        };
        let order = match query.sort.unwrap_or_default() {
            DocumentSort::Title => format!("{}, d.id", D::nocase("d.title")),
            DocumentSort::Updated => format!(
                "d.sort_date IS NULL, d.sort_date DESC, {}",
                D::nocase("d.title")
            ),
        };
        let mut rows = filtered(&format!(
            "SELECT {SUMMARY} FROM documents d LEFT JOIN collections c ON c.id = d.collection_id"
        ));
        rows.push(format!(" ORDER BY {order} LIMIT "))
            .push_bind(limit as i64)
            .push(" OFFSET ")
            .push_bind(offset as i64);
        let rows: Vec<SummaryRow> = rows.fetch_all(&self.pool).await?;
        let (total,): (i64,) = filtered("SELECT COUNT(*) FROM documents d")
            .fetch_one(&self.pool)
            .await?;
        Ok(Page {
            items: self.summaries(rows).await?,
            total: total as u64,
            offset,
            limit,
        })
    }

    async fn document(&self, id: &str) -> Result<Option<DocumentRow>, StoreError> {
        let mut query = Sql::<D>::new(format!(
            "SELECT {SUMMARY}, d.author, d.created_at, d.version, d.html, d.headings, d.source_path \
             FROM documents d LEFT JOIN collections c ON c.id = d.collection_id WHERE d.id = "
        ));
        query.push_bind(id);
        let Some(row) = query.fetch_optional::<DocumentRowParts>(&self.pool).await? else {
            return Ok(None);
        };
        let headings: Vec<Heading> = json(&row.headings)?;
        Ok(Some(DocumentRow {
            summary: self.summaries(vec![row.summary]).await?.remove(0),
            author: row.author,
            created_at: row.created_at,
            version: row.version,
            html: row.html,
            headings,
            source_path: row.source_path,
        }))
    }

    async fn outgoing(&self, id: &str) -> Result<Vec<OutgoingEdge>, StoreError> {
        let mut query = Sql::<D>::new(
            "SELECT e.kind, e.target_id, e.target_ref, t.title FROM edges e \
             LEFT JOIN documents t ON t.id = e.target_id WHERE e.kind <> 'link' AND e.source_id = ",
        );
        query.push_bind(id).push(" ORDER BY e.position");
        Ok(query.fetch_all(&self.pool).await?)
    }

    async fn backlinks(&self, id: &str) -> Result<Vec<Related>, StoreError> {
        let mut query = Sql::<D>::new(
            "SELECT id, title FROM (SELECT DISTINCT s.id, s.title FROM edges e \
                 JOIN documents s ON s.id = e.source_id WHERE e.target_id = ",
        );
        query
            .push_bind(id)
            .push(" AND e.source_id <> ")
            .push_bind(id)
            .push(format!(") n ORDER BY {}", D::nocase("title")));
        let rows: Vec<(String, String)> = query.fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(id, title)| Related {
                id,
                title,
                exists: true,
            })
            .collect())
    }

    async fn prerequisite_closure(
        &self,
        id: &str,
    ) -> Result<HashMap<String, Vec<String>>, StoreError> {
        // UNION (not UNION ALL) drops ids already reached, so a cycle ends the recursion.
        let mut query = Sql::<D>::new("WITH RECURSIVE reached (id) AS (SELECT CAST(");
        query.push_bind(id).push(
            " AS TEXT) UNION SELECT e.target_id FROM edges e JOIN reached r ON e.source_id = r.id \
             WHERE e.kind = 'prerequisite') \
             SELECT e.source_id, e.target_id FROM edges e JOIN reached r ON e.source_id = r.id \
             WHERE e.kind = 'prerequisite' ORDER BY e.source_id, e.position",
        );
        let rows: Vec<(String, String)> = query.fetch_all(&self.pool).await?;
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (source, target) in rows {
            map.entry(source).or_default().push(target);
        }
        Ok(map)
    }

    async fn titles(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
        let mut query = Sql::<D>::new("SELECT id, title FROM documents WHERE id");
        query.push_in(&strs(ids));
        let rows: Vec<(String, String)> = query.fetch_all(&self.pool).await?;
        Ok(rows.into_iter().collect())
    }

    async fn tags(&self) -> Result<Vec<TagCount>, StoreError> {
        let rows: Vec<(String, i64)> = Sql::<D>::new(format!(
            "SELECT tag, COUNT(DISTINCT document_id) AS n FROM document_tags GROUP BY tag \
             ORDER BY n DESC, {}",
            D::binary("tag")
        ))
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
        let rows: Vec<(String, String, i64)> = Sql::<D>::new(format!(
            "SELECT c.id, c.title, COUNT(d.id) AS n FROM collections c JOIN documents d ON d.collection_id = c.id \
             GROUP BY c.id, c.title ORDER BY {}",
            D::nocase("c.title")
        ))
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
        let notes: Vec<(String, String, Option<String>)> = Sql::<D>::new(format!(
            "SELECT id, title, collection_id FROM documents ORDER BY {}",
            D::binary("id")
        ))
        .fetch_all(&self.pool)
        .await?;
        let edges: Vec<(String, String, String)> = Sql::<D>::new(format!(
            "SELECT source_id, target_id, kind FROM (SELECT DISTINCT source_id, target_id, kind FROM edges) e \
             ORDER BY {}, kind, {}",
            D::binary("source_id"),
            D::binary("target_id")
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(graph_of(notes, edges))
    }

    async fn wanted(&self) -> Result<Vec<WantedPage>, StoreError> {
        let rows: Vec<(String, String, String)> = Sql::<D>::new(format!(
            "SELECT target_id, id, title FROM (SELECT DISTINCT e.target_id, s.id, s.title FROM edges e \
                 JOIN documents s ON s.id = e.source_id \
                 WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = e.target_id)) w \
             ORDER BY {}, {}",
            D::binary("target_id"),
            D::nocase("title")
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut wanted = wanted_of(rows, false);
        let mut query = Sql::<D>::new(format!(
            "SELECT substr(f.name, {}), d.id, d.title FROM link_names f \
             JOIN documents d ON d.id = f.document_id WHERE substr(f.name, 1, {}) = ",
            super::MISSING_FILE.len() + 1,
            super::MISSING_FILE.len()
        ));
        query.push_bind(super::MISSING_FILE).push(format!(
            " ORDER BY {}, {}",
            D::binary("f.name"),
            D::nocase("d.title")
        ));
        let rows: Vec<(String, String, String)> = query.fetch_all(&self.pool).await?;
        wanted.extend(wanted_of(rows, true));
        Ok(wanted)
    }

    async fn source(&self, id: &str) -> Result<Option<SourceDocument>, StoreError> {
        Ok(self
            .sources_where(|q| {
                q.push("id = ").push_bind(id);
            })
            .await?
            .pop())
    }

    async fn sources(&self) -> Result<Vec<SourceDocument>, StoreError> {
        self.sources_where(|q| {
            q.push(format!("1 = 1 ORDER BY {}", D::binary("source_path")));
        })
        .await
    }

    async fn stored_note(&self, id: &str) -> Result<Option<StoredNote>, StoreError> {
        // One statement: the file and the revision it is must be read together, or a save
        // made between two reads would pair one revision's number with another's text.
        let mut query = Sql::<D>::new(
            "SELECT id, source_path, layout AS layout_json, body, revision FROM documents WHERE id = ",
        );
        query.push_bind(id);
        let row: Option<StoredRow> = query.fetch_optional(&self.pool).await?;
        Ok(row.map(|row| StoredNote {
            source: SourceDocument {
                id: row.id,
                source_path: row.source_path,
                layout_json: row.layout_json,
                body: row.body,
            },
            revision: row.revision,
        }))
    }

    async fn redirects(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(Sql::<D>::new(format!(
            "SELECT old_id, new_id FROM redirects ORDER BY {}",
            D::binary("old_id")
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn redirects_of(&self, old_ids: &[String]) -> Result<Vec<(String, String)>, StoreError> {
        let mut query = Sql::<D>::new("SELECT old_id, new_id FROM redirects WHERE old_id");
        query.push_in(&strs(old_ids));
        query.push(format!(" ORDER BY {}", D::binary("old_id")));
        Ok(query.fetch_all(&self.pool).await?)
    }

    async fn trash(&self) -> Result<Vec<DeletedNote>, StoreError> {
        let rows: Vec<TrashedNote> = Sql::<D>::new(format!(
            "SELECT id, title, source_path, deleted_at, deleted_by, layout FROM deleted_documents \
             ORDER BY deleted_at DESC, {}",
            D::binary("id")
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(DeletedNote::from).collect())
    }

    async fn trashed(&self, id: &str) -> Result<Option<TrashedNote>, StoreError> {
        let mut query = Sql::<D>::new(
            "SELECT id, title, source_path, deleted_at, deleted_by, layout FROM deleted_documents WHERE id = ",
        );
        query.push_bind(id);
        Ok(query.fetch_optional(&self.pool).await?)
    }

    async fn revisions(&self, id: &str) -> Result<Vec<RevisionSummary>, StoreError> {
        let mut query = Sql::<D>::new(
            "SELECT number, author, created_at, summary FROM revisions WHERE document_id = ",
        );
        query.push_bind(id).push(" ORDER BY number DESC");
        let rows: Vec<(i64, String, String, String)> = query.fetch_all(&self.pool).await?;
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
        let mut query = Sql::<D>::new(
            "SELECT document_id, number, source, source_path, author, summary, created_at \
             FROM revisions WHERE document_id = ",
        );
        query.push_bind(id);
        if number > 0 {
            query.push(" AND number = ").push_bind(number as i64);
        }
        query.push(" ORDER BY number DESC LIMIT 1");
        Ok(query.fetch_optional(&self.pool).await?)
    }

    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchRow>, StoreError> {
        let hits = search::ranked(self, request).await?;
        self.search_rows(hits).await
    }

    async fn vocabulary_near(&self, word: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let revision = self.revision().await?;
        search::vocabulary_near(self, &self.vocabulary, revision, word).await
    }

    async fn without_history(&self) -> Result<Vec<SourceDocument>, StoreError> {
        self.sources_where(|q| {
            q.push("NOT EXISTS (SELECT 1 FROM revisions r WHERE r.document_id = documents.id)");
        })
        .await
    }

    async fn dump(&self) -> Result<Dump, StoreError> {
        let notes: Vec<DumpedRow> = Sql::<D>::new(format!(
            "SELECT d.id, d.source_path, d.title, d.description, d.author, d.created_at, d.updated_at, \
                 d.version, d.draft, d.collection_id, c.title AS collection_title, \
                 c.front_matter AS collection_front_matter, d.body, d.layout, d.html, d.plain_text, d.headings, \
                 d.content_hash, d.render_version, d.revision, d.name_key \
             FROM documents d LEFT JOIN collections c ON c.id = d.collection_id ORDER BY {}",
            D::binary("d.id")
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut tags: HashMap<String, Vec<String>> = HashMap::new();
        let rows: Vec<(String, String)> = Sql::<D>::new(
            "SELECT document_id, tag FROM document_tags ORDER BY document_id, position",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, tag) in rows {
            tags.entry(id).or_default().push(tag);
        }
        let mut edges: HashMap<String, Vec<super::EdgeRecord>> = HashMap::new();
        let rows: Vec<(String, String, String, String)> = Sql::<D>::new(
            "SELECT source_id, kind, target_id, target_ref FROM edges ORDER BY source_id, position",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, kind, target_id, target_ref) in rows {
            edges.entry(id).or_default().push(super::EdgeRecord {
                kind: edge_kind(&kind),
                target_id,
                target_ref,
            });
        }
        let mut names: HashMap<String, Vec<String>> = HashMap::new();
        let rows: Vec<(String, String)> = Sql::<D>::new(format!(
            "SELECT document_id, name FROM link_names ORDER BY document_id, {}",
            D::binary("name")
        ))
        .fetch_all(&self.pool)
        .await?;
        for (id, name) in rows {
            names.entry(id).or_default().push(name);
        }
        let mut dump = Dump::default();
        for row in notes {
            dump.note_revisions.push((row.id.clone(), row.revision));
            dump.notes.push(NoteRecord {
                tags: tags.remove(&row.id).unwrap_or_default(),
                edges: edges.remove(&row.id).unwrap_or_default(),
                link_names: names.remove(&row.id).unwrap_or_default(),
                collection: row.collection_id.map(|id| super::CollectionRecord {
                    id,
                    title: row.collection_title.unwrap_or_default(),
                    front_matter_json: row.collection_front_matter.unwrap_or_default(),
                }),
                headings: json(&row.headings)?,
                id: row.id,
                source_path: row.source_path,
                name_key: row.name_key,
                title: row.title,
                description: row.description,
                author: row.author,
                created_at: row.created_at,
                updated_at: row.updated_at,
                version: row.version,
                draft: row.draft,
                body: row.body,
                layout_json: row.layout,
                html: row.html,
                plain_text: row.plain_text,
                content_hash: row.content_hash,
                render_version: row.render_version,
            });
        }
        dump.revisions = Sql::<D>::new(format!(
            "SELECT document_id, number, source, source_path, author, summary, created_at \
             FROM revisions ORDER BY {}, number",
            D::binary("document_id")
        ))
        .fetch_all(&self.pool)
        .await?;
        dump.trash = Sql::<D>::new(format!(
            "SELECT id, title, source_path, deleted_at, deleted_by, layout FROM deleted_documents ORDER BY {}",
            D::binary("id")
        ))
        .fetch_all(&self.pool)
        .await?;
        dump.redirects = self.redirects().await?;
        dump.attachments = self.attachments().await?;
        Ok(dump)
    }

    async fn attachment_index(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(Sql::<D>::new(format!(
            "SELECT path, hash FROM attachments ORDER BY {}",
            D::binary("path")
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn attachment(&self, path: &str) -> Result<Option<StoredAttachment>, StoreError> {
        let mut query =
            Sql::<D>::new("SELECT path, hash, size, content_type FROM attachments WHERE path = ");
        query.push_bind(path);
        Ok(query.fetch_optional(&self.pool).await?)
    }

    async fn attachment_bytes(
        &self,
        hash: &str,
        start: u64,
        length: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        // `substr` counts from 1, in bytes for a blob; PostgreSQL reads only the stored chunks
        // the range covers (the column is kept uncompressed), so a seek in a video is cheap.
        // (PostgreSQL's `substr` of bytes takes 32-bit numbers; attachments are far smaller.)
        let int = |n: u64| n.min(i32::MAX as u64) as i64;
        let mut query = Sql::<D>::new("SELECT substr(bytes, CAST(");
        query
            .push_bind(int(start.saturating_add(1)))
            .push(" AS INTEGER), CAST(")
            .push_bind(int(length))
            .push(" AS INTEGER)) FROM attachment_blobs WHERE hash = ")
            .push_bind(hash);
        let row: Option<(Vec<u8>,)> = query.fetch_optional(&self.pool).await?;
        Ok(row.map(|(bytes,)| bytes))
    }

    async fn attachments(&self) -> Result<Vec<AttachmentRecord>, StoreError> {
        Ok(Sql::<D>::new(format!(
            "SELECT a.path, a.hash, a.content_type, b.bytes FROM attachments a \
             JOIN attachment_blobs b ON b.hash = a.hash ORDER BY {}",
            D::binary("a.path")
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn bodies_naming(&self, names: &[String]) -> Result<Vec<StoredBody>, StoreError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = Sql::<D>::new(
            "SELECT DISTINCT d.id, d.source_path, d.body, d.layout AS layout_json FROM documents d \
             JOIN link_names f ON f.document_id = d.id WHERE f.name",
        );
        query.push_in(&strs(names));
        Ok(query.fetch_all(&self.pool).await?)
    }
}
}
