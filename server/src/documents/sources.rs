//! Where files to import come from: folders on disk (the CLI), uploaded files and archives
//! (the API). Each becomes a list of [`SourceFile`]s with safe, `/`-separated relative paths,
//! plus the problems found on the way (a note too large, an archive entry that points outside
//! the archive).
//!
//! An upload is read within [`UnpackLimits`]: archives compress well, so a small upload can
//! unpack to gigabytes (a zip whose entries all point at one compressed blob, a tarball of
//! zeros). Every byte unpacked counts against one budget per import and reading stops as soon
//! as it is spent, so memory stays bounded by the limit, whatever the upload claims.

use super::SourceFile;
use super::attachments::{MAX_ATTACHMENT_BYTES, media_type};
use super::import::MAX_FILE_BYTES;
use super::paths::clean_path;
use app::contract::Problem;
use std::cell::Cell;
use std::io::{Read, Seek};
use std::path::{Component, Path, PathBuf};

/// Whether a path names a Markdown file.
pub fn is_markdown(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

/// The most bytes a file at `path` may have to be imported: a note's limit, an attachment's,
/// or `None` for a file that is neither (it is not imported).
pub fn size_limit(path: &str) -> Option<usize> {
    if is_markdown(path) {
        Some(MAX_FILE_BYTES)
    } else if media_type(path).is_some() {
        Some(MAX_ATTACHMENT_BYTES)
    } else {
        None
    }
}

/// The kinds of archive an upload may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archive {
    /// `.zip`
    Zip,
    /// `.tar.gz` or `.tgz`
    TarGz,
}

/// How much one upload may unpack to: settings of `lore serve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnpackLimits {
    /// Markdown files (uploaded or inside archives), and entries of any one archive.
    pub max_files: usize,
    /// Bytes unpacked, over all files and archives: Markdown read, and for a tarball, every
    /// byte decompressed (its other entries have to be read through to reach the next).
    pub max_bytes: u64,
}

/// An upload that would unpack past its [`UnpackLimits`]; nothing of it is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    /// Too many files.
    #[error(
        "the upload holds more than {0} files (the limit is `--import-max-files`, LORE_IMPORT_MAX_FILES); import it with `lore import` or in parts"
    )]
    Files(usize),
    /// Too many bytes once unpacked.
    #[error(
        "the upload unpacks to more than {0} bytes (the limit is `--import-max-bytes`, LORE_IMPORT_MAX_BYTES); import it with `lore import` or in parts"
    )]
    Bytes(u64),
}

/// The files of one upload, read so far, and what its limits have left.
#[derive(Debug)]
pub struct Unpacked {
    limits: UnpackLimits,
    /// Markdown files, at their cleaned paths.
    pub files: Vec<SourceFile>,
    /// Attachments (images, audio, video, PDFs), at their cleaned paths.
    pub attachments: Vec<SourceFile>,
    /// Files that cannot be imported, and why.
    pub problems: Vec<Problem>,
    /// Whether an archive held an Obsidian vault (an `.obsidian/` folder).
    pub vault: bool,
    /// Bytes unpacked so far.
    bytes: u64,
    /// Markdown files seen so far, kept or refused.
    seen: usize,
}

impl Unpacked {
    /// Nothing read yet.
    pub fn new(limits: UnpackLimits) -> Self {
        Self {
            limits,
            files: Vec::new(),
            attachments: Vec::new(),
            problems: Vec::new(),
            vault: false,
            bytes: 0,
            seen: 0,
        }
    }

    /// One uploaded Markdown file or attachment named `name`, whose first bytes are `bytes`
    /// (`complete` false when the upload was longer and only this much was kept).
    pub fn add_file(
        &mut self,
        name: &str,
        bytes: Vec<u8>,
        complete: bool,
    ) -> Result<(), LimitExceeded> {
        self.count_file()?;
        self.count_bytes(bytes.len() as u64)?;
        let Some(path) = clean_path(name) else {
            self.problems.push(Problem::in_file(
                name,
                "the file name points outside the upload",
            ));
            return Ok(());
        };
        let Some(limit) = size_limit(&path) else {
            self.problems.push(Problem::in_file(&path, NOT_IMPORTED));
            return Ok(());
        };
        if !complete || bytes.len() > limit {
            self.problems.push(too_large(&path));
            return Ok(());
        }
        self.push(SourceFile { path, bytes });
        Ok(())
    }

