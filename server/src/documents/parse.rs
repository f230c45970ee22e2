//! From a file's text to a [`ParsedDocument`]: which front-matter keys Lore understands (in the
//! spellings real knowledge bases use), what they must look like, and what is derived when they
//! are missing. Every problem is reported with its line and column; a file with problems yields
//! no document.

use super::front_matter::{self, Block, Located, Syntax, normalise_key};
use super::value::{Entries, Value};
use app::contract::{EdgeKind, Flavor};

/// A document read from a file, before ids of other documents are resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDocument {
    /// Its id: front matter `id`, else derived from the file name.
    pub id: String,
    /// `(line, column)` of the `id` value, or `(1, 1)` when the id was derived.
    pub id_at: (usize, usize),
    /// Whether the front matter names the id. A derived id may be qualified by the file's
    /// folders on import, when another note has the same file name.
    pub id_written: bool,
    /// The file's path inside the imported tree, `/`-separated (also where export writes it).
    pub source_path: String,
    /// Title: front matter, else the first `# ` heading, else the file name.
    pub title: String,
    /// Front matter `description`.
    pub description: Option<String>,
    /// Front matter `author`.
    pub author: Option<String>,
    /// `created_at` (or `createdAt`, `date`, ...), as written.
    pub created_at: Option<String>,
    /// `updated_at` (or `updatedAt`, `lastmod`, ...), as written.
    pub updated_at: Option<String>,
    /// `version`, as written.
    pub version: Option<String>,
    /// `draft: true`.
    pub draft: bool,
    /// Tags, in order, without duplicates.
    pub tags: Vec<String>,
    /// Other names of the note (`aliases`), which wikilinks in a vault may use; read only for
    /// vault notes, and never a reason to refuse a file (other tools use the key for other
    /// things, like Hugo's old URLs).
    pub aliases: Vec<String>,
    /// Relationship entries as written (ids or relative paths), with their kind.
    pub relationships: Vec<(EdgeKind, String)>,
    /// The collection it belongs to, if any.
    pub collection: Option<Collection>,
    /// How the file was laid out, to write it back the same way.
    pub layout: Layout,
    /// The Markdown body.
    pub body: String,
    /// The line of the file the body starts on (1-based), for locating problems in it.
    pub body_line: usize,
}

/// The longest id: it is part of every address of the note, and addresses have limits.
pub const MAX_ID_CHARS: usize = 200;

/// The most tags a note may have.
pub const MAX_TAGS: usize = 200;

/// The most relationships (prerequisites, successors and related together) a note may have.
pub const MAX_RELATIONSHIPS: usize = 500;

/// A collection as a document file declares it (or its folder implies it).
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// Its id: a slug of its title.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The collection block's entries, when the file had the nested layout.
    pub entries: Entries,
}

/// Everything about a file's shape that export needs to write it back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    /// The syntax of the document's front matter.
    pub syntax: Syntax,
    /// The document's front matter, every key in order, understood or not.
    pub front_matter: Entries,
    /// The collection block of the nested layout.
    pub collection_block: Option<Entries>,
    /// What stood between the two blocks of the nested layout.
    pub preamble: String,
    /// Everything before the body exactly as it was in the file, while the front matter has not
    /// been changed in Lore: export then gives back the file byte for byte, so an exported
    /// folder under version control shows no diff. `None` once the front matter is edited, and
    /// export writes it from `front_matter` instead.
    #[serde(default)]
    pub head: Option<String>,
    /// Whether the file began with a UTF-8 byte order mark, which export writes back (without
    /// it, re-importing an export would change the note).
    #[serde(default)]
    pub bom: bool,
    /// The dialect its body is written in. It is not in the file: it is how the file was read
    /// (an import of a vault, or `--flavor`), kept so that the note reads the same when it is
    /// rendered again or edited. Not written when plain, so plain notes' layouts are as before.
    #[serde(default, skip_serializing_if = "Flavor::is_markdown")]
    pub flavor: Flavor,
}

