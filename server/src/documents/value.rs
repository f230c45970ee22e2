//! Front-matter values as written, for keeping and giving back what Lore does not interpret.
//!
//! Every scalar stays the exact text of the file (`1.0` is not turned into `1`, `2025-07-02`
//! not into a date), with a note of whether it was quoted, so export writes it back the same way.
//! Mappings keep their key order.

use serde::{Deserialize, Serialize};

/// A front-matter value.
///
/// Equality ignores whether a scalar was quoted: `'web'` and `web` are the same string, and
/// export may write one as the other (quoting only where YAML needs it).
#[derive(Debug, Clone, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A scalar written without quotes: its text as written (empty for a null).
    Plain(String),
    /// A quoted scalar: its text, unquoted.
    Quoted {
        /// The string's content.
        quoted: String,
    },
    /// A sequence.
    List(Vec<Value>),
    /// A mapping, in the order written. Stored as `{"map": [[key, value], ...]}`: a bare list
    /// of pairs would read back as a list of lists.
    Map {
        /// The entries.
        map: Entries,
    },
}

/// An ordered mapping: front matter's top level or a nested mapping.
pub type Entries = Vec<(String, Value)>;

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map { map: a }, Value::Map { map: b }) => a == b,
            (a, b) => a.as_text().is_some() && a.as_text() == b.as_text(),
        }
    }
}

impl Value {
    /// The scalar's text, quoted or not; `None` for lists and maps.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Plain(text) | Value::Quoted { quoted: text } => Some(text),
            Value::List(_) | Value::Map { .. } => None,
        }
    }

    /// A string value as Lore writes new ones: quoted only if needed, decided at export.
    pub fn text(text: impl Into<String>) -> Self {
        Value::Quoted {
            quoted: text.into(),
        }
    }

    /// Converts to yaml-rust2's tree for emitting. Plain scalars are handed over as `Real` so
    /// the emitter writes their text verbatim (it never re-formats a `Real`), when that text
    /// reads back as the same plain scalar in a block mapping or list (see [`writable_plain`]);
    /// one that does not (read inside `[...]`, or folded over lines) goes as a string, quoted
    /// where YAML needs it.
    pub fn to_yaml(&self) -> yaml_rust2::Yaml {
        use yaml_rust2::Yaml;
        match self {
            Value::Plain(text) if writable_plain(text) => Yaml::Real(text.clone()),
            Value::Plain(text) => Yaml::String(text.clone()),
            Value::Quoted { quoted } => Yaml::String(quoted.clone()),
            Value::List(items) => Yaml::Array(items.iter().map(Value::to_yaml).collect()),
            Value::Map { map } => Yaml::Hash(entries_to_yaml(map)),
        }
    }
}

/// Whether `text` can be written as a plain scalar after `key: ` or `- ` and read back as the
/// same text. A plain scalar read inside a flow collection (`[one, two]`) or folded over lines
/// may not: it can start with an indicator (`|` starts a block scalar), hold a line break, or
/// hold `: ` or ` #`, which YAML reads otherwise in a block. Empty is a null, written as nothing.
fn writable_plain(text: &str) -> bool {
    let mut chars = text.chars();
    let (Some(first), second) = (chars.next(), chars.next()) else {
        return true;
    };
    let starts_well = match first {
        // `-1`, `?x` and `:x` are plain; `- `, `? ` and `: ` are not.
        '-' | '?' | ':' => second.is_some_and(|c| !c.is_whitespace()),
        c => !c.is_whitespace() && !"[]{},#&*!|>'\"%@`".contains(c),
    };
    starts_well
        && !text.ends_with(|c: char| c.is_whitespace() || c == ':')
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.contains(|c: char| c.is_control() || c == '\t')
}

/// Converts an ordered mapping for emitting.
pub fn entries_to_yaml(entries: &Entries) -> yaml_rust2::yaml::Hash {
    entries
        .iter()
        .map(|(key, value)| (yaml_rust2::Yaml::String(key.clone()), value.to_yaml()))
        .collect()
}

/// Writes `entries` as a YAML block (without the `---` lines), ending in a newline.
pub fn emit_yaml(entries: &Entries) -> String {
    let mut out = String::new();
    let document = yaml_rust2::Yaml::Hash(entries_to_yaml(entries));
    let mut emitter = yaml_rust2::YamlEmitter::new(&mut out);
    emitter
        .dump(&document)
        .expect("writing YAML to a String cannot fail");
    // The emitter starts with its own document marker; ours is written by the caller.
    let body = out
        .strip_prefix("---")
        .unwrap_or(&out)
        .trim_start_matches('\n');
    if body == "{}" {
        String::new()
    } else {
        format!("{body}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_mappings_survive_being_stored_as_json() {
        let value = Value::Map {
            map: vec![
                (
                    "related".into(),
                    Value::List(vec![Value::Plain("a.md".into())]),
                ),
                ("empty".into(), Value::List(vec![])),
            ],
        };
        let stored = serde_json::to_string(&value).unwrap();
        let read: Value = serde_json::from_str(&stored).unwrap();
        assert!(
            matches!(read, Value::Map { .. }),
            "{stored} read back as {read:?}"
        );
        assert_eq!(read, value);
    }
}
