//! Which pages the reader's client serves, and which need the whole one.
//!
//! `lore serve` ships two builds of the client (see `pages` in the server). A reading page (a
//! note, the lists, search) comes with the reader's: the page is the server's HTML, and only its
//! few interactive parts are hydrated, as islands (see [`crate::islands`]). Every other page
//! comes with the whole client, which hydrates all of it and routes in the browser from there.
//! The server asks [`needs_whole_client`] for each page.

/// Whether `path` is one of the pages the whole client hydrates: the editor and a new note, a
/// note's history, the trash, import, the graph, the account, set-up and admin pages, signing
/// in, and the architecture page (it draws the requests this browser made, live). Everything
/// else is a reading page, served with the reader's islands. The whole client has every page
/// and the reader's has no router (its links are page loads), so no page can end up with a
/// client that lacks it.
pub fn needs_whole_client(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["notes", _, "edit" | "history"]
            | ["new"
                | "trash"
                | "import"
                | "graph"
                | "setup"
                | "account"
                | "sign-in"
                | "architecture"]
            | ["admin", "users"]
    )
}

#[cfg(test)]
mod tests {
    use super::needs_whole_client;

    #[test]
    fn editing_history_the_tool_pages_signing_in_and_the_architecture_page_need_the_whole_client() {
        for path in [
            "/notes/dns/edit",
            "/notes/dns/history/",
            "/new",
            "/trash",
            "/import",
            "/graph",
            "/setup",
            "/account",
            "/admin/users",
            "/sign-in",
            "/architecture",
        ] {
            assert!(needs_whole_client(path), "{path}");
        }
    }

    #[test]
    fn notes_lists_and_search_are_reading_pages() {
        for path in [
            "/",
            "/notes/dns",
            "/notes/edit",
            "/notes/new/history/x",
            "/tags/net/dns",
            "/collections/ops",
            "/wanted",
            "/wanted/x",
            "/search",
            "/graphs",
            "/admin",
        ] {
            assert!(!needs_whole_client(path), "{path}");
        }
    }
}