// The front-matter keys Lore understands, normalised (see `normalise_key`): each field's
// spellings in the knowledge bases people import, the first being the one Lore writes.
/// Keys of the id.
pub const ID_KEYS: &[&str] = &["id", "slug"];
/// Keys of the title.
pub const TITLE_KEYS: &[&str] = &["title"];
/// Keys of the description.
pub const DESCRIPTION_KEYS: &[&str] = &["description", "summary"];
/// Keys of the author.
pub const AUTHOR_KEYS: &[&str] = &["author"];
/// Keys of the creation date.
pub const CREATED_KEYS: &[&str] = &["createdat", "created", "date"];
/// Keys of the date of the last change.
pub const UPDATED_KEYS: &[&str] = &[
    "updatedat",
    "updated",
    "lastmod",
    "modified",
    "lastmodified",
];
/// Keys of the tags.
pub const TAG_KEYS: &[&str] = &["tags", "keywords"];
/// Keys of a vault note's other names (Obsidian's `aliases`).
pub const ALIAS_KEYS: &[&str] = &["aliases", "alias"];
/// Key of the nested relationships mapping.
pub const RELATIONSHIP_KEYS: &[&str] = &["relationships"];

/// Parses one file. `path` is its `/`-separated path inside the imported tree.
pub fn parse_document(path: &str, text: &str) -> Result<ParsedDocument, Vec<Located>> {
    let split = front_matter::split(text)?;
    let fm = &split.front_matter;
    let mut problems = Vec::new();

    let text_field = |names: &[&str], label: &str, problems: &mut Vec<Located>| -> Option<String> {
        let (_, value, (line, column)) = fm.find(names)?;
        match value.as_text() {
            Some("") => None,
            Some(text) => Some(text.to_owned()),
            None => {
                problems.push(Located::new(
                    line,
                    column,
                    format!("`{label}` must be a single value, not a list or mapping"),
                ));
                None
            }
        }
    };

    let id = match text_field(ID_KEYS, "id", &mut problems) {
        Some(id) => {
            let (_, _, (line, column)) = fm.find(ID_KEYS).expect("found above");
            if id.chars().count() > MAX_ID_CHARS {
                problems.push(Located::new(
                    line,
                    column,
                    format!(
                        "the id is {} characters long; at most {MAX_ID_CHARS} fit in an address",
                        id.chars().count()
                    ),
                ));
            } else if !is_slug(&id) {
                problems.push(Located::new(
                    line,
                    column,
                    format!("id `{id}` is not a slug: use lower-case letters, digits and `-` (for example `{}`)", slugify(&id)),
                ));
            }
            id
        }
        None => {
            let id = id_from_path(path);
            if id.chars().count() > MAX_ID_CHARS {
                problems.push(Located::new(
                    1,
                    1,
                    format!(
                        "the file name makes an id {} characters long; at most {MAX_ID_CHARS} fit in an address: give the note a shorter `id:`",
                        id.chars().count()
                    ),
                ));
            }
            id
        }
    };
    let title = text_field(TITLE_KEYS, "title", &mut problems)
        .or_else(|| first_heading(&split.body))
        .unwrap_or_else(|| humanise(file_stem(path)));
    let description = text_field(DESCRIPTION_KEYS, "description", &mut problems);
    let author = text_field(AUTHOR_KEYS, "author", &mut problems);
    let created_at = date_field(fm, CREATED_KEYS, "created_at", &mut problems);
    let updated_at = date_field(fm, UPDATED_KEYS, "updated_at", &mut problems);
    let version = text_field(&["version"], "version", &mut problems);
    let draft = bool_field(fm, &["draft"], "draft", &mut problems);
    let tags = list_field(fm, TAG_KEYS, "tags", &mut problems);
    if tags.len() > MAX_TAGS {
        let (_, _, (line, column)) = fm.find(TAG_KEYS).expect("tags were read");
        problems.push(Located::new(
            line,
            column,
            format!(
                "the note has {} tags; at most {MAX_TAGS} are allowed",
                tags.len()
            ),
        ));
    }

    let mut relationships = Vec::new();
    if let Some((_, value, (line, column))) = fm.find(RELATIONSHIP_KEYS) {
        match value {
            Value::Map { map } => {
                for (key, value) in map {
                    let Some(kind) = relationship_kind(key) else {
                        problems.push(Located::new(line, column, format!("unknown relationship `{key}`: use prerequisites, successors or related")));
                        continue;
                    };
                    match list_of_text(value) {
                        Some(items) => relationships.extend(items.into_iter().map(|t| (kind, t))),
                        None => problems.push(Located::new(
                            line,
                            column,
                            format!("relationships.{key} must be a list of document ids or paths"),
                        )),
                    }
                }
            }
            Value::Plain(text) if text.is_empty() => {}
            _ => problems.push(Located::new(
                line,
                column,
                "`relationships` must be a mapping with prerequisites, successors and related",
            )),
        }
    }
    for (name, kind) in [
        ("prerequisites", EdgeKind::Prerequisite),
        ("successors", EdgeKind::Successor),
        ("related", EdgeKind::Related),
    ] {
        for item in list_field(fm, &[name], name, &mut problems) {
            relationships.push((kind, item));
        }
    }

    if relationships.len() > MAX_RELATIONSHIPS {
        let (line, column) = fm
            .find(RELATIONSHIP_KEYS)
            .or_else(|| fm.find(&["prerequisites", "successors", "related"]))
            .map_or((1, 1), |(_, _, at)| at);
        problems.push(Located::new(
            line,
            column,
            format!(
                "the note has {} relationships; at most {MAX_RELATIONSHIPS} are allowed",
                relationships.len()
            ),
        ));
    }

    let collection = match &split.collection_block {
        Some(block) => collection_from_block(block, &mut problems),
        None => {
            let named = text_field(&["collection", "category"], "collection", &mut problems)
                .or_else(|| {
                    list_field(fm, &["categories"], "categories", &mut problems)
                        .into_iter()
                        .next()
                });
            named
                .map(|title| Collection {
                    id: slugify(&title),
                    title,
                    entries: Vec::new(),
                })
                .or_else(|| folder_collection(path))
        }
    };

    if !problems.is_empty() {
        return Err(problems);
    }
    let written_at = fm.find(ID_KEYS).map(|(_, _, at)| at);
    Ok(ParsedDocument {
        id,
        id_at: written_at.unwrap_or((1, 1)),
        id_written: written_at.is_some(),
        source_path: path.to_owned(),
        title,
        description,
        author,
        created_at,
        updated_at,
        version,
        draft,
        tags,
        aliases: fm
            .find(ALIAS_KEYS)
            .and_then(|(_, value, _)| list_of_text(value))
            .map(|mut aliases| {
                aliases.dedup();
                aliases.truncate(MAX_TAGS);
                aliases
            })
            .unwrap_or_default(),
        relationships,
        collection,
        layout: Layout {
            syntax: split.syntax,
            front_matter: split.front_matter.entries.clone(),
            collection_block: split.collection_block.map(|b| b.entries),
            preamble: split.preamble,
            head: Some(head_of(text, &split.body).to_owned()),
            bom: text.starts_with('\u{feff}'),
            flavor: Flavor::Markdown,
        },
        body: split.body,
        body_line: split.body_line,
    })
}

