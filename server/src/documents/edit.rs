//! A note's file as the editor changes it: checking a draft field by field (only what the
//! writer changed), and writing it into the note's front matter.
//!
//! A save is an import of one file: the draft is written into the note's front matter (changed
//! fields in place, with their original key spelling; every other key untouched) and the file
//! is read back by the same parser as imports ([`compose`]). Export of an edited note therefore
//! gives a file that imports back the same. Storing it, without overwriting a save the editor
//! did not see, is the service's ([`crate::service::editing`]).

use super::export::to_markdown;
use super::front_matter::{Syntax, normalise_key};
use super::import::MAX_FILE_BYTES;
use super::parse::{
    DESCRIPTION_KEYS, ID_KEYS, Layout, MAX_ID_CHARS, MAX_RELATIONSHIPS, MAX_TAGS, ParsedDocument,
    RELATIONSHIP_KEYS, TAG_KEYS, TITLE_KEYS, UPDATED_KEYS, is_slug, parse_document,
    relationship_kind, slugify,
};
use super::value::{Entries, Value};
use app::contract::{EdgeKind, NoteDraft, Problem};
use std::collections::HashSet;

/// The longest author name recorded with a revision.
pub const MAX_AUTHOR_CHARS: usize = 80;
/// The longest summary of a change.
pub const MAX_SUMMARY_CHARS: usize = 200;
/// The longest title.
pub const MAX_TITLE_CHARS: usize = 300;
/// Who a revision is by when its author gave no name (there are no accounts yet).
pub const ANONYMOUS: &str = "anonymous";

/// Who and why, as the history records them.
#[derive(Debug, Clone)]
pub struct Attribution {
    /// The author's name (anonymous when empty).
    pub author: String,
    /// What changed.
    pub summary: String,
}

impl Attribution {
    /// Checks lengths and line breaks; a blank author is recorded as anonymous.
    pub fn new(author: &str, summary: &str, problems: &mut Vec<Problem>) -> Self {
        let author = author.trim();
        let summary = summary.trim();
        one_line("author", author, MAX_AUTHOR_CHARS, problems);
        one_line("summary", summary, MAX_SUMMARY_CHARS, problems);
        Self {
            author: if author.is_empty() {
                ANONYMOUS.to_owned()
            } else {
                author.to_owned()
            },
            summary: summary.to_owned(),
        }
    }
}

impl Attribution {
    /// The author's summary, or `default` when they gave none.
    pub fn summary_or(&self, default: &str) -> String {
        if self.summary.is_empty() {
            default.to_owned()
        } else {
            self.summary.clone()
        }
    }
}

/// Whether a text field was left as it was (surrounding blanks aside): a folded YAML
/// `description: >` reads back with its line break, which the editor sends back untouched.
fn same_text(draft: &str, before: &str) -> bool {
    draft == before || draft.trim() == before.trim()
}

/// Whether a list field was left as it was.
fn same_list(draft: &[String], before: &[String]) -> bool {
    draft.len() == before.len() && draft.iter().zip(before).all(|(d, b)| same_text(d, b))
}

