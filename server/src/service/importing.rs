//! Notes in, in bulk: a batch of files planned all or nothing ([`crate::documents::import`]),
//! the stored notes whose links now resolve rendered again, and everything written in one
//! transaction, each file its note's next revision. Also the demo notes of a new base, and
//! rendering stored notes again after an upgrade of the renderer.

use super::Service;
use crate::documents::SourceFile;
use crate::documents::demo;
use crate::documents::import::{
    FlavorChoice, PendingNote, Resolver, name_key, plan, render_batch, rerender,
};
use crate::documents::render::RENDER_VERSION;
use crate::documents::sources::{Archive, Unpacked};
use crate::error::ApiError;
use crate::store::NewRevision;
use app::contract::{Flavor, ImportReport, Problem};
use indicatif::ProgressBar;
use std::collections::{HashMap, HashSet, VecDeque};

/// How one try at an import ended.
enum Attempt {
    /// Written and committed.
    Imported(ImportReport),
    /// Rolled back: the renderer refused these notes (only when invalid notes are skipped).
    Refused(Vec<Problem>),
}

/// How many batches an import renders ahead of the one it writes. With one, the cores stood
/// idle whenever the database wrote longer than the next batch took to render (while it wrote
/// the revisions, or a batch of the statement's full size); with two, the rendering goes on.
/// The rendering runs at a lower priority (`cpu::map_ahead`), so it takes only the cores the
/// database leaves; what it costs is the memory of the batches waiting.
const RENDERED_AHEAD: usize = 2;

impl Service {
    /// The notes in archive `name` of `kind` (spooled to `file`), added to `unpacked` on the
    /// CPU pool within its limits.
    pub async fn unpack(
        &self,
        mut unpacked: Unpacked,
        name: String,
        kind: Archive,
        file: std::fs::File,
    ) -> Result<Unpacked, ApiError> {
        Ok(self
            .cpu(move || unpacked.add_archive(&name, kind, file).map(|()| unpacked))
            .await??)
    }

    /// Imports `files` and `attachments`, the notes read as `flavor` says: all or nothing, unless `skip_invalid` (then the
    /// valid ones, and the others listed as skipped). `problems` found before (files that
    /// could not be read) count like the files' own.
    ///
    /// `progress` (hidden for the API) counts two steps per file: parsed, then rendered.
    ///
    /// The notes are rendered and written in batches, each written while the next renders:
    /// rendering is the CPU pool's work and writing the database's, and side by side an import
    /// takes little more than the longer of the two.
    ///
    /// A note the renderer refuses (nested too deep, too large) is known only once it is
    /// rendered, after notes linking to it may have been rendered, and written, as if it would
    /// be there. Skipping invalid notes, the import is then rolled back and made again without
    /// it, so that they link to it as to any note that is not there: a wanted page.
    pub async fn import(
        &self,
        mut files: Vec<SourceFile>,
        mut attachments: Vec<SourceFile>,
        flavor: FlavorChoice,
        mut problems: Vec<Problem>,
        skip_invalid: bool,
        progress: ProgressBar,
    ) -> Result<ImportReport, ApiError> {
        if !problems.is_empty() && !skip_invalid {
            return Err(ApiError::InvalidImport(problems));
        }
        loop {
            let again = skip_invalid.then(|| (files.clone(), attachments.clone()));
            let attempt = self
                .import_once(
                    files,
                    attachments,
                    flavor,
                    &problems,
                    skip_invalid,
                    &progress,
                )
                .await?;
            let refused = match attempt {
                Attempt::Imported(report) => return Ok(report),
                Attempt::Refused(refused) => refused,
            };
            // Each round leaves out at least one file, so this ends.
            let (all_files, all_attachments) = again.expect("only a skipping import is retried");
            let left_out: HashSet<&str> = refused.iter().map(|p| p.file.as_str()).collect();
            files = all_files
                .into_iter()
                .filter(|file| !left_out.contains(file.path.as_str()))
                .collect();
            attachments = all_attachments;
            problems.extend(refused);
        }
    }