    /// Files `file` with the notes or the attachments.
    fn push(&mut self, file: SourceFile) {
        if is_markdown(&file.path) {
            self.files.push(file);
        } else {
            self.attachments.push(file);
        }
    }

    /// The Markdown files inside archive `name` of `kind`, read from `file`.
    pub fn add_archive(
        &mut self,
        name: &str,
        kind: Archive,
        file: std::fs::File,
    ) -> Result<(), LimitExceeded> {
        match kind {
            Archive::Zip => self.add_zip(name, file),
            Archive::TarGz => self.add_tar_gz(name, std::io::BufReader::new(file)),
        }
    }

    /// The Markdown files inside the `.zip` named `name`. Entries that are not Markdown are not
    /// unpacked at all.
    pub fn add_zip(&mut self, name: &str, archive: impl Read + Seek) -> Result<(), LimitExceeded> {
        let mut archive = match zip::ZipArchive::new(archive) {
            Ok(archive) => archive,
            Err(error) => {
                self.problems.push(archive_problem(name, error));
                return Ok(());
            }
        };
        if archive.len() > self.limits.max_files {
            return Err(LimitExceeded::Files(self.limits.max_files));
        }
        for index in 0..archive.len() {
            // By name first: an entry that is not a note is never opened, so one the zip
            // reader cannot read (encrypted, an unknown compression) costs nothing.
            let raw = match archive.name_for_index(index) {
                Some(raw) if !self.in_vault_only_folder(raw) => raw,
                _ => continue,
            };
            let raw = match size_limit(raw).is_some() && !raw.ends_with('/') {
                true => raw.to_owned(),
                false => continue,
            };
            match archive.by_index(index) {
                Ok(mut entry) => self.add_entry(name, &raw, &mut entry, true)?,
                // One unreadable note is a problem of that note; the others are still read.
                Err(error) => self.problems.push(Problem::in_file(
                    clean_path(&raw).as_deref().unwrap_or(name),
                    format!("cannot be read from {name}: {error}"),
                )),
            }
        }
        Ok(())
    }

    /// The Markdown files inside the `.tar.gz` read from `compressed`.
    pub fn add_tar_gz(&mut self, name: &str, compressed: impl Read) -> Result<(), LimitExceeded> {
        let unpacked = Cell::new(0);
        let budget = self.limits.max_bytes.saturating_sub(self.bytes);
        let result = self.read_tar(
            name,
            Budgeted {
                inner: flate2::read::GzDecoder::new(compressed),
                used: &unpacked,
                budget,
            },
        );
        // Bytes of the tarball were counted as they were decompressed, not per entry.
        self.bytes += unpacked.get();
        if unpacked.get() > budget {
            return Err(LimitExceeded::Bytes(self.limits.max_bytes));
        }
        result
    }

    fn read_tar(&mut self, name: &str, reader: impl Read) -> Result<(), LimitExceeded> {
        let mut archive = tar::Archive::new(reader);
        let entries = match archive.entries() {
            Ok(entries) => entries,
            Err(error) => {
                self.problems.push(archive_problem(name, error));
                return Ok(());
            }
        };
        let mut count = 0;
        for entry in entries {
            count += 1;
            if count > self.limits.max_files {
                return Err(LimitExceeded::Files(self.limits.max_files));
            }
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    self.problems.push(archive_problem(name, error));
                    return Ok(());
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let raw = match entry.path() {
                Ok(path) => path.to_string_lossy().into_owned(),
                Err(error) => {
                    self.problems.push(archive_problem(name, error));
                    return Ok(());
                }
            };
            if !self.in_vault_only_folder(&raw) && size_limit(&raw).is_some() {
                self.add_entry(name, &raw, &mut entry, false)?;
            }
        }
        Ok(())
    }