/// Every problem with a draft's fields, each naming its field; empty when it can be saved.
///
/// Only what the writer changed is checked against `before` (the note as stored): a note that
/// import accepted (a title longer than the editor would let one type, a tag with a comma, a
/// note listing itself as related) can still be saved after a change to its body. For lists,
/// the entries it adds are checked.
pub fn validate(draft: &NoteDraft, before: Option<&NoteDraft>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let id = draft.id.trim();
    let changed = |draft: &str, before: Option<&str>| before.is_none_or(|b| !same_text(draft, b));
    if changed(&draft.id, before.map(|b| b.id.as_str())) {
        if id.is_empty() {
            problems.push(Problem::in_field("id", "A note needs an id."));
        } else if id.chars().count() > MAX_ID_CHARS {
            problems.push(Problem::in_field(
                "id",
                format!("An id may be at most {MAX_ID_CHARS} characters long."),
            ));
        } else if !is_slug(id) {
            problems.push(Problem::in_field(
                "id",
                format!(
                    "`{id}` is not an id: use lower-case letters, digits and `-` (for example `{}`).",
                    slugify(id)
                ),
            ));
        }
    }
    if changed(&draft.title, before.map(|b| b.title.as_str())) {
        if draft.title.trim().is_empty() {
            problems.push(Problem::in_field("title", "A note needs a title."));
        }
        one_line("title", &draft.title, MAX_TITLE_CHARS, &mut problems);
    }
    if changed(&draft.description, before.map(|b| b.description.as_str())) {
        one_line(
            "description",
            &draft.description,
            MAX_TITLE_CHARS * 2,
            &mut problems,
        );
    }
    let count = draft.prerequisites.len() + draft.successors.len() + draft.related.len();
    let counted_before = before.map_or(0, |b| {
        b.prerequisites.len() + b.successors.len() + b.related.len()
    });
    for (field, items, earlier) in [
        ("tags", &draft.tags, before.map(|b| &b.tags)),
        (
            "prerequisites",
            &draft.prerequisites,
            before.map(|b| &b.prerequisites),
        ),
        (
            "successors",
            &draft.successors,
            before.map(|b| &b.successors),
        ),
        ("related", &draft.related, before.map(|b| &b.related)),
    ] {
        if earlier.is_some_and(|earlier| same_list(items, earlier)) {
            continue;
        }
        let kept: HashSet<&str> = earlier
            .into_iter()
            .flatten()
            .map(|item| item.trim())
            .collect();
        // Entries the note already listed twice (import allowed it) may stay twice.
        let mut once = HashSet::new();
        let kept_twice: HashSet<&str> = earlier
            .into_iter()
            .flatten()
            .map(|item| item.trim())
            .filter(|item| !once.insert(*item))
            .collect();
        if field == "tags" && items.len() > MAX_TAGS {
            problems.push(Problem::in_field(
                field,
                format!("A note may have at most {MAX_TAGS} tags."),
            ));
            continue;
        }
        if field != "tags" && count > MAX_RELATIONSHIPS && count > counted_before {
            problems.push(Problem::in_field(
                field,
                format!("A note may have at most {MAX_RELATIONSHIPS} relationships."),
            ));
            continue;
        }
        let mut seen = HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let item = item.trim();
            let first = seen.insert(item);
            if !first && !kept_twice.contains(item) {
                problems.push(Problem::in_field(
                    field,
                    format!("`{item}` is listed twice."),
                ));
                continue;
            }
            if kept.contains(item) {
                continue;
            }
            let what = if field == "tags" { "tag" } else { "entry" };
            if item.is_empty() {
                problems.push(Problem::in_field(
                    field,
                    format!("An empty {what} (number {}).", i + 1),
                ));
            } else if item.contains(['\n', '\r']) || (field == "tags" && item.contains(',')) {
                problems.push(Problem::in_field(
                    field,
                    format!(
                        "The {what} `{item}` cannot hold a line break{}.",
                        if field == "tags" { " or a comma" } else { "" }
                    ),
                ));
            } else if field != "tags" && item == id {
                problems.push(Problem::in_field(field, "A note cannot point to itself."));
            }
        }
    }
    if draft.body.len() > MAX_FILE_BYTES {
        problems.push(Problem::in_field(
            "body",
            format!(
                "The note is {} bytes; notes may be at most {MAX_FILE_BYTES} bytes.",
                draft.body.len()
            ),
        ));
    }
    problems
}

fn one_line(field: &str, text: &str, max_chars: usize, problems: &mut Vec<Problem>) {
    if text.contains(['\n', '\r']) {
        problems.push(Problem::in_field(field, "Write it on one line."));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        problems.push(Problem::in_field(
            field,
            format!("It is {chars} characters long; at most {max_chars} fit."),
        ));
    }
}

/// What the editor shows of a parsed note.
pub fn draft_of(document: &ParsedDocument) -> NoteDraft {
    let of_kind = |kind: EdgeKind| {
        document
            .relationships
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, reference)| reference.clone())
            .collect()
    };
    NoteDraft {
        id: document.id.clone(),
        title: document.title.clone(),
        description: document.description.clone().unwrap_or_default(),
        tags: document.tags.clone(),
        prerequisites: of_kind(EdgeKind::Prerequisite),
        successors: of_kind(EdgeKind::Successor),
        related: of_kind(EdgeKind::Related),
        body: document.body.clone(),
        flavor: Some(document.layout.flavor),
    }
}

/// Today, as Lore writes dates into front matter.
pub fn today() -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The front matter of a new note, in the order of Lore's own notes.
pub fn new_layout(draft: &NoteDraft, author: &str, today: &str) -> Layout {
    let mut entries: Entries = vec![
        ("id".into(), Value::text(draft.id.trim())),
        ("title".into(), Value::text(draft.title.trim())),
    ];
    if !draft.description.trim().is_empty() {
        entries.push(("description".into(), Value::text(draft.description.trim())));
    }
    if author != ANONYMOUS {
        entries.push(("author".into(), Value::text(author)));
    }
    entries.push(("created_at".into(), Value::Plain(today.to_owned())));
    entries.push(("updated_at".into(), Value::Plain(today.to_owned())));
    if !draft.tags.is_empty() {
        entries.push(("tags".into(), text_list(&draft.tags)));
    }
    let lists = relationship_lists(draft);
    if lists.iter().any(|(_, list)| !list.is_empty()) {
        entries.push((
            "relationships".into(),
            Value::Map {
                map: lists
                    .iter()
                    .map(|(kind, list)| (relationship_key(*kind).to_owned(), text_list(list)))
                    .collect(),
            },
        ));
    }
    Layout {
        syntax: Syntax::Yaml,
        front_matter: entries,
        collection_block: None,
        preamble: String::new(),
        head: None,
        bom: false,
        flavor: draft.flavor.unwrap_or_default(),
    }
}

