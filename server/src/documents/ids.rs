//! Which id each imported file gets when its front matter names none.
//!
//! A note's id is its file name as a slug (`networking/http.md` is `http`), which is short and
//! what people write in links. Real folder trees repeat file names (`linux/top.md`,
//! `osx/top.md`; a `README.md` in every folder), so where a name is not unique the id is
//! qualified by as few of the file's folders as make it unique (`linux-top`, `osx-top`), the
//! way Obsidian shortens a path. A note already stored keeps its id whatever arrives later: its
//! address, and every link to it, stay as they were. Two files that write the same `id:` are
//! still an error, since the writer asked for both.

use super::parse::{MAX_ID_CHARS, ParsedDocument, file_stem, id_from_path, slugify};
use crate::store::KnownDocument;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A file whose id cannot be given: it names, or can only be qualified to, an id another
/// note has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    /// The file refused.
    pub path: String,
    /// Where its id is written (`(1, 1)` when derived).
    pub at: (usize, usize),
    /// Why.
    pub message: String,
}

/// Gives every document of `batch` its id, beside the `known` notes already stored, and
/// returns the documents that cannot have one. Written ids are kept; a derived id is the
/// stored note's when the file is already in the base, else the file name's when no other note
/// (stored or in the batch) derives or has it, else the file name qualified by folders.
pub fn assign(batch: &mut [&mut ParsedDocument], known: &[KnownDocument]) -> Vec<Clash> {
    let mut clashes = Vec::new();
    // Each id given so far, and the path of the file that has it.
    let mut taken: HashMap<String, String> = known
        .iter()
        .map(|k| (k.id.clone(), k.source_path.clone()))
        .collect();
    let stored_at: HashMap<&str, &str> = known
        .iter()
        .map(|k| (k.source_path.as_str(), k.id.as_str()))
        .collect();

    for document in batch.iter_mut().filter(|d| d.id_written) {
        match taken.get(&document.id) {
            Some(other) if *other != document.source_path => clashes.push(Clash {
                path: document.source_path.clone(),
                at: document.id_at,
                message: format!("duplicate id `{}`: `{other}` already has it", document.id),
            }),
            _ => {
                taken.insert(document.id.clone(), document.source_path.clone());
            }
        }
    }

    // Derived ids, by the file name they come from; a file already stored keeps its id.
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, document) in batch.iter_mut().enumerate() {
        if document.id_written {
            continue;
        }
        match stored_at.get(document.source_path.as_str()) {
            Some(id) => document.id = (*id).to_owned(),
            None => by_name.entry(document.id.clone()).or_default().push(index),
        }
    }
    // Unique names first. A qualified id never takes a name that files are known by (stored
    // or arriving), or a link written with that name would lead to the wrong note.
    let mut names: HashSet<String> = known.iter().map(|k| id_from_path(&k.source_path)).collect();
    let mut to_qualify = Vec::new();
    for (name, files) in by_name {
        if files.len() == 1 && !taken.contains_key(&name) {
            taken.insert(name.clone(), batch[files[0]].source_path.clone());
        } else {
            to_qualify.extend(files);
        }
        names.insert(name);
    }
    // Shallow files first: of `top.md` and `linux/top.md`, the first keeps `top`.
    to_qualify.sort_by_key(|&index| {
        let path = &batch[index].source_path;
        (path.matches('/').count(), path.clone())
    });
    for index in to_qualify {
        let document = &mut *batch[index];
        let candidates = qualified(&document.source_path);
        let free = |id: &&String| {
            !taken.contains_key(*id)
                && (!names.contains(*id) || candidates.len() == 1 && **id == document.id)
        };
        match candidates.iter().find(free) {
            Some(id) => {
                taken.insert(id.clone(), document.source_path.clone());
                document.id = id.clone();
            }
            None => {
                let last = candidates.last().unwrap_or(&document.id);
                let other = taken.get(last).map_or("another note", String::as_str);
                clashes.push(Clash {
                    path: document.source_path.clone(),
                    at: document.id_at,
                    message: format!(
                        "duplicate id `{last}`: `{other}` already has it, and this file's path makes no other; give the note an `id:`"
                    ),
                });
            }
        }
    }
    clashes
}

