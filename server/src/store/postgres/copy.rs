//! Many new rows at once, loaded with `COPY ... FROM STDIN` rather than one `INSERT` that
//! binds every value.
//!
//! An import writes its notes a few thousand at a time. As one multi-row `INSERT` a batch of
//! notes is a single 40 MB message that PostgreSQL receives whole, copies value by value and
//! plans as a list of 65,000 parameters before it stores a row; as `COPY` the same rows stream
//! in, 1 MB at a time, are parsed as they arrive and are stored a page at a time. For the first
//! 2,978 notes of the benchmark's corpus, their rows, tags and links took 1.29 s of the import's
//! one connection as `INSERT`s and 0.89 s as `COPY`, their revisions 0.30 s and 0.12 s.
//!
//! A `COPY` of fewer than [`BINARY_FROM_ROWS`] rows (a save's revision, tags and links) goes in
//! the text format, so each column's own input function reads its value, as it would a
//! parameter of unknown type. A larger one (an import's, `lore copy`'s) goes in the binary
//! format, each value in its column's type's binary transfer form (what the type's receive
//! function reads), once the columns' types are asked (one round trip more): PostgreSQL then
//! takes a note's body, HTML and plain text as they are instead of scanning every byte of them
//! for escapes, and Lore sends them without escaping them (some 170 MB for the benchmark's
//! 10,000 notes: the notes' rows 131 MB, their revisions most of the rest). In the
//! statement log of one import of that corpus each way, its `COPY`s took 2.7 s of PostgreSQL's
//! import process instead of 3.5 s (the notes' 1.43 s instead of 2.05 s).

use super::super::StoreError;
use super::super::sql::{Value, column_count};
use sqlx::postgres::PgConnection;

/// How much of a `COPY` is built before it is sent: PostgreSQL stores the rows sent while Lore
/// writes the next ones.
const CHUNK_BYTES: usize = 1 << 20;

/// How many rows a `COPY` holds before it is worth asking the columns' types for the binary
/// format.
const BINARY_FROM_ROWS: usize = 100;

/// The binary format's header: its signature, no flags, no extension.
const BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The column types whose binary transfer form Lore writes, each with that form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binary {
    /// `text` or `varchar`: the UTF-8 bytes.
    Text,
    /// `bigint`: eight bytes, most significant first.
    Int8,
    /// `integer`: four.
    Int4,
    /// `boolean`: one byte, 0 or 1.
    Bool,
    /// `bytea`: the bytes.
    Bytea,
}

impl Binary {
    /// The kind of a column of type `oid` (PostgreSQL's built-in types keep their numbers).
    fn of(oid: i64) -> Option<Self> {
        match oid {
            25 | 1043 => Some(Self::Text),
            20 => Some(Self::Int8),
            23 => Some(Self::Int4),
            16 => Some(Self::Bool),
            17 => Some(Self::Bytea),
            _ => None,
        }
    }

    /// Whether `value` can be written in this column's binary form.
    fn holds(self, value: &Value<'_>) -> bool {
        let fits = |bytes: usize| i32::try_from(bytes).is_ok();
        match (self, value) {
            (_, Value::MaybeText(None) | Value::MaybeInt(None)) => true,
            (Self::Text, Value::Text(text) | Value::MaybeText(Some(text))) => fits(text.len()),
            (Self::Text, Value::Owned(text)) => fits(text.len()),
            (Self::Int8, Value::Int(_) | Value::MaybeInt(Some(_))) => true,
            (Self::Int4, Value::Int(n) | Value::MaybeInt(Some(n))) => i32::try_from(*n).is_ok(),
            (Self::Bool, Value::Flag(_)) => true,
            (Self::Bytea, Value::Bytes(bytes)) => fits(bytes.len()),
            _ => false,
        }
    }
}

