//! Writing documents back out as Markdown files with front matter: the inverse of
//! [`parse`](super::parse), so that import, export and import again give identical documents.
//!
//! Every front-matter key is written back in its original order and spelling, the ones Lore
//! does not interpret included; scalars keep their text (`1.0` stays `1.0`); the nested layout is
//! written nested again, and TOML front matter as TOML.

use super::front_matter::Syntax;
use super::parse::Layout;
use super::paths::{Clashes, unportable};
use super::value::{Entries, Value, emit_yaml};
use std::io::Write;
use std::path::Path;

/// The file for a document with `layout` and `body`.
pub fn to_markdown(layout: &Layout, body: &str) -> String {
    let mut out = String::new();
    if layout.bom {
        out.push('\u{feff}');
    }
    if let Some(head) = &layout.head {
        out.push_str(head);
        out.push_str(body);
        return out;
    }
    if let Some(collection) = &layout.collection_block {
        out.push_str("---\n");
        out.push_str(&emit_yaml(collection));
        out.push_str("---\n");
        out.push_str(&layout.preamble);
    }
    match layout.syntax {
        Syntax::None if layout.front_matter.is_empty() => {}
        Syntax::None | Syntax::Yaml => {
            out.push_str("---\n");
            out.push_str(&emit_yaml(&layout.front_matter));
            out.push_str("---\n");
        }
        Syntax::Toml => {
            out.push_str("+++\n");
            out.push_str(&emit_toml(&layout.front_matter));
            out.push_str("+++\n");
        }
    }
    out.push_str(body);
    out
}