/// `current`'s layout with `draft` written in: changed fields replace their values where they
/// are (same key, same position), new ones are added at the end, and every key the draft does
/// not change stays exactly as written (a folded description stays folded). The date of the
/// last change becomes `today`.
pub fn apply(draft: &NoteDraft, current: &ParsedDocument, today: &str) -> Layout {
    let before = draft_of(current);
    let mut entries = current.layout.front_matter.clone();
    if !same_text(&draft.id, &before.id) {
        set(&mut entries, ID_KEYS, Some(Value::text(draft.id.trim())));
    }
    if !same_text(&draft.title, &before.title) {
        set(
            &mut entries,
            TITLE_KEYS,
            Some(Value::text(draft.title.trim())),
        );
    }
    if !same_text(&draft.description, &before.description) {
        let description = Some(draft.description.trim()).filter(|d| !d.is_empty());
        set(&mut entries, DESCRIPTION_KEYS, description.map(Value::text));
    }
    if !same_list(&draft.tags, &before.tags) {
        set(
            &mut entries,
            TAG_KEYS,
            (!draft.tags.is_empty()).then(|| text_list(&draft.tags)),
        );
    }
    for ((kind, list), (_, written)) in relationship_lists(draft)
        .into_iter()
        .zip(relationship_lists(&before))
    {
        if !same_list(list, written) {
            set_relationship(&mut entries, kind, list);
        }
    }
    set(
        &mut entries,
        UPDATED_KEYS,
        Some(Value::Plain(today.to_owned())),
    );
    Layout {
        syntax: current.layout.syntax,
        front_matter: entries,
        collection_block: current.layout.collection_block.clone(),
        preamble: current.layout.preamble.clone(),
        // Written again from the entries on export.
        head: None,
        bom: current.layout.bom,
        flavor: draft.flavor.unwrap_or(current.layout.flavor),
    }
}

/// Whether `draft` changes nothing of `before`.
pub fn unchanged(draft: &NoteDraft, before: &NoteDraft) -> bool {
    same_text(&draft.id, &before.id)
        && same_text(&draft.title, &before.title)
        && same_text(&draft.description, &before.description)
        && same_list(&draft.tags, &before.tags)
        && relationship_lists(draft)
            .into_iter()
            .zip(relationship_lists(before))
            .all(|((_, a), (_, b))| same_list(a, b))
        && draft.body == before.body
        && draft
            .flavor
            .is_none_or(|flavor| Some(flavor) == before.flavor)
}

/// Writes `layout` and `body` as a file at `path` and reads it back with the import parser:
/// the file a revision keeps, and the document to store.
pub fn compose(
    path: &str,
    layout: &Layout,
    body: &str,
) -> Result<(String, ParsedDocument), Vec<Problem>> {
    let source = to_markdown(layout, body);
    let mut document = parse_document(path, &source).map_err(|located| {
        located
            .into_iter()
            .map(|l| Problem {
                file: path.to_owned(),
                line: l.line,
                column: l.column,
                message: l.message,
                field: None,
            })
            .collect::<Vec<_>>()
    })?;
    if document.body != body {
        // A body that opens with a `---` block would read back as front matter.
        return Err(vec![Problem::in_field(
            "body",
            "The body cannot begin with a `---` block: it would be read as front matter. Start it with a line of text or a heading.",
        )]);
    }
    // The dialect is not in the file: it stays what the layout says.
    document.layout.flavor = layout.flavor;
    Ok((source, document))
}

fn relationship_lists(draft: &NoteDraft) -> [(EdgeKind, &Vec<String>); 3] {
    [
        (EdgeKind::Prerequisite, &draft.prerequisites),
        (EdgeKind::Successor, &draft.successors),
        (EdgeKind::Related, &draft.related),
    ]
}

fn relationship_key(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Prerequisite => "prerequisites",
        EdgeKind::Successor => "successors",
        EdgeKind::Related | EdgeKind::Link => "related",
    }
}

