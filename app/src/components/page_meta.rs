//! What a page says about itself in `<head>`: its title, description, canonical address and
//! Open Graph tags, so a shared link previews as the note it points to. Rendered into the first
//! response by the server; kept current by the browser as the reader moves around.

use crate::response::site_origin;
use leptos::prelude::*;
use leptos::text_prop::TextProp;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::use_location;

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