/// What comes before `body` in `text` (the body is always the file's tail).
fn head_of<'a>(text: &'a str, body: &str) -> &'a str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    &text[..text.len() - body.len()]
}

/// The relationship a key names (`prerequisites`, `requires`, `next`, `see_also`, ...).
pub fn relationship_kind(key: &str) -> Option<EdgeKind> {
    match normalise_key(key).as_str() {
        "prerequisites" | "prerequisite" | "requires" => Some(EdgeKind::Prerequisite),
        "successors" | "successor" | "next" => Some(EdgeKind::Successor),
        "related" | "seealso" => Some(EdgeKind::Related),
        _ => None,
    }
}

fn date_field(
    fm: &Block,
    names: &[&str],
    label: &str,
    problems: &mut Vec<Located>,
) -> Option<String> {
    let (key, value, (line, column)) = fm.find(names)?;
    let text = value.as_text()?;
    if text.is_empty() {
        return None;
    }
    if is_date(text) {
        Some(text.to_owned())
    } else {
        problems.push(Located::new(
            line,
            column,
            format!("unknown date format `{text}` in `{key}` ({label}): write YYYY-MM-DD or an RFC 3339 date-time like 2025-07-02T10:00:00Z"),
        ));
        None
    }
}

fn bool_field(fm: &Block, names: &[&str], label: &str, problems: &mut Vec<Located>) -> bool {
    let Some((_, value, (line, column))) = fm.find(names) else {
        return false;
    };
    match value.as_text().map(str::to_ascii_lowercase).as_deref() {
        Some("true" | "yes") => true,
        Some("false" | "no" | "") => false,
        _ => {
            problems.push(Located::new(
                line,
                column,
                format!("`{label}` must be true or false"),
            ));
            false
        }
    }
}

