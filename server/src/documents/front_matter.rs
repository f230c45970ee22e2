//! Reading a Markdown file into its parts: front matter (YAML `---` or TOML `+++`), the
//! collection block of the nested layout, and the body, with every problem located as
//! `line:column` in the file.
//!
//! Layouts understood:
//! - plain: `---` YAML `---`, then the body (Jekyll, Hugo, Obsidian, MkDocs ...);
//! - TOML: `+++` TOML `+++` (Hugo, Zola);
//! - none: no front matter at all;
//! - nested: a collection's block, then only headings or blank lines, then the document's own
//!   block, then the body. This is the shape of the seed note (`title: Architecture` around
//!   `id: web-client-server-architecture`), where reading the second block as body text would
//!   show YAML as a paragraph under a horizontal rule.

use super::value::{Entries, Value};
use marked_yaml::{LoaderOptions, Node, types::MarkedScalarNode};

/// How deeply front-matter values may nest (a mapping in a list in a mapping ...). Real front
/// matter nests two or three levels; Lore stores what it does not interpret as written, and a
/// value nested a few dozen levels deep could be read but not written back (one such note made
/// the export of the whole base fail).
pub const MAX_NESTING: usize = 10;

/// Where a problem is, inside one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// 1-based line in the file.
    pub line: u32,
    /// 1-based column; 0 for "the whole line".
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

impl Located {
    /// A problem at `line`:`column` of the file.
    pub fn new(line: usize, column: usize, message: impl Into<String>) -> Self {
        Self {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            message: message.into(),
        }
    }
}

/// Which syntax the document's own front matter was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Syntax {
    /// No front matter.
    None,
    /// `---` YAML.
    Yaml,
    /// `+++` TOML.
    Toml,
}

/// A file split into its parts, with front matter parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitFile {
    /// The collection block of the nested layout, if the file has one.
    pub collection_block: Option<Block>,
    /// What stands between the collection block and the document block (a heading, blank
    /// lines), kept as written so export can give it back.
    pub preamble: String,
    /// The document's own front matter (empty when there is none).
    pub front_matter: Block,
    /// The syntax of `front_matter`.
    pub syntax: Syntax,
    /// The Markdown body.
    pub body: String,
    /// The line of the file where the body starts (1-based), for locating body problems.
    pub body_line: usize,
}

/// One parsed front-matter block: its entries in order, and where each top-level key and value
/// starts in the file, for locating problems found later.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    /// The entries, in order.
    pub entries: Entries,
    /// `(line, column)` of each entry's value, parallel to `entries`.
    pub positions: Vec<(usize, usize)>,
}

impl Block {
    /// The entry whose key matches `names` once normalised (case, `_` and `-` ignored), with its
    /// position.
    pub fn find(&self, names: &[&str]) -> Option<(&str, &Value, (usize, usize))> {
        self.entries
            .iter()
            .zip(&self.positions)
            .find(|((key, _), _)| names.contains(&normalise_key(key).as_str()))
            .map(|((key, value), position)| (key.as_str(), value, *position))
    }
}

