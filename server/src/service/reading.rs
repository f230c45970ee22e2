//! Reading the knowledge base: notes with their reading paths, lists, the graph, wanted pages,
//! a note's file, and the whole base as files.

use super::Service;
use crate::cache::CachedJson;
use crate::documents::embeds;
use crate::documents::export::{ExportFile, to_markdown};
use crate::documents::parse::Layout;
use crate::documents::reading_path::reading_path;
use crate::error::ApiError;
use crate::store::{AttachmentRecord, SourceDocument, StoreError, StoredAttachment};
use app::contract::{
    CollectionSummary, DocumentQuery, DocumentSummary, DocumentView, Graph, GraphQuery,
    HelloResponse, Page, ReadyResponse, Related, TagCount, WantedPage,
};
use std::collections::{HashMap, HashSet};

/// A note asked for by id: here it is, or it was renamed and lives at another id now.
pub enum Found {
    /// The note, as the JSON `GET /api/documents/{id}` answers (possibly from the cache).
    Here(CachedJson<DocumentView>),
    /// The id a note was renamed away from, and the id it has now.
    Moved(String),
}

/// What one read has drawn of the notes its note embeds (see [`Service::draw_embeds`]).
#[derive(Default)]
struct Drawing {
    /// Embeds drawn.
    count: usize,
    /// HTML they added.
    bytes: usize,
    /// The notes read, by id (`None`: no such note).
    read: HashMap<String, Option<std::sync::Arc<String>>>,
}

/// A note's file, to download.
pub struct RawFile {
    /// Its file name (the last part of its path).
    pub file_name: String,
    /// The whole file.
    pub text: String,
}

impl Service {
    /// The greeting: the seed note's Flask example (`return 'Hello, client!'`), typed.
    pub fn hello(&self) -> HelloResponse {
        HelloResponse {
            text: "Hello, client!".to_owned(),
        }
    }

    /// Whether the database answers with its schema in place.
    pub async fn ready(&self) -> Result<ReadyResponse, ApiError> {
        if self.state.replica.is_draining() {
            return Err(ApiError::Draining);
        }
        self.store()
            .check_ready()
            .await
            .map_err(ApiError::DatabaseUnavailable)?;
        Ok(ReadyResponse {
            status: "ready".to_owned(),
            database: self.store().kind().to_owned(),
        })
    }

    /// A page of notes.
    pub async fn documents(
        &self,
        query: &DocumentQuery,
    ) -> Result<Page<DocumentSummary>, ApiError> {
        if let Some(limit) = query.limit
            && !(1..=200).contains(&limit)
        {
            return Err(ApiError::BadRequest(format!(
                "limit must be between 1 and 200, not {limit}"
            )));
        }
        Ok(self.store().list_documents(query).await?)
    }

    /// The note `id` as its JSON, from this replica's cache when it can be (see
    /// [`crate::cache`]), or where a note renamed away from `id` lives now.
    pub async fn document(&self, id: &str) -> Result<Found, ApiError> {
        let key = format!("document:{id}");
        let found = self
            .state
            .cache
            .get_or_compute(self.store(), &key, || self.document_view(id))
            .await;
        match found {
            Ok(json) => Ok(Found::Here(json)),
            Err(ApiError::DocumentNotFound(missing)) => match self.redirect(&missing).await? {
                Some(new) => Ok(Found::Moved(new)),
                None => Err(ApiError::DocumentNotFound(missing)),
            },
            Err(other) => Err(other),
        }
    }

    /// The note `id` (or the one renamed away from it), as its page shows it.
    pub async fn document_following_renames(&self, id: &str) -> Result<DocumentView, ApiError> {
        match self.document_view(id).await {
            Err(ApiError::DocumentNotFound(missing)) => match self.redirect(&missing).await? {
                Some(new) => self.document_view(&new).await,
                None => Err(ApiError::DocumentNotFound(missing)),
            },
            other => other,
        }
    }

