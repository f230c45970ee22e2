//! The API reference page (`GET /api/reference`): the OpenAPI description made readable, as one
//! static HTML page written here from the same JSON `/api/openapi.json` serves, so the page
//! and the machine-readable description cannot disagree. No script and nothing fetched from
//! elsewhere: it reads the same offline, behind a firewall, or printed.

use crate::documents::escape_html as escape;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// The page's one style sheet, inline: the page's policy allows it by its hash.
pub const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;\
padding:1rem;color:#1f2328}code{font:0.9em ui-monospace,monospace;background:#f3f4f6;\
padding:0 .2em;border-radius:3px}h2{border-bottom:1px solid #d0d7de;margin-top:2.5rem}\
article{border:1px solid #d0d7de;border-radius:6px;padding:0 1rem;margin:1rem 0}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;\
vertical-align:top;padding:.25rem .5rem;border-bottom:1px solid #eaeef2}\
.method{font-weight:700;padding:0 .4em;border-radius:3px;color:#fff;background:#57606a}\
.get{background:#0969da}.post{background:#1a7f37}.put{background:#9a6700}\
.delete{background:#cf222e}.required{color:#cf222e}nav ul{columns:2}";

/// Every operation of `description`, by tag, then path, then method.
fn operations(description: &Value) -> Vec<Operation<'_>> {
    let mut operations = Vec::new();
    for (path, item) in description["paths"].as_object().into_iter().flatten() {
        for method in ["get", "post", "put", "delete"] {
            if let Some(operation) = item.get(method).filter(|op| op.is_object()) {
                operations.push(Operation {
                    path,
                    method,
                    operation,
                });
            }
        }
    }
    operations.sort_by_key(|op| (op.tag(), op.path, op.method));
    operations
}

/// The endpoints of `description` as a Markdown table (README's, which a test keeps equal to
/// this): each endpoint, its summary, and who may call it.
pub fn endpoint_table(description: &Value) -> String {
    let mut table = String::from("| endpoint | what it does | who |\n|---|---|---|\n");
    for op in operations(description) {
        let _ = writeln!(
            table,
            "| `{} {}` | {} | {} |",
            op.method.to_uppercase(),
            op.path,
            text(op.operation.get("summary")).replace('|', "\\|"),
            op.who().0,
        );
    }
    table
}

/// The reference page of `description` (the OpenAPI document as JSON).
pub fn page(description: &Value) -> String {
    let empty = Map::new();
    let info = description["info"].as_object().unwrap_or(&empty);
    let version = text(info.get("version"));
    let operations = operations(description);

    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Lore API reference</title><style>{STYLE}</style></head><body>\
         <h1>Lore API reference <small>{}</small></h1>{}\
         <p>The same description, machine-readable: <a href=\"/api/openapi.json\"><code>\
         /api/openapi.json</code></a> (OpenAPI 3.1). Scripts send an API token as \
         <code>Authorization: Bearer lore_…</code>; browsers use the session cookie. The error \
         envelope: <a href=\"#schema-ErrorEnvelope\">ErrorEnvelope</a>.</p>",
        escape(&version),
        prose(&text(info.get("description"))),
    );
    html.push_str("<nav><h2>Endpoints</h2><ul>");
    for op in &operations {
        let _ = write!(
            html,
            "<li><a href=\"#{}\"><code>{} {}</code></a> {}</li>",
            escape(&op.id()),
            op.method.to_uppercase(),
            escape(op.path),
            prose_inline(&text(op.operation.get("summary"))),
        );
    }
    html.push_str("</ul></nav>");

    let mut current_tag = String::new();
    for op in &operations {
        if op.tag() != current_tag {
            current_tag = op.tag();
            let _ = write!(html, "<h2>{}</h2>", escape(&current_tag));
        }
        op.write(&mut html);
    }

    html.push_str("<h2>Schemas</h2>");
    let schemas = description["components"]["schemas"]
        .as_object()
        .unwrap_or(&empty);
    for (name, schema) in schemas {
        let _ = write!(
            html,
            "<article id=\"schema-{0}\"><h3>{0}</h3>{1}",
            escape(name),
            prose(&text(schema.get("description")))
        );
        schema_body(&mut html, schema);
        html.push_str("</article>");
    }
    html.push_str("</body></html>");
    html
}

/// One method of one path.
struct Operation<'a> {
    path: &'a str,
    method: &'a str,
    operation: &'a Value,
}

impl Operation<'_> {
    fn id(&self) -> String {
        text(self.operation.get("operationId"))
    }

    fn tag(&self) -> String {
        self.operation
            .get("tags")
            .and_then(|tags| tags.get(0))
            .and_then(Value::as_str)
            .unwrap_or("api")
            .to_owned()
    }

    fn write(&self, html: &mut String) {
        let _ = write!(
            html,
            "<article id=\"{}\"><h3><span class=\"method {}\">{}</span> <code>{}</code></h3>\
             <p><strong>{}</strong></p>{}<p>{}</p>",
            escape(&self.id()),
            self.method,
            self.method.to_uppercase(),
            escape(self.path),
            prose_inline(&text(self.operation.get("summary"))),
            prose(&text(self.operation.get("description"))),
            prose_inline(&format!("Who may call it: {}.", self.who().1)),
        );
        if let Some(parameters) = self.operation.get("parameters").and_then(Value::as_array) {
            html.push_str(
                "<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>",
            );
            for parameter in parameters {
                let required = parameter["required"].as_bool() == Some(true);
                let _ = write!(
                    html,
                    "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&text(parameter.get("name"))),
                    if required {
                        " <span class=\"required\">required</span>"
                    } else {
                        ""
                    },
                    escape(&text(parameter.get("in"))),
                    type_of(&parameter["schema"]),
                    prose_inline(&text(parameter["schema"].get("description"))),
                );
            }
            html.push_str("</table>");
        }
        if let Some(content) = self.operation["requestBody"]["content"].as_object() {
            for (media_type, body) in content {
                let _ = write!(
                    html,
                    "<p>Request body, <code>{}</code>:</p>",
                    escape(media_type)
                );
                schema_body(html, &body["schema"]);
            }
        }
        html.push_str("<table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>");
        for (status, response) in self
            .operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let bodies: Vec<String> = response["content"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(media_type, content)| {
                    format!(
                        "<code>{}</code> {}",
                        escape(media_type),
                        type_of(&content["schema"])
                    )
                })
                .collect();
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(status),
                prose_inline(&text(response.get("description"))),
                bodies.join("<br>")
            );
        }
        html.push_str("</table>");
        // A success body described inline (not by a named schema) gets its fields listed.
        if let Some((_, success)) = self
            .operation
            .get("responses")
            .and_then(Value::as_object)
            .and_then(|responses| responses.iter().find(|(status, _)| status.starts_with('2')))
            && let Some(schema) = success["content"]["application/json"].get("schema")
        {
            if schema.get("properties").is_some() || schema.get("allOf").is_some() {
                html.push_str("<p>Answer:</p>");
                schema_body(html, schema);
            } else if schema["items"].get("properties").is_some() {
                html.push_str("<p>Answer, a list of:</p>");
                schema_body(html, &schema["items"]);
            }
        }
        html.push_str("</article>");
    }

    /// Who may call it (its `x-lore-permission`): in a word, for the table, and in a phrase.
    fn who(&self) -> (&'static str, &'static str) {
        match self
            .operation
            .get("x-lore-permission")
            .and_then(Value::as_str)
        {
            Some("read") => (
                "reader",
                "anyone on a public base (the default); on a private one, anyone signed in",
            ),
            Some("signed_in") => ("signed in", "anyone signed in, or their token"),
            Some("write") => (
                "editor",
                "an editor or an admin (a token needs the `write` scope)",
            ),
            Some("admin") => ("admin", "an admin"),
            _ => ("anyone", "anyone"),
        }
    }
}