/// `createdAt`, `created_at` and `created-at` are one key: lower case without separators.
pub fn normalise_key(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Splits `text` (the whole file) into its parts.
pub fn split(text: &str) -> Result<SplitFile, Vec<Located>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let Some((syntax, fence)) = lines.first().and_then(|l| opening_fence(l)) else {
        return Ok(SplitFile {
            collection_block: None,
            preamble: String::new(),
            front_matter: Block::default(),
            syntax: Syntax::None,
            body: text.to_owned(),
            body_line: 1,
        });
    };
    let close = find_close(&lines, 1, fence).ok_or_else(|| {
        vec![Located::new(
            1,
            1,
            format!("front matter opened with `{fence}` is never closed by a `{fence}` line"),
        )]
    })?;
    let first = parse_block(syntax, &lines[1..close].concat(), 2)?;

    // The nested layout: only headings and blank lines, then a second YAML block that reads as
    // a document (it has an id or a title).
    if syntax == Syntax::Yaml
        && let Some((open, inner_close)) = nested_block(&lines, close + 1)
    {
        let inner_text = lines[open + 1..inner_close].concat();
        if let Ok(inner) = parse_block(Syntax::Yaml, &inner_text, open + 2)
            && inner.find(&["id", "title"]).is_some()
        {
            return Ok(SplitFile {
                collection_block: Some(first),
                preamble: lines[close + 1..open].concat(),
                front_matter: inner,
                syntax: Syntax::Yaml,
                body: lines[inner_close + 1..].concat(),
                body_line: inner_close + 2,
            });
        }
    }
    Ok(SplitFile {
        collection_block: None,
        preamble: String::new(),
        front_matter: first,
        syntax,
        body: lines[close + 1..].concat(),
        body_line: close + 2,
    })
}

fn opening_fence(line: &str) -> Option<(Syntax, &'static str)> {
    match line.trim_end() {
        "---" => Some((Syntax::Yaml, "---")),
        "+++" => Some((Syntax::Toml, "+++")),
        _ => None,
    }
}

/// The index of the line closing a block opened just before `from`. YAML may also close with
/// `...`, its end-of-document marker.
fn find_close(lines: &[&str], from: usize, fence: &str) -> Option<usize> {
    (from..lines.len()).find(|&i| {
        let line = lines[i].trim_end();
        line == fence || (fence == "---" && line == "...")
    })
}

/// Looks for the nested layout's inner block after line index `from`: returns the indexes of
/// its opening and closing `---` lines.
fn nested_block(lines: &[&str], from: usize) -> Option<(usize, usize)> {
    let open = (from..lines.len()).find(|&i| {
        let line = lines[i].trim();
        !(line.is_empty() || line.starts_with('#'))
    })?;
    if lines[open].trim_end() != "---" {
        return None;
    }
    Some((open, find_close(lines, open + 1, "---")?))
}

/// Parses one block's text; `first_line` is the file line its text starts on.
fn parse_block(syntax: Syntax, text: &str, first_line: usize) -> Result<Block, Vec<Located>> {
    match syntax {
        Syntax::None => Ok(Block::default()),
        Syntax::Yaml => parse_yaml(text, first_line),
        Syntax::Toml => parse_toml(text, first_line),
    }
}

fn parse_yaml(text: &str, first_line: usize) -> Result<Block, Vec<Located>> {
    if text.trim().is_empty() {
        return Ok(Block::default());
    }
    let options = LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    let node = marked_yaml::parse_yaml_with_options(0, text, options)
        .map_err(|error| vec![yaml_error(&error, first_line)])?;
    let mapping = node.as_mapping().ok_or_else(|| {
        vec![Located::new(
            first_line,
            1,
            "front matter must be a mapping of keys to values",
        )]
    })?;
    let mut block = Block::default();
    let mut problems = Vec::new();
    for (key, value) in mapping.iter() {
        let at = value
            .span()
            .start()
            .or(key.span().start())
            .map_or((first_line, 1), |m| (first_line + m.line() - 1, m.column()));
        if yaml_depth(value, MAX_NESTING + 1) > MAX_NESTING {
            problems.push(too_deep(key.as_str(), at));
            continue;
        }
        if let Some(long) = overlong_entry(key, value) {
            let (line, column) = long
                .span()
                .start()
                .map_or(at, |m| (first_line + m.line() - 1, m.column()));
            problems.push(Located::new(
                line,
                column,
                format!(
                    "a key of {} characters cannot be written back as YAML, which allows \
                     {MAX_KEY_WRITTEN} once quoted and escaped; shorten it",
                    long.as_str().chars().count()
                ),
            ));
            continue;
        }
        block
            .entries
            .push((key.as_str().to_owned(), from_yaml(value)));
        block.positions.push(at);
    }
    if problems.is_empty() {
        Ok(block)
    } else {
        Err(problems)
    }
}