/// A list of strings; a single string is read as a one-item list, and `a, b` in one string as
/// two items (both common in hand-written front matter).
fn list_field(fm: &Block, names: &[&str], label: &str, problems: &mut Vec<Located>) -> Vec<String> {
    let Some((_, value, (line, column))) = fm.find(names) else {
        return Vec::new();
    };
    match list_of_text(value) {
        Some(items) => {
            let mut seen = std::collections::HashSet::new();
            items
                .into_iter()
                .filter(|item| seen.insert(item.clone()))
                .collect()
        }
        None => {
            problems.push(Located::new(
                line,
                column,
                format!("`{label}` must be a list of words"),
            ));
            Vec::new()
        }
    }
}

fn list_of_text(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::List(items) => items
            .iter()
            .map(|i| i.as_text().map(str::to_owned))
            .collect(),
        Value::Plain(text) | Value::Quoted { quoted: text } => Some(
            text.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Value::Map { .. } => None,
    }
}

fn collection_from_block(block: &Block, problems: &mut Vec<Located>) -> Option<Collection> {
    let (_, value, (line, column)) = block.find(&["title", "name"])?;
    match value.as_text() {
        Some(title) if !title.is_empty() => Some(Collection {
            id: slugify(title),
            title: title.to_owned(),
            entries: block.entries.clone(),
        }),
        _ => {
            problems.push(Located::new(
                line,
                column,
                "the collection's `title` must be a single value",
            ));
            None
        }
    }
}

/// Notes kept in folders belong to the collection of their top folder (`system_design/x.md` is
/// in "System design"): how MkDocs, Obsidian and plain folders of notes are organised.
fn folder_collection(path: &str) -> Option<Collection> {
    let (folder, _) = path.split_once('/')?;
    Some(Collection {
        id: slugify(folder),
        title: humanise(folder),
        entries: Vec::new(),
    })
}

fn first_heading(body: &str) -> Option<String> {
    body.lines()
        .find_map(|line| line.strip_prefix("# "))
        .map(|h| h.trim().trim_end_matches('#').trim().to_owned())
        .filter(|h| !h.is_empty())
}

/// The last path segment without its extension.
pub fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// The id a file gets when its front matter has none: its name as a slug. `index.md` and
/// `README.md` take their folder's name instead, since every folder may have one.
pub fn id_from_path(path: &str) -> String {
    let stem = file_stem(path);
    if matches!(
        stem.to_ascii_lowercase().as_str(),
        "index" | "readme" | "_index"
    ) {
        let mut segments = path.rsplit('/');
        segments.next();
        if let Some(folder) = segments.next() {
            return slugify(folder);
        }
    }
    slugify(stem)
}

/// Lower-case ASCII letters and digits joined by single `-`.
pub fn slugify(text: &str) -> String {
    slug::slugify(text)
}

/// Whether `text` is already a slug (what `slugify` would leave unchanged).
pub fn is_slug(text: &str) -> bool {
    !text.is_empty() && slugify(text) == text
}