/// Loads the rows of `values`, a value for each of `columns` (comma-separated, as
/// `document_id, number`) to a row, into `table`; returns how many rows it stored. Either every
/// row is stored or the statement fails, as an `INSERT` would (a key taken, a value refused).
pub async fn copy_rows(
    conn: &mut PgConnection,
    table: &str,
    columns: &str,
    values: &[Value<'_>],
) -> Result<u64, StoreError> {
    let width = column_count(columns);
    if values.is_empty() {
        return Ok(0);
    }
    debug_assert_eq!(values.len() % width, 0, "rows of {width} values");
    // Refused before the copy starts: once it has, the only way out is through to its end.
    if values.iter().any(|value| matches!(value, Value::List(_))) {
        return Err(StoreError::Corrupt(format!(
            "a list cannot be a column's value, in a row for {table}"
        )));
    }
    crate::timing::database(async {
        let binary = if values.len() / width >= BINARY_FROM_ROWS {
            let types = column_types(&mut *conn, table, columns).await?;
            binary_columns(&types, width, values)
        } else {
            None
        };
        let format = if binary.is_some() {
            " (FORMAT binary)"
        } else {
            ""
        };
        let mut copy = conn
            .copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN{format}"))
            .await?;
        let mut chunk = Vec::with_capacity(CHUNK_BYTES + CHUNK_BYTES / 4);
        if binary.is_some() {
            chunk.extend_from_slice(BINARY_HEADER);
        }
        for row in values.chunks(width) {
            match &binary {
                Some(columns) => {
                    chunk.extend_from_slice(&(width as i16).to_be_bytes());
                    for (value, column) in row.iter().zip(columns) {
                        write_binary(&mut chunk, value, *column);
                    }
                }
                None => {
                    for (i, value) in row.iter().enumerate() {
                        if i > 0 {
                            chunk.push(b'\t');
                        }
                        write_field(&mut chunk, value);
                    }
                    chunk.push(b'\n');
                }
            }
            if chunk.len() >= CHUNK_BYTES {
                copy.send(chunk.as_slice()).await?;
                chunk.clear();
            }
        }
        if binary.is_some() {
            chunk.extend_from_slice(&(-1i16).to_be_bytes());
        }
        copy.send(chunk.as_slice()).await?;
        Ok(copy.finish().await?)
    })
    .await
}

/// The type of each of `table`'s `columns` (comma-separated), in their order, as PostgreSQL
/// numbers types; a column it does not find (a quoted name) is left out, which
/// [`binary_columns`] reads as a reason to send text.
async fn column_types(
    conn: &mut PgConnection,
    table: &str,
    columns: &str,
) -> Result<Vec<i64>, StoreError> {
    let columns: Vec<&str> = columns.split(',').map(str::trim).collect();
    Ok(sqlx::query_scalar(
        "SELECT a.atttypid::int8 FROM unnest($2::text[]) WITH ORDINALITY AS c (name, n) \
         JOIN pg_attribute a ON a.attrelid = $1::regclass AND a.attname = c.name \
         ORDER BY c.n",
    )
    .bind(table)
    .bind(&columns)
    .fetch_all(conn)
    .await?)
}

/// The binary form of each of the `width` columns typed `types`, when every one of `values`
/// can be written in its column's; `None` sends the rows as text.
fn binary_columns(types: &[i64], width: usize, values: &[Value<'_>]) -> Option<Vec<Binary>> {
    if types.len() != width {
        return None;
    }
    let columns: Vec<Binary> = types
        .iter()
        .map(|&oid| Binary::of(oid))
        .collect::<Option<_>>()?;
    values
        .chunks(width)
        .all(|row| {
            row.iter()
                .zip(&columns)
                .all(|(value, column)| column.holds(value))
        })
        .then_some(columns)
}

/// Appends `value` as a field of `COPY`'s binary format: its length, then its bytes in its
/// `column`'s binary transfer form (or -1 for NULL). [`binary_columns`] checked that it fits.
fn write_binary(out: &mut Vec<u8>, value: &Value<'_>, column: Binary) {
    let mut field = |bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        out.extend_from_slice(bytes);
    };
    match value {
        Value::Text(text) | Value::MaybeText(Some(text)) => field(text.as_bytes()),
        Value::Owned(text) => field(text.as_bytes()),
        Value::Int(n) | Value::MaybeInt(Some(n)) if column == Binary::Int4 => {
            field(&(*n as i32).to_be_bytes())
        }
        Value::Int(n) | Value::MaybeInt(Some(n)) => field(&n.to_be_bytes()),
        Value::Flag(flag) => field(&[u8::from(*flag)]),
        Value::Bytes(bytes) => field(bytes),
        Value::MaybeText(None) | Value::MaybeInt(None) | Value::List(_) => {
            out.extend_from_slice(&(-1i32).to_be_bytes())
        }
    }
}

/// Appends `value` as a field of `COPY`'s text format (a list, which no column holds, was
/// refused before).
fn write_field(out: &mut Vec<u8>, value: &Value<'_>) {
    match value {
        Value::Text(text) | Value::MaybeText(Some(text)) => escape(out, text.as_bytes()),
        Value::Owned(text) => escape(out, text.as_bytes()),
        Value::MaybeText(None) | Value::MaybeInt(None) => out.extend_from_slice(b"\\N"),
        Value::Int(n) | Value::MaybeInt(Some(n)) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::Flag(flag) => out.push(if *flag { b't' } else { b'f' }),
        // `bytea`'s hex input, its backslash escaped for COPY.
        Value::Bytes(bytes) => {
            out.extend_from_slice(b"\\\\x");
            for byte in *bytes {
                out.extend_from_slice(format!("{byte:02x}").as_bytes());
            }
        }
        Value::List(_) => {}
    }
}

/// Appends `text` with the four bytes COPY's text format reads as syntax written as escapes.
/// Every other byte, a multi-byte character's included, stands for itself.
fn escape(out: &mut Vec<u8>, text: &[u8]) {
    let mut plain = 0;
    for (i, byte) in text.iter().enumerate() {
        let escaped: &[u8] = match byte {
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            _ => continue,
        };
        out.extend_from_slice(&text[plain..i]);
        out.extend_from_slice(escaped);
        plain = i + 1;
    }
    out.extend_from_slice(&text[plain..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(value: Value<'_>) -> String {
        let mut out = Vec::new();
        write_field(&mut out, &value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_field_escapes_the_bytes_copy_reads_as_syntax_and_keeps_the_rest() {
        assert_eq!(
            field(Value::Text("a\tb\nc\rd\\e \\N é")),
            "a\\tb\\nc\\rd\\\\e \\\\N é"
        );
        assert_eq!(field(Value::Text("\\.")), "\\\\.");
        assert_eq!(field(Value::Text("")), "");
    }

    #[test]
    fn null_numbers_flags_and_bytes_are_written_as_their_columns_read_them() {
        assert_eq!(field(Value::MaybeText(None)), "\\N");
        assert_eq!(field(Value::MaybeInt(None)), "\\N");
        assert_eq!(field(Value::Int(-42)), "-42");
        assert_eq!(field(Value::Flag(true)), "t");
        assert_eq!(field(Value::Bytes(&[0, 0xab, 0x10])), "\\\\x00ab10");
    }

    #[test]
    fn binary_fields_are_a_length_then_the_bytes_their_column_type_receives() {
        let binary = |value: Value<'_>, column: Binary| {
            let mut out = Vec::new();
            write_binary(&mut out, &value, column);
            out
        };
        assert_eq!(
            binary(Value::Text("é\t"), Binary::Text),
            [0, 0, 0, 3, 0xc3, 0xa9, 9]
        );
        assert_eq!(binary(Value::MaybeText(None), Binary::Text), [0xff; 4]);
        assert_eq!(
            binary(Value::Int(-2), Binary::Int4),
            [0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe]
        );
        assert_eq!(
            binary(Value::Int(258), Binary::Int8),
            [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 1, 2]
        );
        assert_eq!(binary(Value::Flag(true), Binary::Bool), [0, 0, 0, 1, 1]);
        assert_eq!(
            binary(Value::Bytes(&[0, 7]), Binary::Bytea),
            [0, 0, 0, 2, 0, 7]
        );
    }

    #[test]
    fn rows_go_as_text_unless_every_value_fits_its_columns_binary_form() {
        let row = [Value::Text("a"), Value::Int(1), Value::MaybeInt(None)];
        assert_eq!(
            binary_columns(&[25, 23, 20], 3, &row),
            Some(vec![Binary::Text, Binary::Int4, Binary::Int8])
        );
        // A number too large for its `integer` column, a type Lore does not write, a text in
        // a number's column, a column the table does not have.
        let large = [Value::Text("a"), Value::Int(1 << 40), Value::MaybeInt(None)];
        assert_eq!(binary_columns(&[25, 23, 20], 3, &large), None);
        assert_eq!(binary_columns(&[25, 1114, 20], 3, &row), None);
        assert_eq!(binary_columns(&[25, 25, 20], 3, &row), None);
        assert_eq!(binary_columns(&[25, 23], 3, &row), None);
    }
}