fn too_deep(key: &str, (line, column): (usize, usize)) -> Located {
    Located::new(
        line,
        column,
        format!(
            "`{key}` nests lists or mappings more than {MAX_NESTING} levels deep; front matter may nest at most {MAX_NESTING}"
        ),
    )
}

/// The most characters YAML allows an implicit key (`key: value`), which is how Lore writes
/// every key, as written: quoted and escaped where it must be.
const MAX_KEY_WRITTEN: usize = 1024;

/// How long `key` may be once written: quoted, `"` and `\` escaped as two characters, a
/// control character as up to ten (`\U0000001f`).
fn written_length(key: &str) -> usize {
    2 + key
        .chars()
        .map(|c| match c {
            '"' | '\\' => 2,
            c if c.is_control() => 10,
            _ => 1,
        })
        .sum::<usize>()
}

/// The first key of the entry `key: value`, `key` itself or one inside `value`, that could not
/// be written back (see [`MAX_KEY_WRITTEN`]).
fn overlong_entry<'a>(key: &'a MarkedScalarNode, value: &'a Node) -> Option<&'a MarkedScalarNode> {
    if written_length(key.as_str()) > MAX_KEY_WRITTEN {
        Some(key)
    } else {
        overlong_key(value)
    }
}

/// The first key inside `node` that could not be written back.
fn overlong_key(node: &Node) -> Option<&MarkedScalarNode> {
    match node {
        Node::Scalar(_) => None,
        Node::Sequence(items) => items.iter().find_map(overlong_key),
        Node::Mapping(entries) => entries.iter().find_map(|(k, v)| overlong_entry(k, v)),
    }
}

/// How many lists and mappings `node` nests, counting no further than `stop`.
fn yaml_depth(node: &Node, stop: usize) -> usize {
    if stop == 0 {
        return 0;
    }
    let children: Box<dyn Iterator<Item = &Node>> = match node {
        Node::Scalar(_) => return 0,
        Node::Sequence(items) => Box::new(items.iter()),
        Node::Mapping(entries) => Box::new(entries.values()),
    };
    1 + children.map(|c| yaml_depth(c, stop - 1)).max().unwrap_or(0)
}

/// How many arrays and tables `value` nests, counting no further than `stop`.
fn toml_depth(value: &toml::Value, stop: usize) -> usize {
    if stop == 0 {
        return 0;
    }
    let children: Box<dyn Iterator<Item = &toml::Value>> = match value {
        toml::Value::Array(items) => Box::new(items.iter()),
        toml::Value::Table(table) => Box::new(table.values()),
        _ => return 0,
    };
    1 + children.map(|c| toml_depth(c, stop - 1)).max().unwrap_or(0)
}

fn from_yaml(node: &Node) -> Value {
    match node {
        Node::Scalar(scalar) if scalar.may_coerce() => Value::Plain(scalar.as_str().to_owned()),
        Node::Scalar(scalar) => Value::text(scalar.as_str()),
        Node::Sequence(items) => Value::List(items.iter().map(from_yaml).collect()),
        Node::Mapping(entries) => Value::Map {
            map: entries
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), from_yaml(v)))
                .collect(),
        },
    }
}

