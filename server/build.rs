//! Rebuilds the server when a migration is added: `sqlx::migrate!` embeds the migrations
//! folder at compile time, and without this cargo would not notice a new file in it, so a
//! binary could ship without its latest migration (as sqlx's documentation warns).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