/// A schema's fields (an object) or values (an enum), as a table.
fn schema_body(html: &mut String, schema: &Value) {
    // A type with another's fields flattened into it.
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            if part.get("$ref").is_some() {
                let _ = write!(html, "<p>Every field of {}, and:</p>", type_of(part));
            } else {
                schema_body(html, part);
            }
        }
        return;
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        html.push_str("<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>");
        for (name, field) in properties {
            let _ = write!(
                html,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                escape(name),
                if required.contains(&name.as_str()) {
                    " <span class=\"required\">required</span>"
                } else {
                    ""
                },
                type_of(field),
                prose_inline(&description_of(field)),
            );
        }
        html.push_str("</table>");
    } else {
        let _ = write!(html, "<p>{}</p>", type_of(schema));
    }
}

/// A field's description, or that of the one alternative of an optional field.
fn description_of(field: &Value) -> String {
    field
        .get("description")
        .or_else(|| {
            field["oneOf"]
                .as_array()?
                .iter()
                .find_map(|alternative| alternative.get("description"))
        })
        .map(|d| text(Some(d)))
        .unwrap_or_default()
}

/// A schema as a short type expression (HTML): `string`, `integer (1 to 200)`, `array of
/// Problem`, `null or EditableNote`, an enum's values.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#schema-{0}\">{0}</a>", escape(name));
    }
    for (combinator, word) in [("oneOf", " or "), ("allOf", " and ")] {
        if let Some(alternatives) = schema.get(combinator).and_then(Value::as_array) {
            return alternatives
                .iter()
                .map(type_of)
                .collect::<Vec<_>>()
                .join(word);
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(|value| format!("<code>{}</code>", escape(&value.to_string())))
            .collect::<Vec<_>>()
            .join(" | ");
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(several) => several.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let mut parts = Vec::new();
    for kind in types {
        parts.push(match kind {
            "array" => format!("array of {}", type_of(&schema["items"])),
            other => escape(other),
        });
    }
    let mut expression = if parts.is_empty() {
        "any".to_owned()
    } else {
        parts.join(" or ")
    };
    match (schema.get("minimum"), schema.get("maximum")) {
        (Some(min), Some(max)) => {
            let _ = write!(expression, " ({min} to {max})");
        }
        (Some(min), None) if min.as_u64() != Some(0) => {
            let _ = write!(expression, " (at least {min})");
        }
        _ => {}
    }
    if let Some(length) = schema.get("minLength").and_then(Value::as_u64) {
        let _ = write!(expression, " (at least {length} characters)");
    }
    expression
}

/// A JSON string value's text, or nothing.
fn text(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Paragraphs of documentation text, with its `code` spans.
fn prose(text: &str) -> String {
    text.split("\n\n")
        .filter(|paragraph| !paragraph.trim().is_empty())
        .map(|paragraph| format!("<p>{}</p>", prose_inline(paragraph)))
        .collect()
}

/// One paragraph's text, escaped, with its `code` spans.
fn prose_inline(text: &str) -> String {
    let mut html = String::new();
    for (index, part) in text.split('`').enumerate() {
        if index % 2 == 1 {
            let _ = write!(html, "<code>{}</code>", escape(part));
        } else {
            html.push_str(&escape(part));
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_text_is_escaped_and_its_code_spans_kept() {
        assert_eq!(
            prose_inline("a `<b>` & <i>"),
            "a <code>&lt;b&gt;</code> &amp; &lt;i&gt;"
        );
    }

    #[test]
    fn a_type_expression_names_references_optionals_and_bounds() {
        let optional = serde_json::json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Problem"}]});
        assert_eq!(
            type_of(&optional),
            "null or <a href=\"#schema-Problem\">Problem</a>"
        );
        let limit = serde_json::json!({"type": ["integer", "null"], "minimum": 1, "maximum": 200});
        assert_eq!(type_of(&limit), "integer or null (1 to 200)");
    }
}
