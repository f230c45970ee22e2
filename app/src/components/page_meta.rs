//! What a page says about itself in `<head>`: its title, description, canonical address and
//! Open Graph tags, so a shared link previews as the note it points to. Rendered into the first
//! response by the server; kept current by the browser as the reader moves around.

use crate::response::site_origin;
use leptos::prelude::*;
use leptos::text_prop::TextProp;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::use_location;

/// The tab's text for a page titled `text`: "text · Lore", or "Lore" for the home page.
///
/// On the server it is also escaped for HTML: leptos_meta (0.8.7, the latest release) writes
/// the title into `<title>` as it is given, unlike every other text it renders, so a note
/// titled `</title><script>…` ran its script on the rendered page. In the browser the text goes
/// to `document.title`, which is not HTML, and must stay as it is.
pub fn tab_title(text: String) -> String {
    let shown = if text.is_empty() {
        "Lore".to_owned()
    } else {
        format!("{text} · Lore")
    };
    if cfg!(feature = "ssr") {
        escape_html(&shown)
    } else {
        shown
    }
}

/// `text` with the five characters that mean something in HTML written as references.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The head tags of one page. `title` is shown as "title · Lore" (the home page gives none).
#[component]
pub fn PageMeta(
    /// The page's title.
    #[prop(into)]
    title: TextProp,
    /// One sentence about the page.
    #[prop(into)]
    description: TextProp,
    /// A note (`article`) rather than a listing (`website`).
    #[prop(optional)]
    article: bool,
) -> impl IntoView {
    let url = format!(
        "{}{}",
        site_origin(),
        use_location().pathname.get_untracked()
    );
    // On the server a page is rendered once, and leptos_axum reads `<Title>` only after the
    // render, when a route's params or query may already be disposed (seen under concurrent
    // renders that miss the cache: a panic that dropped the connection). There the texts are
    // taken now, while everything they read is alive; in the browser they stay reactive.
    #[cfg(feature = "ssr")]
    let (title, description) = (
        TextProp::from(title.get()),
        TextProp::from(description.get()),
    );
    // An attribute: leptos escapes it, as it does all but `<title>`.
    let shown = {
        let title = title.clone();
        move || match title.get().as_str() {
            "" => "Lore".to_owned(),
            text => format!("{text} · Lore"),
        }
    };
    view! {
        <Title text=title />
        <Meta name="description" content=description.clone() />
        <Link rel="canonical" href=url.clone() />
        <Meta property="og:title" content=shown />
        <Meta property="og:description" content=description />
        <Meta property="og:url" content=url />
        <Meta property="og:type" content=if article { "article" } else { "website" } />
        <Meta property="og:site_name" content="Lore" />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_a_title_is_written_as_text() {
        assert_eq!(
            escape_html(r#"</title><script>alert("x" & 'y')</script>"#),
            "&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(tab_title(String::new()), "Lore");
    }
}