/// The whole base as a `.zip` of its files (notes and attachments) at their original paths.
pub fn zip_archive(files: &[ExportFile]) -> zip::result::ZipResult<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        writer.start_file(file.path.as_str(), options)?;
        writer.write_all(&file.bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// Why an export to a folder wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Some notes' paths cannot be written there; every one is listed.
    #[error("{} note(s) cannot be written; nothing was exported:\n{}", .0.len(), .0.join("\n"))]
    Paths(Vec<String>),
    /// Writing failed (the disk is full, a permission is missing); what was written is removed.
    #[error("cannot write {}: {source}; nothing was exported", .path.display())]
    Io {
        /// What could not be written.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Writes every document under `folder`, creating sub-folders; returns how many were written.
///
/// All or nothing: every path is checked first (and every problem reported at once), then the
/// files are written into a hidden folder inside `folder` and only moved to their places once
/// all of them are written. Files already at those paths are replaced, and put back if a move
/// fails; others in `folder` are left alone. So a failure leaves the folder as it was.
pub fn write_folder(folder: &Path, sources: &[ExportFile]) -> Result<usize, ExportError> {
    let mut problems = Vec::new();
    let mut clashes = Clashes::default();
    for source in sources {
        let path = &source.path;
        if let Some(reason) = unportable(path) {
            problems.push(format!("{path}: {reason}"));
        } else if let Some(other) = clashes.add(path) {
            problems.push(format!("{path}: clashes with `{other}`"));
        } else if folder.join(path).is_dir() {
            problems.push(format!("{path}: a folder of that name is in the way"));
        } else if let Some(file) = ancestors(path).find(|a| folder.join(a).is_file()) {
            problems.push(format!(
                "{path}: the file `{file}` is where its folder would be"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ExportError::Paths(problems));
    }
    std::fs::create_dir_all(folder).map_err(io(folder))?;
    let staging = tempfile::Builder::new()
        .prefix(".lore-export-")
        .tempdir_in(folder)
        .map_err(io(folder))?;
    for source in sources {
        let path = staging.path().join("new").join(&source.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, &source.bytes).map_err(io(&path))?;
    }
    // Renames within one folder tree: they do not copy, and they do not fail for want of space.
    let mut moved: Vec<(&str, bool)> = Vec::new();
    for source in sources {
        match move_into_place(folder, staging.path(), &source.path) {
            Ok(replaced) => moved.push((&source.path, replaced)),
            Err(error) => {
                for (path, replaced) in moved.into_iter().rev() {
                    undo_move(folder, staging.path(), path, replaced);
                }
                return Err(error);
            }
        }
    }
    Ok(sources.len())
}

/// One file to export: where, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// Its `/`-separated path in the exported tree.
    pub path: String,
    /// The file: a note's Markdown, or an attachment as it was imported.
    pub bytes: Vec<u8>,
}

impl ExportFile {
    /// The file of a note stored at `path` with `layout` and `body`.
    pub fn new(path: &str, layout: &Layout, body: &str) -> Self {
        Self {
            path: path.to_owned(),
            bytes: to_markdown(layout, body).into_bytes(),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError {
    let path = path.to_owned();
    move |source| ExportError::Io { path, source }
}

/// The folders above `path`: `a`, `a/b` for `a/b/c.md`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(end, _)| &path[..end])
}

/// Moves the written file at `path` from `staging/new` into `folder`, first moving aside any file
/// already there into `staging/old`; says whether it replaced one.
fn move_into_place(folder: &Path, staging: &Path, path: &str) -> Result<bool, ExportError> {
    let to = folder.join(path);
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let replaced = to.is_file();
    if replaced {
        let aside = staging.join("old").join(path);
        if let Some(parent) = aside.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::rename(&to, &aside).map_err(io(&to))?;
    }
    if let Err(error) = std::fs::rename(staging.join("new").join(path), &to) {
        if replaced {
            let _ = std::fs::rename(staging.join("old").join(path), &to);
        }
        return Err(io(&to)(error));
    }
    Ok(replaced)
}

/// Takes a moved file back out of `folder`, and puts back the one it replaced.
fn undo_move(folder: &Path, staging: &Path, path: &str, replaced: bool) {
    let to = folder.join(path);
    let _ = std::fs::remove_file(&to);
    if replaced {
        let _ = std::fs::rename(staging.join("old").join(path), &to);
    }
}

/// TOML front matter: one `key = value` line per entry. Non-string scalars (numbers, booleans,
/// dates) are written as they were read; strings are quoted by the toml crate.
fn emit_toml(entries: &Entries) -> String {
    entries
        .iter()
        .map(|(key, value)| format!("{} = {}\n", toml_key(key), toml_value(value)))
        .collect()
}

fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_owned()
    } else {
        toml::Value::String(key.to_owned()).to_string()
    }
}

fn toml_value(value: &Value) -> String {
    match value {
        Value::Plain(text) => text.clone(),
        Value::Quoted { quoted } => toml::Value::String(quoted.clone()).to_string(),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Map { map: entries } => format!(
            "{{ {} }}",
            entries
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), toml_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_document;
    use super::*;

    /// Checks both ways of writing a file: byte for byte while its front matter is untouched,
    /// and regenerated from the entries (as after an edit in Lore), which must read back as the
    /// same document.
    fn round_trip(path: &str, text: &str) {
        let first = parse_document(path, text).unwrap();
        assert_eq!(
            to_markdown(&first.layout, &first.body),
            text,
            "not given back byte for byte"
        );

        let mut edited = first.clone();
        edited.layout.head = None;
        let written = to_markdown(&edited.layout, &edited.body);
        let mut second =
            parse_document(path, &written).unwrap_or_else(|e| panic!("{written}\n{e:?}"));
        second.layout.head = None;
        // Where the body starts depends on how long the front matter is written.
        second.body_line = edited.body_line;
        assert_eq!(edited, second, "written as:\n{written}");
        assert_eq!(
            to_markdown(&second.layout, &second.body),
            written,
            "export is not a fixpoint"
        );
    }

    /// Found by the `front_matter` fuzz target: a plain scalar folded over a blank line holds a
    /// line break, and was written back unquoted, so the rewritten front matter did not parse.
    #[test]
    fn a_plain_scalar_folded_over_a_blank_line_is_written_back_quoted() {
        round_trip("a.md", "---\ntags: [one\n\n---two]\n---\nBody.\n");
        round_trip("a.md", "---\ntitle: first\n\n  second\n---\nBody.\n");
    }

    /// Found by the `front_matter` fuzz target: inside `[...]`, `1: |` read as a mapping whose
    /// value is the plain scalar `| lina`, which written verbatim in a block starts a block
    /// scalar. Plain scalars that cannot be written as they were are written quoted.
    #[test]
    fn a_plain_scalar_read_in_a_flow_list_is_quoted_where_a_block_needs_it() {
        round_trip("a.md", "---\nupdated: [1: |\n  lina, x]\n---\nBody.\n");
        round_trip(
            "a.md",
            "---\nversion: 1.0\nn: -1\nurl: https://x.org/a#b\nwhen: 2025-07-02\n---\nBody.\n",
        );
    }

    #[test]
    fn the_nested_layout_round_trips() {
        round_trip(
            "architecture/a.md",
            include_str!("../../tests/fixtures/nested-collection.md"),
        );
    }

    #[test]
    fn unknown_keys_and_scalars_as_written_round_trip() {
        round_trip(
            "a.md",
            "---\ntitle: 'Quoted: title'\nversion: 1.0\nweight: 10\nextra:\n  nested: [1, two]\n  empty:\n  when: 2025-01-01\naliases: []\n---\nBody\n",
        );
    }

    #[test]
    fn toml_front_matter_round_trips_as_toml() {
        let text = "+++\ntitle = \"T\"\ndraft = true\nweight = 3\ntags = [\"a\", \"b\"]\ndate = 2024-05-06\n+++\nBody\n";
        round_trip("a.md", text);
        let mut doc = parse_document("a.md", text).unwrap();
        doc.layout.head = None;
        assert!(to_markdown(&doc.layout, &doc.body).starts_with("+++\n"));
    }

    #[test]
    fn a_file_without_front_matter_stays_without() {
        round_trip("notes/plain.md", "# Plain\n\nNo front matter here.\n");
        let doc = parse_document("notes/plain.md", "# Plain\n").unwrap();
        assert_eq!(to_markdown(&doc.layout, &doc.body), "# Plain\n");
    }

    #[test]
    fn a_byte_order_mark_is_given_back() {
        round_trip("bom.md", "\u{feff}---\ntitle: With a BOM\n---\nBody\n");
        round_trip("plain-bom.md", "\u{feff}# No front matter\n");
    }

    fn source(path: &str, text: &str) -> ExportFile {
        ExportFile {
            path: path.to_owned(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn an_export_that_cannot_be_written_whole_writes_nothing_and_names_every_path() {
        let dir = tempfile::tempdir().unwrap();
        let sources = [
            source("fine.md", "# Fine\n"),
            source("x.md", "# X\n"),
            source("x.md/y.md", "# Y\n"),
            source("CON.md", "# Device\n"),
        ];
        let error = write_folder(dir.path(), &sources).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("x.md/y.md: clashes with `x.md`"),
            "{message}"
        );
        assert!(message.contains("CON.md: the name"), "{message}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{message}"
        );

        std::fs::write(dir.path().join("a"), "a file where a folder is needed").unwrap();
        let error = write_folder(dir.path(), &[source("a/b.md", "# B\n")]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`a` is where its folder would be"),
            "{error}"
        );
    }

    #[test]
    fn a_move_undone_puts_back_what_it_replaced() {
        // What a failed export does to the files it had already moved into place.
        let dir = tempfile::tempdir().unwrap();
        let staging = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("first.md"), "old first").unwrap();
        std::fs::create_dir_all(staging.path().join("new/sub")).unwrap();
        std::fs::write(staging.path().join("new/first.md"), "new first").unwrap();
        std::fs::write(staging.path().join("new/sub/second.md"), "new second").unwrap();
        let replaced = move_into_place(dir.path(), staging.path(), "first.md").unwrap();
        let added = move_into_place(dir.path(), staging.path(), "sub/second.md").unwrap();
        assert!(replaced && !added);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("first.md")).unwrap(),
            "new first"
        );
        undo_move(dir.path(), staging.path(), "sub/second.md", added);
        undo_move(dir.path(), staging.path(), "first.md", replaced);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("first.md")).unwrap(),
            "old first"
        );
        assert!(!dir.path().join("sub/second.md").exists());
    }

    #[test]
    fn an_export_writes_every_file_and_leaves_no_staging_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("unrelated.txt"), "kept").unwrap();
        let sources = [source("a/b/c.md", "# C\n"), source("d.md", "\u{feff}# D\n")];
        assert_eq!(write_folder(dir.path(), &sources).unwrap(), 2);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/b/c.md")).unwrap(),
            "# C\n"
        );
        assert_eq!(
            std::fs::read(dir.path().join("d.md")).unwrap(),
            "\u{feff}# D\n".as_bytes()
        );
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["a", "d.md", "unrelated.txt"]);
    }
}