    /// One try at [`Self::import`]: imported, or, skipping invalid notes, rolled back because
    /// the renderer refused some.
    async fn import_once(
        &self,
        files: Vec<SourceFile>,
        attachments: Vec<SourceFile>,
        flavor: FlavorChoice,
        problems: &[Problem],
        skip_invalid: bool,
        progress: &ProgressBar,
    ) -> Result<Attempt, ApiError> {
        let mut known = self.store().known_documents().await?;
        // The notes this import reads again keep their dialect unless it names one, and are
        // changed if it names another: only theirs are asked for.
        let uploaded: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let again: Vec<String> = known
            .iter()
            .filter(|k| uploaded.contains(k.source_path.as_str()))
            .map(|k| k.source_path.clone())
            .collect();
        let mut layouts: HashMap<String, String> =
            self.store().layouts_at(&again).await?.into_iter().collect();
        for note in &mut known {
            if let Some(layout) = layouts.remove(&note.source_path) {
                note.layout_json = layout;
            }
        }
        let redirects = self.store().redirects().await?;
        let stored_files = self.store().attachment_index().await?;
        progress.set_position(0);
        progress.set_length(2 * files.len() as u64);
        let planning = progress.clone();
        let mut plan = self
            .state
            .cpu
            .run_wide(move |threads| {
                plan(
                    files,
                    attachments,
                    flavor,
                    &known,
                    &stored_files,
                    redirects,
                    skip_invalid,
                    threads,
                    &planning,
                )
            })
            .await?
            .map_err(|found| ApiError::InvalidImport([problems, &found].concat()))?;
        let (created, created_paths): (Vec<String>, Vec<String>) = plan
            .created()
            .map(|(id, path)| (id.to_owned(), path.to_owned()))
            .unzip();
        let files: Vec<String> = plan.attachments.iter().map(|a| a.path.clone()).collect();
        let mut linking = self
            .notes_affected(&created, &created_paths, &files)
            .await?;
        let in_batch: HashSet<&str> = plan.pending.iter().map(PendingNote::id).collect();
        linking.retain(|b| !in_batch.contains(b.id.as_str()));

        let mut tx = self.store().begin().await?;
        // Each batch is written while the next ones render on the CPU pool; the first renders
        // while the attachments and every note's revision are written.
        let revisions = std::mem::take(&mut plan.revisions);
        let mut batches = plan.batches(tx.notes_per_statement()).into_iter();
        let resolver = plan.resolver.clone();
        let render = |batch: Vec<PendingNote>| {
            let (cpu, resolver, progress) =
                (self.state.cpu.clone(), resolver.clone(), progress.clone());
            tokio::spawn(async move {
                cpu.run_wide(move |threads| render_batch(batch, &resolver, threads, &progress))
                    .await
            })
        };
        let mut rendering: VecDeque<_> =
            batches.by_ref().take(RENDERED_AHEAD).map(render).collect();
        tx.put_attachments(&plan.attachments).await?;
        let numbers = tx.record_revisions(&revisions).await?;
        drop(revisions);
        while let Some(job) = rendering.pop_front() {
            let rendered = job
                .await
                .map_err(|error| ApiError::Internal(error.to_string()))??;
            rendering.extend(batches.next().map(render));
            let notes = plan.take(rendered);
            // Nothing is written once a note is refused, but the rest are still rendered, to
            // report every problem at once.
            if plan.has_refused() {
                continue;
            }
            tx.put_notes(&notes, &numbers).await?;
        }
        let alias_redirects = std::mem::take(&mut plan.alias_redirects);
        // Refused notes end this try here, before anything is committed.
        let mut report = match plan.finish() {
            Ok(report) => report,
            Err(refused) if skip_invalid => return Ok(Attempt::Refused(refused)),
            Err(refused) => return Err(ApiError::InvalidImport([problems, &refused].concat())),
        };
        let rerendered = self.cpu(move || rerender(&linking, &resolver)).await?;
        tx.add_redirects(&alias_redirects).await?;
        tx.store_html(&rerendered).await?;
        tx.commit().await?;
        self.changed();
        report.skipped = [problems, &report.skipped].concat();
        Ok(Attempt::Imported(report))
    }

    /// Loads the demo notes into an empty base; says whether it did.
    pub async fn load_demo_if_empty(&self) -> Result<bool, ApiError> {
        if self.store().count_documents().await? > 0 {
            return Ok(false);
        }
        self.import(
            demo::files(),
            Vec::new(),
            FlavorChoice::Given(Flavor::Markdown),
            Vec::new(),
            false,
            ProgressBar::hidden(),
        )
        .await?;
        Ok(true)
    }

    /// Gives every note stored before Lore kept history its file as revision 1. Only the
    /// service can write a stored layout back as a file, so this runs at start-up rather than
    /// in a migration; when every note has a history it is a single query.
    pub async fn backfill_history(&self) -> Result<usize, ApiError> {
        let sources = self.store().without_history().await?;
        if sources.is_empty() {
            return Ok(0);
        }
        let revisions = sources
            .iter()
            .map(|source| {
                Ok(NewRevision {
                    id: source.id.clone(),
                    source: super::reading::markdown_of(source)?,
                    source_path: source.source_path.clone(),
                    author: "import".to_owned(),
                    summary: "Imported before Lore kept history".to_owned(),
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let mut tx = self.store().begin().await?;
        tx.add_first_revisions(&revisions).await?;
        tx.commit().await?;
        Ok(revisions.len())
    }

    /// Gives every note stored before Lore kept name keys (see
    /// [`name_key`](crate::documents::import::name_key)) its key; returns how many. Run at
    /// start-up, before anyone saves a wikilink that should find them.
    pub async fn name_unnamed(&self) -> Result<usize, ApiError> {
        let unnamed = self.store().unnamed().await?;
        if unnamed.is_empty() {
            return Ok(0);
        }
        let names: Vec<(String, String)> = unnamed
            .into_iter()
            .map(|(id, path)| (id, name_key(&path)))
            .collect();
        let mut tx = self.store().begin().await?;
        tx.name_notes(&names).await?;
        tx.commit().await?;
        Ok(names.len())
    }

    /// Renders again every stored note whose HTML an older renderer made; returns how many.
    /// Run at start-up, so a Lore upgrade that changes rendering never serves stale HTML.
    pub async fn rerender_stale(&self) -> Result<usize, ApiError> {
        let stale = self.store().stale_bodies(RENDER_VERSION).await?;
        if stale.is_empty() {
            return Ok(0);
        }
        let files = self.store().attachment_index().await?;
        let resolver = Resolver::new_with(
            &self.store().known_documents().await?,
            self.store().redirects().await?,
        )
        .with_files(
            files
                .iter()
                .map(|(path, hash)| (path.as_str(), hash.as_str())),
        );
        let rendered = self.cpu(move || rerender(&stale, &resolver)).await?;
        let mut tx = self.store().begin().await?;
        tx.store_html(&rendered).await?;
        tx.commit().await?;
        self.changed();
        Ok(rendered.len())
    }
}