fn text_list(items: &[String]) -> Value {
    Value::List(items.iter().map(|i| Value::text(i.trim())).collect())
}

fn position(entries: &Entries, names: &[&str]) -> Option<usize> {
    entries
        .iter()
        .position(|(key, _)| names.contains(&normalise_key(key).as_str()))
}

/// Sets the field known by `names` (the first being the key to add) to `value`, in place;
/// `None` removes it. An equal value is left as written, quotes and all.
fn set(entries: &mut Entries, names: &[&str], value: Option<Value>) {
    match (position(entries, names), value) {
        (Some(i), Some(value)) => {
            if entries[i].1 != value {
                entries[i].1 = value;
            }
        }
        (Some(i), None) => {
            entries.remove(i);
        }
        (None, Some(value)) => entries.push((canonical_key(names[0]).to_owned(), value)),
        (None, None) => {}
    }
}

/// The key Lore writes for a field, in the snake_case of its own notes.
fn canonical_key(normalised: &str) -> &str {
    match normalised {
        "createdat" => "created_at",
        "updatedat" => "updated_at",
        other => other,
    }
}

/// Writes one kind of relationship where the file keeps it: inside `relationships:` when there
/// is one (the seed's layout), else in a top-level key of that name, else in a new
/// `relationships:` mapping.
fn set_relationship(entries: &mut Entries, kind: EdgeKind, list: &[String]) {
    let top_level = |key: &str| relationship_key(kind) == normalise_key(key);
    if let Some(i) = position(entries, RELATIONSHIP_KEYS) {
        let map = match &mut entries[i].1 {
            Value::Map { map } => map,
            other => {
                *other = Value::Map { map: Vec::new() };
                let Value::Map { map } = other else {
                    unreachable!("just made a map")
                };
                map
            }
        };
        match map
            .iter()
            .position(|(key, _)| relationship_kind(key) == Some(kind))
        {
            Some(j) => map[j].1 = text_list(list),
            None => map.push((relationship_key(kind).to_owned(), text_list(list))),
        }
        entries.retain(|(key, _)| !top_level(key));
        return;
    }
    if let Some(i) = entries.iter().position(|(key, _)| top_level(key)) {
        if list.is_empty() {
            entries.remove(i);
        } else {
            entries[i].1 = text_list(list);
        }
        return;
    }
    if !list.is_empty() {
        entries.push((
            "relationships".to_owned(),
            Value::Map {
                map: vec![(relationship_key(kind).to_owned(), text_list(list))],
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::contract::Flavor;

    fn parsed(text: &str) -> ParsedDocument {
        parse_document("notes/a.md", text).unwrap()
    }

    #[test]
    fn an_edit_changes_only_the_fields_it_touches_and_keeps_every_other_key() {
        let current = parsed(
            "---\nid: a\nTitle: Old\ncustom_key: keep me\nversion: 1.0\nupdatedAt: 2024-01-01\ntags: [x]\n---\nBody\n",
        );
        let mut draft = draft_of(&current);
        draft.title = "New".into();
        let layout = apply(&draft, &current, "2026-11-26");
        let (source, document) = compose("notes/a.md", &layout, &draft.body).unwrap();
        assert_eq!(
            source,
            "---\nid: a\nTitle: New\ncustom_key: keep me\nversion: 1.0\nupdatedAt: 2026-11-26\ntags:\n  - x\n---\nBody\n"
        );
        assert_eq!(document.title, "New");
        assert_eq!(document.version.as_deref(), Some("1.0"));
    }

    #[test]
    fn relationships_are_written_inside_the_relationships_mapping_when_there_is_one() {
        let current = parsed(
            "---\nid: a\ntitle: A\nrelationships:\n  prerequisites: []\n  related:\n    - ../b.md\n---\n",
        );
        let mut draft = draft_of(&current);
        draft.prerequisites = vec!["c".into()];
        let layout = apply(&draft, &current, "2026-11-26");
        let (source, document) = compose("notes/a.md", &layout, "").unwrap();
        assert!(
            source
                .contains("relationships:\n  prerequisites:\n    - c\n  related:\n    - ../b.md\n"),
            "{source}"
        );
        assert_eq!(
            document.relationships,
            [
                (EdgeKind::Prerequisite, "c".to_owned()),
                (EdgeKind::Related, "../b.md".to_owned())
            ]
        );
    }

    #[test]
    fn a_cleared_description_is_removed_and_a_derived_title_is_not_written() {
        let current = parsed("---\ndescription: gone soon\n---\n# Heading title\n");
        let mut draft = draft_of(&current);
        draft.description.clear();
        let layout = apply(&draft, &current, "2026-11-26");
        let (source, _) = compose("notes/a.md", &layout, &draft.body).unwrap();
        assert_eq!(
            source,
            "---\nupdated_at: 2026-11-26\n---\n# Heading title\n"
        );
    }

    #[test]
    fn a_new_note_is_written_in_the_seed_layout() {
        let draft = NoteDraft {
            id: "new-note".into(),
            title: "New: a note".into(),
            tags: vec!["one".into()],
            related: vec!["other".into()],
            body: "Text\n".into(),
            ..NoteDraft::default()
        };
        let layout = new_layout(&draft, "Ada", "2026-11-26");
        let (source, document) = compose("new-note.md", &layout, &draft.body).unwrap();
        assert_eq!(
            source,
            "---\nid: new-note\ntitle: \"New: a note\"\nauthor: Ada\ncreated_at: 2026-11-26\nupdated_at: 2026-11-26\ntags:\n  - one\nrelationships:\n  prerequisites: []\n  successors: []\n  related:\n    - other\n---\nText\n"
        );
        // A draft that names no dialect is a plain note, and reads back as one.
        assert_eq!(
            draft_of(&document),
            NoteDraft {
                flavor: Some(Flavor::Markdown),
                ..draft
            }
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let draft = NoteDraft {
            id: "Not An Id".into(),
            title: " ".into(),
            tags: vec!["a,b".into(), "".into()],
            prerequisites: vec!["x".into(), "x".into()],
            ..NoteDraft::default()
        };
        let fields: Vec<_> = validate(&draft, None)
            .into_iter()
            .map(|p| p.field.unwrap())
            .collect();
        assert_eq!(fields, ["id", "title", "tags", "tags", "prerequisites"]);
    }

    #[test]
    fn a_body_that_would_read_as_front_matter_is_refused() {
        let draft = NoteDraft {
            id: "a".into(),
            title: "A".into(),
            body: "---\ntitle: sneaky\n---\ntext\n".into(),
            ..NoteDraft::default()
        };
        let layout = new_layout(&draft, ANONYMOUS, "2026-11-26");
        let problems = compose("a.md", &layout, &draft.body).unwrap_err();
        assert_eq!(problems[0].field.as_deref(), Some("body"));
    }

    #[test]
    fn a_body_change_saves_a_note_whose_other_fields_the_editor_would_not_accept() {
        // Each accepted by import; the writer changes only the body.
        let long_title = "t".repeat(MAX_TITLE_CHARS + 50);
        let text = format!(
            "---\nid: a\ntitle: >\n  {long_title}\ndescription: >\n  folded\n  over lines\ntags: [\"x,y\", \"\"]\nrelated: [a]\n---\nOld body\n"
        );
        let current = parsed(&text);
        let mut draft = draft_of(&current);
        assert!(
            !validate(&draft, None).is_empty(),
            "as a new note, it breaks the editor's rules"
        );
        draft.body = "New body\n".into();
        let before = draft_of(&current);
        assert_eq!(validate(&draft, Some(&before)), []);
        let layout = apply(&draft, &current, "2026-11-26");
        let (source, document) = compose("notes/a.md", &layout, &draft.body).unwrap();
        // Untouched fields are written back as they were: still folded, still the same tags.
        assert!(
            source.contains("description: >\n  folded\n  over lines\n")
                || document.description == current.description,
            "{source}"
        );
        assert_eq!(document.title, current.title);
        assert_eq!(document.description, current.description);
        assert_eq!(document.tags, current.tags);
        assert_eq!(document.relationships, current.relationships);
        assert_eq!(document.body, "New body\n");
    }

    #[test]
    fn what_the_writer_adds_is_still_checked() {
        let current = parsed("---\nid: a\ntitle: A\ntags: [\"x,y\"]\n---\n");
        let before = draft_of(&current);
        let mut draft = before.clone();
        draft.tags.push("new,comma".into());
        draft.tags.push("x,y".into());
        draft.related.push("a".into());
        let fields: Vec<_> = validate(&draft, Some(&before))
            .into_iter()
            .map(|p| p.field.unwrap())
            .collect();
        // The added comma, the kept tag listed again, the note pointing to itself.
        assert_eq!(fields, ["tags", "tags", "related"]);
    }

    #[test]
    fn tens_of_thousands_of_tags_are_refused_by_count_not_compared_pairwise() {
        let draft = NoteDraft {
            id: "a".into(),
            title: "A".into(),
            tags: (0..60_000).map(|i| format!("tag-{i}")).collect(),
            ..NoteDraft::default()
        };
        let problems = validate(&draft, None);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("at most"), "{problems:?}");
    }
}
