//! Front matter: any file Lore reads must give a document or a located error, never a panic;
//! a document must export back to the very bytes it was read from (Lore owns none of them until
//! it is edited); and once Lore rewrites the front matter (as after an edit), the body, which it
//! never owns, comes back byte for byte, the file reads back with the same entries, and writing
//! it again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::documents::export::to_markdown;
use server::documents::parse::parse_document;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(document) = parse_document("notes/fuzzed.md", text) else {
        return;
    };
    assert_eq!(
        to_markdown(&document.layout, &document.body),
        text,
        "export of an unedited file changed its bytes"
    );

    let mut layout = document.layout.clone();
    layout.head = None;
    let written = to_markdown(&layout, &document.body);
    let again = parse_document("notes/fuzzed.md", &written).unwrap_or_else(|errors| {
        panic!("Lore's own front matter does not read back: {errors:?}\n{written}")
    });
    assert_eq!(
        again.body, document.body,
        "a rewrite of the front matter changed the body"
    );
    assert_eq!(
        again.layout.front_matter, layout.front_matter,
        "the rewritten front matter reads back differently:\n{written}"
    );
    let mut layout_again = again.layout.clone();
    layout_again.head = None;
    assert_eq!(
        to_markdown(&layout_again, &again.body),
        written,
        "writing the front matter is not a fixpoint"
    );
});