    /// The id a note renamed away from `old` has now.
    pub(super) async fn redirect(&self, old: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .store()
            .redirects_of(&[old.to_owned()])
            .await?
            .pop()
            .map(|(_, new)| new))
    }

    /// One note with its relationships, backlinks and reading path, straight from the store.
    async fn document_view(&self, id: &str) -> Result<DocumentView, ApiError> {
        let store = self.store();
        let row = store
            .document(id)
            .await?
            .ok_or_else(|| ApiError::DocumentNotFound(id.to_owned()))?;
        let mut view = DocumentView {
            summary: row.summary,
            author: row.author,
            created_at: row.created_at,
            version: row.version,
            html: self
                .draw_embeds(row.html, &mut vec![id.to_owned()], &mut Drawing::default())
                .await?,
            headings: row.headings,
            prerequisites: Vec::new(),
            successors: Vec::new(),
            related: Vec::new(),
            backlinks: store.backlinks(id).await?,
            reading_path: Vec::new(),
            cycles: Vec::new(),
            source_path: row.source_path,
        };
        for edge in store.outgoing(id).await? {
            let related = Related {
                exists: edge.title.is_some(),
                title: edge.title.unwrap_or(edge.target_ref),
                id: edge.target_id,
            };
            match edge.kind.as_str() {
                "prerequisite" => view.prerequisites.push(related),
                "successor" => view.successors.push(related),
                _ => view.related.push(related),
            }
        }
        let prerequisites = store.prerequisite_closure(id).await?;
        let (path, cycles) = reading_path(id, &prerequisites);
        let titles = store.titles(&path).await?;
        view.reading_path = path
            .into_iter()
            .map(|id| Related {
                exists: titles.contains_key(&id),
                title: titles.get(&id).cloned().unwrap_or_else(|| id.clone()),
                id,
            })
            .collect();
        view.cycles = cycles;
        Ok(view)
    }

    /// `html` with the notes it embeds drawn in place (see [`embeds`]). `chain` holds the
    /// notes being drawn, outermost first: an embed of one of them closes a cycle and stays a
    /// link, and so does one [`embeds::MAX_DEPTH`] deep, or one past the read's budget
    /// (`drawing`).
    async fn draw_embeds(
        &self,
        html: String,
        chain: &mut Vec<String>,
        drawing: &mut Drawing,
    ) -> Result<String, ApiError> {
        let found = embeds::placeholders(&html);
        if found.is_empty() || chain.len() > embeds::MAX_DEPTH {
            return Ok(html);
        }
        let mut drawn = String::with_capacity(html.len());
        let mut at = 0;
        for placeholder in found {
            drawn.push_str(&html[at..placeholder.range.start]);
            at = placeholder.range.end;
            // Every embed tried counts, drawn or not: finding a part reads the note's HTML.
            let wanted = placeholder.alone
                && !chain.contains(&placeholder.id)
                && drawing.count < embeds::MAX_DRAWN
                && drawing.bytes < embeds::MAX_DRAWN_BYTES;
            let part = match wanted {
                true => {
                    drawing.count += 1;
                    self.embedded_html(&placeholder.id, drawing)
                        .await?
                        .filter(|html| drawing.bytes + html.len() <= embeds::MAX_DRAWN_BYTES)
                        .and_then(|html| embeds::part_of(&html, placeholder.part.as_deref()))
                }
                false => None,
            };
            let Some(part) = part else {
                drawn.push_str(&html[placeholder.range.clone()]);
                continue;
            };
            drawing.bytes += part.len();
            chain.push(placeholder.id.clone());
            let inner = Box::pin(self.draw_embeds(part, chain, drawing)).await?;
            chain.pop();
            drawn.push_str(&format!(
                "<div class=\"embed\"><div class=\"embed-content\">{inner}</div><p class=\"embed-source\">{}</p></div>",
                placeholder.link
            ));
        }
        drawn.push_str(&html[at..]);
        Ok(drawn)
    }

    /// The stored HTML of note `id`, read once per read of the note embedding it.
    async fn embedded_html(
        &self,
        id: &str,
        drawing: &mut Drawing,
    ) -> Result<Option<std::sync::Arc<String>>, ApiError> {
        if let Some(html) = drawing.read.get(id) {
            return Ok(html.clone());
        }
        let html = self
            .store()
            .document(id)
            .await?
            .map(|row| std::sync::Arc::new(row.html));
        drawing.read.insert(id.to_owned(), html.clone());
        Ok(html)
    }

    /// What is stored at the attachment path `path`.
    pub async fn file(&self, path: &str) -> Result<StoredAttachment, ApiError> {
        self.store()
            .attachment(path)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("No file is stored at `{path}`.")))
    }

    /// `length` bytes from byte `start` of the stored content with `hash`.
    pub async fn file_bytes(
        &self,
        hash: &str,
        start: u64,
        length: u64,
    ) -> Result<Vec<u8>, ApiError> {
        self.store()
            .attachment_bytes(hash, start, length)
            .await?
            // Replaced between the two reads: the reader asks again and finds the new file.
            .ok_or_else(|| {
                ApiError::NotFound("The file changed while it was read; ask again.".into())
            })
    }

    /// The note `id` as a Markdown file, front matter included.
    pub async fn raw(&self, id: &str) -> Result<RawFile, ApiError> {
        let source = self
            .store()
            .source(id)
            .await?
            .ok_or_else(|| ApiError::DocumentNotFound(id.to_owned()))?;
        let file_name = source
            .source_path
            .rsplit('/')
            .next()
            .unwrap_or("document.md")
            .to_owned();
        Ok(RawFile {
            file_name,
            text: markdown_of(&source)?,
        })
    }

    /// Every tag with its number of notes.
    pub async fn tags(&self) -> Result<Vec<TagCount>, ApiError> {
        Ok(self.store().tags().await?)
    }

    /// Every collection with its number of notes.
    pub async fn collections(&self) -> Result<Vec<CollectionSummary>, ApiError> {
        Ok(self.store().collections().await?)
    }

    /// The graph, or with a limit its most connected part.
    pub async fn graph(&self, query: &GraphQuery) -> Result<Graph, ApiError> {
        let mut graph = self.store().graph().await?;
        graph.total = graph.nodes.len() as u64;
        Ok(match query.limit {
            Some(limit) => most_connected(graph, limit as usize),
            None => graph,
        })
    }

    /// Pages that are referenced but not written.
    pub async fn wanted(&self) -> Result<Vec<WantedPage>, ApiError> {
        Ok(self.store().wanted().await?)
    }

    /// Every note as the file it exports as, and every attachment, ordered by path.
    pub async fn export_files(&self) -> Result<Vec<ExportFile>, ApiError> {
        let sources = self.store().sources().await?;
        let attachments = self.store().attachments().await?;
        self.cpu(move || exported_files(&sources, attachments))
            .await?
    }

    /// The whole base as a `.zip` of its files.
    pub async fn export_zip(&self) -> Result<Vec<u8>, ApiError> {
        let files = self.export_files().await?;
        self.cpu(move || crate::documents::export::zip_archive(&files))
            .await?
            .map_err(|e| ApiError::Internal(e.to_string()))
    }
}