fn yaml_error(error: &marked_yaml::LoadError, first_line: usize) -> Located {
    use marked_yaml::LoadError as E;
    let (marker, message) = match error {
        E::TopLevelMustBeMapping(m) => (
            Some(*m),
            "front matter must be a mapping of keys to values".to_owned(),
        ),
        E::UnexpectedAnchor(m) => (
            Some(*m),
            "YAML anchors are not supported in front matter".to_owned(),
        ),
        E::MappingKeyMustBeScalar(m) => {
            (Some(*m), "a key must be a plain word or string".to_owned())
        }
        E::UnexpectedTag(m) => (
            Some(*m),
            "YAML tags (`!name`) are not supported in front matter".to_owned(),
        ),
        E::ScanError(m, scan) => (Some(*m), format!("invalid YAML: {}", scan_message(scan))),
        E::DuplicateKey(keys) => (
            keys.key.span().start().copied(),
            format!(
                "the key `{}` appears twice (first on line {})",
                keys.key.as_str(),
                keys.prev_key
                    .span()
                    .start()
                    .map_or(0, |m| first_line + m.line() - 1)
            ),
        ),
        other => (None, other.to_string()),
    };
    match marker {
        Some(m) => Located::new(first_line + m.line() - 1, m.column(), message),
        None => Located::new(first_line, 0, message),
    }
}

/// The scanner's own words, without its position (ours, relative to the file, is added).
fn scan_message(scan: &yaml_rust2::ScanError) -> &str {
    scan.info()
}

fn parse_toml(text: &str, first_line: usize) -> Result<Block, Vec<Located>> {
    let document: toml::Spanned<toml::Table> = toml::from_str(text).map_err(|error| {
        let (line, column) = error
            .span()
            .map_or((0, 0), |span| line_and_column(text, span.start));
        vec![Located::new(
            first_line + line.saturating_sub(1),
            column,
            format!("invalid TOML: {}", error.message()),
        )]
    })?;
    let mut block = Block::default();
    let mut problems = Vec::new();
    // `toml::Table` keeps the file's key order (the `preserve_order` feature); spans of values
    // are not kept by `Table`, so problems found later point at the block's first line.
    for (key, value) in document.into_inner() {
        let at = text
            .lines()
            .position(|l| l.trim_start().starts_with(key.as_str()))
            .map_or((first_line, 1), |i| (first_line + i, 1));
        if toml_depth(&value, MAX_NESTING + 1) > MAX_NESTING {
            problems.push(too_deep(&key, at));
            continue;
        }
        block.entries.push((key, from_toml(value)));
        block.positions.push(at);
    }
    if problems.is_empty() {
        Ok(block)
    } else {
        Err(problems)
    }
}

fn from_toml(value: toml::Value) -> Value {
    match value {
        toml::Value::String(text) => Value::text(text),
        toml::Value::Array(items) => Value::List(items.into_iter().map(from_toml).collect()),
        toml::Value::Table(table) => Value::Map {
            map: table.into_iter().map(|(k, v)| (k, from_toml(v))).collect(),
        },
        other => Value::Plain(other.to_string()),
    }
}

