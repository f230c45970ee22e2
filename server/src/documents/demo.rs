//! The demo knowledge base that a new, empty Lore starts with: a few notes of our own on the
//! topics Lore itself demonstrates (client-server architecture, load balancers, proxies, HTTP,
//! TCP), in the three layouts import understands, with relationships that resolve.
//! `lore serve --no-demo` starts empty instead.

use super::SourceFile;

/// The demo notes: path in the tree, and content. Embedded in the binary.
const NOTES: &[(&str, &str)] = &[
    (
        "architecture/client-server.md",
        include_str!("../../demo/architecture/client-server.md"),
    ),
    (
        "system_design/load_balancer.md",
        include_str!("../../demo/system_design/load_balancer.md"),
    ),
    (
        "system_design/proxy.md",
        include_str!("../../demo/system_design/proxy.md"),
    ),
    (
        "networking/http.md",
        include_str!("../../demo/networking/http.md"),
    ),
    (
        "networking/tcp.md",
        include_str!("../../demo/networking/tcp.md"),
    ),
];

/// The demo notes as files to import.
pub fn files() -> Vec<SourceFile> {
    NOTES
        .iter()
        .map(|(path, text)| SourceFile {
            path: (*path).to_owned(),
            bytes: text.as_bytes().to_vec(),
        })
        .collect()
}
