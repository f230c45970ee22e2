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
//! The rows go in `COPY`'s text format, so each column's own input function reads its value, as
//! it would a parameter of unknown type: the same values land whatever the column's type.

use super::super::StoreError;
use super::super::sql::Value;
use sqlx::postgres::PgConnection;

/// How much of a `COPY` is built before it is sent: PostgreSQL stores the rows sent while Lore
/// writes the next ones.
const CHUNK_BYTES: usize = 1 << 20;

/// Loads the rows of `values`, `width` values to a row, into `into` (a table and its columns,
/// as `revisions (document_id, number)`); returns how many rows it stored. Either every row is
/// stored or the statement fails, as an `INSERT` would (a key taken, a value refused).
pub async fn copy_rows(
    conn: &mut PgConnection,
    into: &str,
    width: usize,
    values: &[Value<'_>],
) -> Result<u64, StoreError> {
    if values.is_empty() {
        return Ok(0);
    }
    debug_assert_eq!(values.len() % width, 0, "rows of {width} values");
    // Refused before the copy starts: once it has, the only way out is through to its end.
    if values.iter().any(|value| matches!(value, Value::List(_))) {
        return Err(StoreError::Corrupt(format!(
            "a list cannot be a column's value, in a row for {into}"
        )));
    }
    crate::timing::database(async {
        let mut copy = conn.copy_in_raw(&format!("COPY {into} FROM STDIN")).await?;
        let mut chunk = Vec::with_capacity(CHUNK_BYTES + CHUNK_BYTES / 4);
        for row in values.chunks(width) {
            for (i, value) in row.iter().enumerate() {
                if i > 0 {
                    chunk.push(b'\t');
                }
                write_field(&mut chunk, value);
            }
            chunk.push(b'\n');
            if chunk.len() >= CHUNK_BYTES {
                copy.send(chunk.as_slice()).await?;
                chunk.clear();
            }
        }
        copy.send(chunk.as_slice()).await?;
        Ok(copy.finish().await?)
    })
    .await
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
}