    /// One Markdown entry `raw` of archive `name`. `counts_bytes`: whether its bytes count
    /// here (a tarball counts them as it decompresses).
    fn add_entry(
        &mut self,
        name: &str,
        raw: &str,
        entry: &mut impl Read,
        counts_bytes: bool,
    ) -> Result<(), LimitExceeded> {
        self.count_file()?;
        let Some(path) = clean_path(raw) else {
            self.problems.push(archive_problem(
                name,
                format!(
                    "the entry `{}` points outside the archive",
                    raw.escape_debug()
                ),
            ));
            return Ok(());
        };
        // One byte past the limit tells a file that is too large from one that fits.
        let limit = size_limit(&path).unwrap_or(MAX_FILE_BYTES);
        let mut bytes = Vec::new();
        let read = entry.take(limit as u64 + 1).read_to_end(&mut bytes);
        if counts_bytes {
            self.count_bytes(bytes.len() as u64)?;
        }
        match read {
            Err(error) if is_over_budget(&error) => {
                Err(LimitExceeded::Bytes(self.limits.max_bytes))
            }
            Err(error) => {
                self.problems
                    .push(Problem::in_file(&path, format!("cannot read: {error}")));
                Ok(())
            }
            Ok(_) if bytes.len() > limit => {
                self.problems.push(too_large(&path));
                Ok(())
            }
            Ok(_) => {
                self.push(SourceFile { path, bytes });
                Ok(())
            }
        }
    }

    /// Whether an archive's entry `raw` is inside a vault's settings or trash; notes that an
    /// entry is in `.obsidian/`, which makes the upload a vault.
    fn in_vault_only_folder(&mut self, raw: &str) -> bool {
        let mut segments = raw.split(['/', '\\']);
        let Some(found) = segments.find(|segment| vault_only(segment)) else {
            return false;
        };
        self.vault |= found == VAULT_SETTINGS;
        true
    }

    fn count_file(&mut self) -> Result<(), LimitExceeded> {
        self.seen += 1;
        if self.seen > self.limits.max_files {
            return Err(LimitExceeded::Files(self.limits.max_files));
        }
        Ok(())
    }

    fn count_bytes(&mut self, bytes: u64) -> Result<(), LimitExceeded> {
        self.bytes += bytes;
        if self.bytes > self.limits.max_bytes {
            return Err(LimitExceeded::Bytes(self.limits.max_bytes));
        }
        Ok(())
    }
}

/// A reader that fails once more than `budget` bytes have come through it.
struct Budgeted<'a, R> {
    inner: R,
    used: &'a Cell<u64>,
    budget: u64,
}

/// The error a [`Budgeted`] reader fails with.
#[derive(Debug, thiserror::Error)]
#[error("the unpacking budget is spent")]
struct OverBudget;

fn is_over_budget(error: &std::io::Error) -> bool {
    error.get_ref().is_some_and(|e| e.is::<OverBudget>())
}

impl<R: Read> Read for Budgeted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.used.get() > self.budget {
            return Err(std::io::Error::other(OverBudget));
        }
        // Never more than one byte past the budget, so the overrun is seen, not buffered.
        let room = (self.budget + 1 - self.used.get()).min(buf.len() as u64) as usize;
        let read = self.inner.read(&mut buf[..room])?;
        self.used.set(self.used.get() + read as u64);
        if self.used.get() > self.budget {
            return Err(std::io::Error::other(OverBudget));
        }
        Ok(read)
    }
}

/// The problem of a file at `path` larger than its kind may be.
pub fn too_large(path: &str) -> Problem {
    let message = if is_markdown(path) {
        format!("the file is larger than {MAX_FILE_BYTES} bytes, the most a note may be")
    } else {
        format!(
            "the file is larger than {MAX_ATTACHMENT_BYTES} bytes, the most an attachment may be"
        )
    };
    Problem::in_file(path, message)
}

