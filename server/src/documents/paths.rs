//! The paths a note may have: inside the imported tree, and writable back as a file on Linux,
//! macOS and Windows alike.
//!
//! Import is where a path is accepted or refused, because export must give every note back at
//! its path: a name that some system cannot write would make an export fail halfway, or land
//! under another name that imports back as a different note. So a path is refused, with the
//! reason, when any of those systems would refuse or alter it, and two paths are refused together
//! when a case-insensitive file system (macOS and Windows by default) would merge them, or when
//! one note's file would have to be another note's folder.

use std::collections::HashMap;

/// The longest file or folder name the file systems we write to accept, in bytes of UTF-8
/// (Linux's and macOS's limit; Windows counts 255 UTF-16 units, never fewer characters).
pub const MAX_SEGMENT_BYTES: usize = 255;

/// A `/`-separated relative path with no `..`, no leading `/` and no empty segments, or `None`
/// for a path that tries to leave the tree. Archives made on Windows may separate with `\`,
/// which is read as `/` here.
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

/// Why `path` (already cleaned: `/`-separated, relative) cannot be written back on every
/// system, or `None` when it can.
pub fn unportable(path: &str) -> Option<String> {
    path.split('/').find_map(unportable_segment)
}

fn unportable_segment(segment: &str) -> Option<String> {
    if segment.len() > MAX_SEGMENT_BYTES {
        return Some(format!(
            "the name `{}…` is {} bytes long; file systems allow at most {MAX_SEGMENT_BYTES}",
            segment.chars().take(40).collect::<String>(),
            segment.len()
        ));
    }
    if let Some(c) = segment.chars().find(|c| c.is_control()) {
        return Some(format!(
            "the name `{}` holds the control character U+{:04X}, which no file system keeps",
            segment.escape_debug(),
            u32::from(c)
        ));
    }
    // Windows refuses these in a name; `\` and `:` are also how it spells folders and drives.
    if let Some(c) = segment.chars().find(|c| r#"<>:"|?*\"#.contains(*c)) {
        return Some(format!(
            "the name `{segment}` holds `{c}`, which Windows does not allow in file names"
        ));
    }
    if segment.ends_with(['.', ' ']) {
        return Some(format!(
            "the name `{segment}` ends with a dot or a space, which Windows drops"
        ));
    }
    // `CON`, `nul.md`, `com1.txt.md`: device names on Windows, with any extension.
    let stem = segment.split('.').next().unwrap_or(segment).trim_end();
    let upper = stem.to_ascii_uppercase();
    let reserved = matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.as_bytes()[3].is_ascii_digit()
            && upper.as_bytes()[3] != b'0');
    reserved.then(|| format!("the name `{segment}` is a device name on Windows"))
}

/// Finds paths that cannot live side by side in one folder tree on every system: the same path
/// in another case, or a file where another path needs a folder.
#[derive(Debug, Default)]
pub struct Clashes {
    /// Every file path and every folder above one, by its lower-case form: the spelling first
    /// seen, and whether it is a file.
    seen: HashMap<String, (String, bool)>,
}

impl Clashes {
    /// Adds `path` (a file); returns the path already added that it clashes with, if any.
    pub fn add(&mut self, path: &str) -> Option<String> {
        let mut clash = None;
        let mut end = 0;
        let segments: Vec<&str> = path.split('/').collect();
        let mut entries = Vec::with_capacity(segments.len());
        for (i, segment) in segments.iter().enumerate() {
            end += segment.len() + usize::from(i > 0);
            entries.push((&path[..end], i + 1 == segments.len()));
        }
        for (prefix, is_file) in &entries {
            if let Some((spelling, other_is_file)) = self.seen.get(&prefix.to_lowercase())
                && (spelling != prefix || *is_file || *other_is_file)
            {
                clash = Some(self.file_under(spelling, *other_is_file));
                break;
            }
        }
        if clash.is_none() {
            for (prefix, is_file) in entries {
                self.seen
                    .entry(prefix.to_lowercase())
                    .or_insert_with(|| (prefix.to_owned(), is_file));
            }
        }
        clash
    }

    /// A file added earlier at or under `spelling`, to name in the problem.
    fn file_under(&self, spelling: &str, is_file: bool) -> String {
        if is_file {
            return spelling.to_owned();
        }
        let folder = format!("{}/", spelling.to_lowercase());
        self.seen
            .iter()
            .filter(|(key, (_, file))| *file && key.starts_with(&folder))
            .map(|(_, (path, _))| path.clone())
            .min()
            .unwrap_or_else(|| spelling.to_owned())
    }
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

    #[test]
    fn names_some_system_cannot_write_are_refused_with_the_reason() {
        let long = format!("{}.md", "a".repeat(300));
        for (path, reason) in [
            ("a\nb.md", "control character U+000A"),
            ("nul\0.md", "control character U+0000"),
            (long.as_str(), "bytes long"),
            ("notes/CON.md", "device name"),
            ("com1.md", "device name"),
            ("lpt9/x.md", "device name"),
            ("C:/x.md", "`:`"),
            ("what?.md", "`?`"),
            ("a\\b.md", "`\\`"),
            ("trailing./x.md", "ends with a dot"),
            ("x.md ", "ends with a dot or a space"),
        ] {
            let problem = unportable(path).unwrap_or_else(|| panic!("{path:?} was accepted"));
            assert!(problem.contains(reason), "{path:?}: {problem}");
        }
    }

    #[test]
    fn ordinary_names_in_any_script_are_kept() {
        for path in [
            "networking/http.md",
            "Ünïcode/日本語のノート.md",
            "with space/and-dash_underscore (1).md",
            "console.md",
            "com10.md",
            "a.b.c.md",
            "emoji 🚀.md",
        ] {
            assert_eq!(unportable(path), None, "{path}");
        }
    }

    #[test]
    fn a_file_where_a_folder_is_needed_clashes_either_way_round() {
        let mut clashes = Clashes::default();
        assert_eq!(clashes.add("x.md"), None);
        assert_eq!(clashes.add("x.md/y.md").as_deref(), Some("x.md"));
        let mut clashes = Clashes::default();
        assert_eq!(clashes.add("x.md/y.md"), None);
        assert_eq!(clashes.add("x.md").as_deref(), Some("x.md/y.md"));
    }

    #[test]
    fn paths_differing_only_in_case_clash() {
        let mut clashes = Clashes::default();
        assert_eq!(clashes.add("Notes/a.md"), None);
        assert_eq!(clashes.add("notes/b.md").as_deref(), Some("Notes/a.md"));
        assert_eq!(clashes.add("Notes/A.md").as_deref(), Some("Notes/a.md"));
        assert_eq!(clashes.add("Notes/b.md"), None);
        assert_eq!(clashes.add("other/a.md"), None);
    }
}