/// 1-based line and column of byte `offset` in `text`.
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_front_matter_is_all_body() {
        let split = split("# Title\n\nText.\n").unwrap();
        assert_eq!(split.syntax, Syntax::None);
        assert_eq!(split.body, "# Title\n\nText.\n");
        assert!(split.front_matter.entries.is_empty());
    }

    #[test]
    fn yaml_scalars_are_kept_as_written() {
        let split = split("---\nversion: 1.0\nid: x\nquoted: '1.0'\n---\nBody\n").unwrap();
        let entries = &split.front_matter.entries;
        assert_eq!(entries[0], ("version".into(), Value::Plain("1.0".into())));
        assert_eq!(entries[2], ("quoted".into(), Value::text("1.0")));
        assert_eq!(split.body, "Body\n");
        assert_eq!(split.body_line, 6);
    }

    #[test]
    fn the_nested_layout_separates_the_collection_from_the_document() {
        let text = "---\ntitle: Architecture\ndate: 2025-07-08\n---\n\n# Architecture\n\n---\nid: web\ntitle: Web\n---\n\n# Web\n";
        let split = split(text).unwrap();
        let collection = split.collection_block.unwrap();
        assert_eq!(collection.entries[0].1, Value::Plain("Architecture".into()));
        assert_eq!(split.preamble, "\n# Architecture\n\n");
        assert_eq!(split.front_matter.entries[0].1, Value::Plain("web".into()));
        assert_eq!(split.body, "\n# Web\n");
    }

    #[test]
    fn a_horizontal_rule_after_a_paragraph_is_body_not_front_matter() {
        let text = "---\ntitle: A\n---\nSome text.\n\n---\nid: not-front-matter\n---\n";
        let split = split(text).unwrap();
        assert!(split.collection_block.is_none());
        assert!(split.body.contains("id: not-front-matter"));
    }

    #[test]
    fn a_yaml_error_is_located_in_the_file_not_the_block() {
        let errors = split("---\ntitle: ok\ntags: [a, b\n---\n").unwrap_err();
        assert_eq!(errors[0].line, 4, "{errors:?}");
        assert!(errors[0].message.starts_with("invalid YAML"), "{errors:?}");
    }

    #[test]
    fn a_duplicate_key_names_both_lines() {
        let errors = split("---\ntitle: a\nid: x\ntitle: b\n---\n").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (4, 1));
        assert_eq!(
            errors[0].message,
            "the key `title` appears twice (first on line 2)"
        );
    }

    #[test]
    fn an_unclosed_block_is_reported_at_its_opening() {
        let errors = split("---\ntitle: a\n\nBody with no closing fence\n").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (1, 1));
    }

    #[test]
    fn toml_front_matter_is_read_in_order() {
        let split = split("+++\ntitle = \"T\"\ndraft = true\ntags = [\"a\"]\n+++\nBody\n").unwrap();
        assert_eq!(split.syntax, Syntax::Toml);
        let keys: Vec<_> = split
            .front_matter
            .entries
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, ["title", "draft", "tags"]);
        assert_eq!(split.front_matter.entries[1].1, Value::Plain("true".into()));
    }

    #[test]
    fn a_toml_error_is_located_in_the_file() {
        let errors = split("+++\ntitle = \"T\"\ndraft = \n+++\n").unwrap_err();
        assert_eq!(errors[0].line, 3, "{errors:?}");
    }

    /// Found by the `front_matter` fuzz target: a quoted key of 200 control characters read
    /// fine, but written back escaped it passed YAML's 1,024 characters for a key, so the file
    /// Lore wrote could not be read.
    #[test]
    fn a_key_too_long_to_write_back_is_refused_where_it_is() {
        let key = "\u{16}".repeat(200);
        let text = format!("---\nid: x\nextra: [1, {{\"{key}\": b}}]\n---\nBody.\n");
        let errors = split(&text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].column), (3, 13));
        assert!(
            errors[0].message.contains("a key of 200 characters"),
            "{}",
            errors[0].message
        );
        let fine = format!("---\n\"{}\": b\n---\n", "k".repeat(1000));
        assert!(split(&fine).is_ok());
    }

    #[test]
    fn keys_match_across_spellings() {
        assert_eq!(normalise_key("createdAt"), "createdat");
        assert_eq!(normalise_key("created_at"), "createdat");
        assert_eq!(normalise_key("Created-At"), "createdat");
    }

    #[test]
    fn front_matter_nested_too_deeply_is_refused_at_its_key() {
        // 45 nested mappings in one key: it imported, then made every export of the base fail.
        let deep = format!(
            "---\ntitle: T\nextra: {}1{}\n---\n",
            "{a: ".repeat(45),
            "}".repeat(45)
        );
        let errors = split(&deep).unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (3, 8), "{errors:?}");
        assert!(errors[0].message.contains("`extra` nests"), "{errors:?}");
        let toml = format!("+++\nextra = {}1{}\n+++\n", "[".repeat(20), "]".repeat(20));
        assert!(split(&toml).is_err());
        let fine = format!("---\nextra: {}1{}\n---\n", "[".repeat(10), "]".repeat(10));
        assert!(split(&fine).is_ok());
    }
}