/// Why an uploaded file is not imported.
pub const NOT_IMPORTED: &str = "not a Markdown file (.md, .markdown), an attachment (an image, audio, video or PDF) or an archive (.zip, .tar.gz)";

fn archive_problem(name: &str, error: impl std::fmt::Display) -> Problem {
    Problem::in_file(name, format!("not a readable archive: {error}"))
}

/// The Markdown files found on disk, and what was left out.
#[derive(Debug, Default)]
pub struct DiskFiles {
    /// Markdown files, at paths relative to the folder given.
    pub files: Vec<SourceFile>,
    /// Attachments, at paths relative to the folder given.
    pub attachments: Vec<SourceFile>,
    /// Files that cannot be imported, and why (too large).
    pub problems: Vec<Problem>,
    /// What was passed over, and why: not a regular file, a link to a folder.
    pub skipped: Vec<String>,
    /// Whether a folder given is an Obsidian vault: it holds an `.obsidian/` settings folder.
    pub vault: bool,
}

/// The folder in which Obsidian keeps a vault's settings: its presence makes a folder a vault.
pub const VAULT_SETTINGS: &str = ".obsidian";

/// Folders of a vault that hold no notes of it: its settings, and the notes it deleted.
fn vault_only(segment: &str) -> bool {
    segment == VAULT_SETTINGS || segment == ".trash"
}

/// A file or folder that could not be read, named.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", .path.display())]
pub struct DiskError {
    /// What could not be read.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// The Markdown files under each of `paths` (files or folders, recursively), with paths relative
/// to the folder given (or, for a file, to its own folder). Hidden files and folders (`.git`,
/// `.obsidian`) are skipped; so are, with a note in [`DiskFiles::skipped`], Markdown names that
/// are not regular files (a FIFO would block the import forever) and links to folders (which
/// can loop). A file's size is checked before it is read.
pub fn from_disk(paths: &[impl AsRef<Path>]) -> Result<DiskFiles, DiskError> {
    let mut found = DiskFiles::default();
    for root in paths {
        let root = root.as_ref();
        let metadata = std::fs::metadata(root).map_err(|source| DiskError {
            path: root.to_owned(),
            source,
        })?;
        if metadata.is_dir() {
            found.vault |= root.join(VAULT_SETTINGS).is_dir();
            walk(root, root, &mut found)?;
        } else {
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            read_file(root, name, &mut found)?;
        }
    }
    Ok(found)
}

fn walk(root: &Path, folder: &Path, found: &mut DiskFiles) -> Result<(), DiskError> {
    let named = |path: &Path| {
        let path = path.to_owned();
        move |source| DiskError { path, source }
    };
    let mut entries: Vec<_> = std::fs::read_dir(folder)
        .map_err(named(folder))?
        .collect::<Result<_, _>>()
        .map_err(named(folder))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(named(&path))?;
        if kind.is_dir() {
            walk(root, &path, found)?;
            continue;
        }
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
        if kind.is_symlink() {
            // A link to a file is read as that file; one to a folder is not followed.
            match std::fs::metadata(&path) {
                Ok(target) if target.is_dir() => {
                    found.skipped.push(format!(
                        "{}: a link to a folder (links to folders are not followed)",
                        path.display()
                    ));
                    continue;
                }
                Err(_) if size_limit(&relative).is_some() => {
                    found
                        .skipped
                        .push(format!("{}: a link to nothing", path.display()));
                    continue;
                }
                _ => {}
            }
        }
        if size_limit(&relative).is_some() {
            read_file(&path, relative, found)?;
        }
    }
    Ok(())
}