/// `system_design` → `System design`.
fn humanise(name: &str) -> String {
    let spaced = name.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and a time, with an optional offset.
pub fn is_date(text: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let date = format_description!("[year]-[month]-[day]");
    let space_time = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let local_time = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::Date::parse(text, date).is_ok()
        || time::OffsetDateTime::parse(text, &Rfc3339).is_ok()
        || time::PrimitiveDateTime::parse(text, space_time).is_ok()
        || time::PrimitiveDateTime::parse(text, local_time).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../tests/fixtures/nested-collection.md");

    #[test]
    fn the_seed_file_is_a_collection_holding_its_document() {
        let doc = parse_document("architecture/client-server.md", SEED).unwrap();
        assert_eq!(doc.id, "web-client-server-architecture");
        assert_eq!(doc.title, "Client-Server Architecture");
        let collection = doc.collection.unwrap();
        assert_eq!(
            (collection.id.as_str(), collection.title.as_str()),
            ("architecture", "Architecture")
        );
        assert_eq!(
            doc.tags,
            [
                "client_server",
                "architecture",
                "system_design",
                "networking"
            ]
        );
        assert_eq!(doc.version.as_deref(), Some("1.0.0"));
        assert_eq!(doc.created_at.as_deref(), Some("2025-07-02"));
        assert_eq!(
            doc.relationships,
            [
                (
                    EdgeKind::Related,
                    "../system_design/load_balancer.md".to_owned()
                ),
                (EdgeKind::Related, "../system_design/proxy.md".to_owned()),
                (EdgeKind::Related, "../networking/http.md".to_owned()),
            ]
        );
        assert!(
            doc.body
                .trim_start()
                .starts_with("# Client-Server Architecture")
        );
        assert!(!doc.body.contains("id: web-client-server-architecture"));
    }

    #[test]
    fn camel_case_keys_categories_and_draft_are_understood() {
        let text = "---\ntitle: Proxies\ncreatedAt: 2024-01-02\nupdatedAt: 2024-02-03T10:00:00Z\ncategories: [System Design, Networking]\ndraft: true\n---\nBody\n";
        let doc = parse_document("proxies.md", text).unwrap();
        assert_eq!(doc.created_at.as_deref(), Some("2024-01-02"));
        assert_eq!(doc.updated_at.as_deref(), Some("2024-02-03T10:00:00Z"));
        assert_eq!(doc.collection.unwrap().id, "system-design");
        assert!(doc.draft);
        assert_eq!(doc.id, "proxies");
    }

    #[test]
    fn a_file_without_front_matter_takes_its_title_from_the_first_heading() {
        let doc =
            parse_document("notes/HTTP Basics.md", "Intro\n\n# HTTP basics\n\nText\n").unwrap();
        assert_eq!(doc.title, "HTTP basics");
        assert_eq!(doc.id, "http-basics");
        assert_eq!(doc.collection.unwrap().title, "Notes");
    }

    #[test]
    fn version_is_kept_as_written() {
        let doc = parse_document("a.md", "---\nversion: 1.0\n---\n").unwrap();
        assert_eq!(doc.version.as_deref(), Some("1.0"));
    }

    #[test]
    fn toml_front_matter_is_understood() {
        let doc = parse_document(
            "a.md",
            "+++\ntitle = \"TOML note\"\ntags = [\"x\", \"y\"]\ndate = 2024-05-06\n+++\nBody\n",
        )
        .unwrap();
        assert_eq!(doc.title, "TOML note");
        assert_eq!(doc.tags, ["x", "y"]);
        assert_eq!(doc.created_at.as_deref(), Some("2024-05-06"));
    }

    #[test]
    fn an_unknown_date_format_names_the_key_and_its_position() {
        let errors =
            parse_document("a.md", "---\ntitle: A\ncreated_at: 02/07/2025\n---\n").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (3, 13));
        assert!(
            errors[0]
                .message
                .contains("unknown date format `02/07/2025`"),
            "{errors:?}"
        );
    }

    #[test]
    fn every_problem_of_a_file_is_reported_at_once() {
        let errors = parse_document(
            "a.md",
            "---\nid: Not A Slug\ndraft: maybe\ntags: {a: b}\n---\n",
        )
        .unwrap_err();
        let lines: Vec<u32> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4], "{errors:?}");
    }

    #[test]
    fn index_files_take_their_folders_name() {
        assert_eq!(id_from_path("system_design/index.md"), "system-design");
        assert_eq!(id_from_path("networking/http.md"), "http");
    }

    #[test]
    fn dates_in_common_shapes_are_accepted() {
        for ok in [
            "2025-07-02",
            "2025-07-02T10:00:00Z",
            "2025-07-02T10:00:00+02:00",
            "2025-07-02 10:00:00",
        ] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in ["02/07/2025", "July 2nd", "2025-13-01", ""] {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