/// The layout a note was stored with.
pub(super) fn layout_of(source: &SourceDocument) -> Result<Layout, StoreError> {
    serde_json::from_str(&source.layout_json).map_err(|e| {
        StoreError::Corrupt(format!(
            "the layout of `{}` does not decode: {e}",
            source.id
        ))
    })
}

/// The file a stored note exports as.
fn export_file(source: &SourceDocument) -> Result<ExportFile, ApiError> {
    Ok(ExportFile::new(
        &source.source_path,
        &layout_of(source)?,
        &source.body,
    ))
}

/// A stored note's whole Markdown file, front matter included.
pub(super) fn markdown_of(source: &SourceDocument) -> Result<String, ApiError> {
    Ok(to_markdown(&layout_of(source)?, &source.body))
}

/// What an export writes: every note as its file and every attachment as imported, ordered by
/// path.
pub(super) fn exported_files(
    sources: &[SourceDocument],
    attachments: Vec<AttachmentRecord>,
) -> Result<Vec<ExportFile>, ApiError> {
    let mut files = sources
        .iter()
        .map(export_file)
        .collect::<Result<Vec<_>, _>>()?;
    files.extend(attachments.into_iter().map(|a| ExportFile {
        path: a.path,
        bytes: a.bytes,
    }));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The `limit` nodes of `graph` with the most edges (ties by id, so the answer is stable), and
/// the edges between them: the part of a large base a picture can show.
fn most_connected(mut graph: Graph, limit: usize) -> Graph {
    if graph.nodes.len() <= limit {
        return graph;
    }
    let mut degree: HashMap<&str, usize> = HashMap::new();
    for edge in &graph.edges {
        *degree.entry(edge.source.as_str()).or_default() += 1;
        *degree.entry(edge.target.as_str()).or_default() += 1;
    }
    let mut ranked: Vec<(usize, &str)> = graph
        .nodes
        .iter()
        .map(|n| {
            (
                degree.get(n.id.as_str()).copied().unwrap_or(0),
                n.id.as_str(),
            )
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let kept: HashSet<String> = ranked
        .into_iter()
        .take(limit)
        .map(|(_, id)| id.to_owned())
        .collect();
    graph.nodes.retain(|n| kept.contains(&n.id));
    graph
        .edges
        .retain(|e| kept.contains(&e.source) && kept.contains(&e.target));
    graph
}