/// Reads one Markdown file or attachment found at `path`, to be imported as `relative`.
fn read_file(path: &Path, relative: String, found: &mut DiskFiles) -> Result<(), DiskError> {
    let limit = match media_type(&relative) {
        Some(_) => MAX_ATTACHMENT_BYTES,
        None => MAX_FILE_BYTES,
    };
    let named = |source| DiskError {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(named)?;
    if !metadata.is_file() {
        found.skipped.push(format!(
            "{}: not a regular file (a pipe, socket or device)",
            path.display()
        ));
        return Ok(());
    }
    if metadata.len() > limit as u64 {
        found.problems.push(too_large(&relative));
        return Ok(());
    }
    // The size may grow between the check and the read: never read past the limit.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    std::fs::File::open(path)
        .and_then(|file| file.take(limit as u64 + 1).read_to_end(&mut bytes))
        .map_err(named)?;
    if bytes.len() > limit {
        found.problems.push(too_large(&relative));
        return Ok(());
    }
    let file = SourceFile {
        path: relative,
        bytes,
    };
    // A file named on the command line is read as a note whatever its name, unless it is an
    // attachment.
    if media_type(&file.path).is_some() {
        found.attachments.push(file);
    } else {
        found.files.push(file);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const LIMITS: UnpackLimits = UnpackLimits {
        max_files: 100,
        max_bytes: 64 * 1024,
    };

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn tar_gz_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        for (name, bytes) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *bytes).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn an_archive_or_a_folder_with_obsidian_settings_is_a_vault_whose_trash_is_not_imported() {
        let vault = [
            ("vault/.obsidian/app.json", &b"{}"[..]),
            ("vault/.trash/old.md", b"# Old\n"),
            ("vault/note.md", b"# Note\n"),
        ];
        let mut zip = Unpacked::new(LIMITS);
        zip.add_zip("v.zip", std::io::Cursor::new(zip_of(&vault)))
            .unwrap();
        let mut tar = Unpacked::new(LIMITS);
        tar.add_tar_gz("v.tar.gz", &tar_gz_of(&vault)[..]).unwrap();
        for upload in [zip, tar] {
            assert!(upload.vault);
            let paths: Vec<&str> = upload.files.iter().map(|f| f.path.as_str()).collect();
            assert_eq!(paths, ["vault/note.md"]);
        }
        let mut plain = Unpacked::new(LIMITS);
        plain
            .add_zip("p.zip", std::io::Cursor::new(zip_of(&vault[1..])))
            .unwrap();
        assert!(!plain.vault);

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".obsidian")).unwrap();
        std::fs::write(dir.path().join("note.md"), "# Note\n").unwrap();
        assert!(from_disk(&[dir.path()]).unwrap().vault);
        std::fs::remove_dir(dir.path().join(".obsidian")).unwrap();
        assert!(!from_disk(&[dir.path()]).unwrap().vault);
    }

    #[test]
    fn markdown_inside_archives_is_read_and_the_rest_ignored() {
        let zip = zip_of(&[("notes/a.md", b"# A\n"), ("image.png", b"\x89PNG")]);
        let tar = tar_gz_of(&[("b.markdown", b"# B\n"), ("c.txt", b"c")]);
        let mut upload = Unpacked::new(LIMITS);
        upload.add_zip("a.zip", std::io::Cursor::new(zip)).unwrap();
        upload.add_tar_gz("b.tar.gz", tar.as_slice()).unwrap();
        let paths: Vec<_> = upload.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["notes/a.md", "b.markdown"]);
        assert!(upload.problems.is_empty(), "{:?}", upload.problems);
    }

    #[test]
    fn a_zip_whose_entries_unpack_past_the_budget_is_refused() {
        // Many small entries, each well under the per-note limit, add up past the budget.
        let note = vec![b'a'; 10 * 1024];
        let entries: Vec<(String, &[u8])> = (0..10)
            .map(|i| (format!("n{i}.md"), note.as_slice()))
            .collect();
        let entries: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        let mut upload = Unpacked::new(LIMITS);
        let error = upload
            .add_zip("bomb.zip", std::io::Cursor::new(zip_of(&entries)))
            .unwrap_err();
        assert_eq!(error, LimitExceeded::Bytes(LIMITS.max_bytes));
        assert!(error.to_string().contains("--import-max-bytes"), "{error}");
    }

    #[test]
    fn a_tarball_of_zeros_stops_at_the_budget() {
        // Compresses a thousandfold: 1 MiB of zeros in a tar entry that is not even Markdown.
        let zeros = vec![0u8; 1024 * 1024];
        let tar = tar_gz_of(&[("zeros.bin", &zeros)]);
        assert!(tar.len() < 8 * 1024, "{}", tar.len());
        let mut upload = Unpacked::new(LIMITS);
        let error = upload
            .add_tar_gz("zeros.tar.gz", tar.as_slice())
            .unwrap_err();
        assert_eq!(error, LimitExceeded::Bytes(LIMITS.max_bytes));
    }

    #[test]
    fn more_files_than_allowed_are_refused_naming_the_setting() {
        let entries: Vec<String> = (0..5).map(|i| format!("n{i}.md")).collect();
        let entries: Vec<(&str, &[u8])> = entries.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let mut upload = Unpacked::new(UnpackLimits {
            max_files: 4,
            max_bytes: 1024,
        });
        let error = upload
            .add_zip("many.zip", std::io::Cursor::new(zip_of(&entries)))
            .unwrap_err();
        assert_eq!(error, LimitExceeded::Files(4));
        assert!(error.to_string().contains("--import-max-files"), "{error}");
    }

    #[test]
    fn an_entry_over_the_note_limit_is_a_problem_not_an_abort() {
        let big = vec![b'a'; MAX_FILE_BYTES + 10];
        let mut upload = Unpacked::new(UnpackLimits {
            max_files: 10,
            max_bytes: 4 * MAX_FILE_BYTES as u64,
        });
        upload
            .add_zip("a.zip", std::io::Cursor::new(zip_of(&[("big.md", &big)])))
            .unwrap();
        assert!(upload.files.is_empty());
        assert_eq!(upload.problems[0].file, "big.md");
        assert!(upload.problems[0].message.contains("larger than"));
    }

    #[test]
    fn an_entry_pointing_outside_the_archive_is_named() {
        let mut upload = Unpacked::new(LIMITS);
        upload
            .add_zip(
                "evil.zip",
                std::io::Cursor::new(zip_of(&[("../../etc/x.md", b"x")])),
            )
            .unwrap();
        assert!(upload.files.is_empty());
        assert!(
            upload.problems[0].message.contains("points outside"),
            "{:?}",
            upload.problems
        );
    }

    #[cfg(unix)]
    #[test]
    fn things_on_disk_that_are_not_regular_files_are_skipped_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("good.md"), "# Good\n").unwrap();
        std::fs::create_dir(root.join("real")).unwrap();
        std::fs::write(root.join("real/inner.md"), "# Inner\n").unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("looped")).unwrap();
        std::os::unix::fs::symlink(root.join("nowhere"), root.join("dangling.md")).unwrap();
        std::os::unix::fs::symlink(root.join("good.md"), root.join("alias.md")).unwrap();
        let fifo = root.join("pipe.md");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let found = from_disk(&[root]).unwrap();
        let paths: Vec<_> = found.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["alias.md", "good.md", "real/inner.md"]);
        let skipped = found.skipped.join("\n");
        for name in ["looped", "dangling.md", "pipe.md"] {
            assert!(skipped.contains(name), "{name} not named in {skipped}");
        }
    }

    #[test]
    fn a_file_too_large_is_refused_from_its_size_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let big = std::fs::File::create(dir.path().join("big.md")).unwrap();
        // Sparse: 3 GB on paper, nothing on disk; reading it whole would take 3 GB of memory.
        big.set_len(3 * 1024 * 1024 * 1024).unwrap();
        let found = from_disk(&[dir.path()]).unwrap();
        assert!(found.files.is_empty());
        assert_eq!(found.problems[0].file, "big.md");
    }

    #[test]
    fn a_missing_path_is_named_in_the_error() {
        let error = from_disk(&[Path::new("/no/such/folder")]).unwrap_err();
        assert!(error.to_string().contains("/no/such/folder"), "{error}");
    }
}
