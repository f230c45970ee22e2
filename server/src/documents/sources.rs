//! Where files to import come from: folders on disk (the CLI), uploaded files and archives
//! (the API). Each becomes a list of [`SourceFile`]s with safe, `/`-separated relative paths.

use super::SourceFile;
use app::contract::Problem;
use std::io::Read;
use std::path::{Component, Path};

/// Whether a path names a Markdown file.
pub fn is_markdown(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

/// A `/`-separated relative path with no `..`, no leading `/` and no empty segments, or `None`
/// for a path that tries to leave the tree.
pub fn clean_path(path: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return None,
            other => parts.push(other),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The Markdown files under each of `paths` (files or folders, recursively), with paths relative
/// to the folder given (or, for a file, to its own folder). Hidden files and folders (`.git`,
/// `.obsidian`) are skipped.
pub fn from_disk(paths: &[impl AsRef<Path>]) -> std::io::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    for root in paths {
        let root = root.as_ref();
        if root.is_file() {
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push(SourceFile {
                path: name,
                bytes: std::fs::read(root)?,
            });
        } else {
            walk(root, root, &mut files)?;
        }
    }
    Ok(files)
}

fn walk(root: &Path, folder: &Path, files: &mut Vec<SourceFile>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(folder)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            walk(root, &path, files)?;
        } else {
            let relative: Vec<String> = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .filter_map(|c| match c {
                    Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect();
            let relative = relative.join("/");
            if is_markdown(&relative) {
                files.push(SourceFile {
                    path: relative,
                    bytes: std::fs::read(&path)?,
                });
            }
        }
    }
    Ok(())
}

/// The Markdown files inside a `.zip`. `name` is the archive's name, for problems.
pub fn from_zip(name: &str, bytes: &[u8]) -> Result<Vec<SourceFile>, Problem> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| archive_problem(name, e))?;
    let mut files = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| archive_problem(name, e))?;
        if entry.is_dir() || !is_markdown(entry.name()) {
            continue;
        }
        let raw = entry.name().to_owned();
        files.push(archive_entry(name, &raw, &mut entry)?);
    }
    Ok(files)
}

/// The Markdown files inside a `.tar.gz`.
pub fn from_tar_gz(name: &str, bytes: &[u8]) -> Result<Vec<SourceFile>, Problem> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut files = Vec::new();
    for entry in archive.entries().map_err(|e| archive_problem(name, e))? {
        let mut entry = entry.map_err(|e| archive_problem(name, e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let raw = entry
            .path()
            .map_err(|e| archive_problem(name, e))?
            .to_string_lossy()
            .into_owned();
        if !is_markdown(&raw) {
            continue;
        }
        files.push(archive_entry(name, &raw, &mut entry)?);
    }
    Ok(files)
}

/// One Markdown entry of archive `name`, at its cleaned path.
fn archive_entry(name: &str, raw: &str, entry: &mut impl Read) -> Result<SourceFile, Problem> {
    let Some(path) = clean_path(raw) else {
        return Err(archive_problem(
            name,
            format!("the entry `{raw}` points outside the archive"),
        ));
    };
    let mut bytes = Vec::new();
    read_limited(entry, &mut bytes, &path)?;
    Ok(SourceFile { path, bytes })
}

/// Reads one archive entry, stopping just past the size limit so a zip bomb cannot fill
/// memory; the import then reports the file as too large.
fn read_limited(reader: &mut impl Read, into: &mut Vec<u8>, path: &str) -> Result<(), Problem> {
    let limit = super::import::MAX_FILE_BYTES as u64 + 1;
    reader
        .take(limit)
        .read_to_end(into)
        .map(|_| ())
        .map_err(|e| Problem::in_file(path, format!("cannot read: {e}")))
}

fn archive_problem(name: &str, error: impl std::fmt::Display) -> Problem {
    Problem::in_file(name, format!("not a readable archive: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_and_escapes_refused() {
        assert_eq!(clean_path("./a/b.md").as_deref(), Some("a/b.md"));
        assert_eq!(clean_path("a\\b.md").as_deref(), Some("a/b.md"));
        assert_eq!(clean_path("/etc/x.md").as_deref(), Some("etc/x.md"));
        assert_eq!(clean_path("../x.md"), None);
        assert_eq!(clean_path("a/../../x.md"), None);
    }
}