/// The ids `path` may take when its file name is not unique, shortest first: its name with
/// one folder, with two, up to its whole path (a file at the top has only its name).
fn qualified(path: &str) -> Vec<String> {
    let without_extension = path.rsplit_once('/').map_or_else(
        || file_stem(path).to_owned(),
        |(folders, _)| format!("{folders}/{}", file_stem(path)),
    );
    let mut segments: Vec<&str> = without_extension.split('/').collect();
    // `linux/README.md` is named after its folder already (see `id_from_path`).
    if segments.len() > 1 && id_from_path(path) != slugify(file_stem(path)) {
        segments.pop();
    }
    let shortest = 2.min(segments.len());
    let mut seen = HashSet::new();
    (shortest..=segments.len())
        .map(|count| slugify(&segments[segments.len() - count..].join("-")))
        .filter(|id| !id.is_empty() && id.chars().count() <= MAX_ID_CHARS)
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

/// The notes each short name (what a file name alone makes an id) belongs to, when more than
/// one: a reference that names one of these and no note's id is ambiguous.
pub fn shared_names<'a>(
    notes: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> HashMap<String, Vec<String>> {
    let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
    for (id, path) in notes {
        by_name
            .entry(id_from_path(path))
            .or_default()
            .push(id.to_owned());
    }
    by_name.retain(|_, ids| {
        ids.sort();
        ids.len() > 1
    });
    by_name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::parse::parse_document;

    fn document(path: &str, text: &str) -> ParsedDocument {
        parse_document(path, text).unwrap()
    }

    fn stored(id: &str, path: &str) -> KnownDocument {
        KnownDocument {
            id: id.into(),
            source_path: path.into(),
            content_hash: String::new(),
            layout_json: String::new(),
        }
    }

    /// The ids given to files at `paths` (no front matter), beside `known`.
    fn ids(paths: &[&str], known: &[KnownDocument]) -> (Vec<String>, Vec<Clash>) {
        let mut documents: Vec<ParsedDocument> =
            paths.iter().map(|p| document(p, "Text.\n")).collect();
        let clashes = assign(&mut documents.iter_mut().collect::<Vec<_>>(), known);
        (documents.into_iter().map(|d| d.id).collect(), clashes)
    }

    #[test]
    fn a_unique_file_name_keeps_its_short_id() {
        let (ids, clashes) = ids(&["networking/http.md", "linux/top.md"], &[]);
        assert_eq!(ids, ["http", "top"]);
        assert!(clashes.is_empty());
    }

    #[test]
    fn repeated_file_names_are_qualified_by_as_few_folders_as_tell_them_apart() {
        let (ids, clashes) = ids(
            &[
                "linux/top.md",
                "osx/top.md",
                "windows/top.md",
                "a/tools/readme.md",
                "b/tools/README.md",
                "notes/http.md",
            ],
            &[],
        );
        assert_eq!(
            ids,
            [
                "linux-top",
                "osx-top",
                "windows-top",
                "a-tools",
                "b-tools",
                "http"
            ]
        );
        assert!(clashes.is_empty());
    }

    #[test]
    fn a_file_at_the_top_keeps_the_short_id_beside_a_deeper_one() {
        let (ids, _) = ids(&["guide/top.md", "top.md"], &[]);
        assert_eq!(ids, ["guide-top", "top"]);
    }

    #[test]
    fn a_stored_note_keeps_its_id_when_a_file_of_the_same_name_arrives() {
        let known = [stored("top", "linux/top.md")];
        let (ids, clashes) = ids(&["osx/top.md", "linux/top.md"], &known);
        assert_eq!(ids, ["osx-top", "top"]);
        assert!(clashes.is_empty());
    }

    #[test]
    fn a_qualified_id_never_takes_a_name_another_file_is_known_by() {
        // `b/c.md` qualified would be `b-c`, the name two other files are linked by.
        let (ids, clashes) = ids(&["a/b-c.md", "x/b-c.md", "b/c.md", "y/c.md"], &[]);
        assert_eq!(ids[..2], ["a-b-c", "x-b-c"]);
        assert_eq!(ids[3], "y-c");
        assert_eq!(clashes.len(), 1);
        assert_eq!(clashes[0].path, "b/c.md");
        assert!(
            clashes[0].message.contains("give the note an `id:`"),
            "{clashes:?}"
        );
    }

    #[test]
    fn two_files_writing_the_same_id_are_still_refused() {
        let mut documents = [
            document("a/x.md", "---\nid: same\n---\nA\n"),
            document("b/y.md", "---\nid: same\n---\nB\n"),
        ];
        let clashes = assign(&mut documents.iter_mut().collect::<Vec<_>>(), &[]);
        assert_eq!(clashes.len(), 1);
        assert_eq!(clashes[0].path, "b/y.md");
        assert_eq!(clashes[0].at, (2, 5));
        assert_eq!(
            clashes[0].message,
            "duplicate id `same`: `a/x.md` already has it"
        );
    }

    #[test]
    fn a_written_id_wins_over_a_derived_one() {
        let mut documents = [
            document("a/top.md", "A\n"),
            document("b/other.md", "---\nid: top\n---\nB\n"),
        ];
        assign(&mut documents.iter_mut().collect::<Vec<_>>(), &[]);
        assert_eq!(documents[0].id, "a-top");
        assert_eq!(documents[1].id, "top");
    }

    #[test]
    fn names_shared_by_several_notes_are_listed_with_their_ids() {
        let shared = shared_names([
            ("linux-top", "linux/top.md"),
            ("osx-top", "osx/top.md"),
            ("http", "http.md"),
        ]);
        assert_eq!(shared.len(), 1);
        assert_eq!(shared["top"], ["linux-top", "osx-top"]);
    }
}
