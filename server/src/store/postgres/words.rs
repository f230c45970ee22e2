//! The search index's word lists of the notes an import writes, and the vocabulary's counts of
//! them, built by Lore on its own cores and handed to PostgreSQL ready to store.
//!
//! Left to the database, a note's `tsvector`s (migration 0003's `lore_meta_vector` and
//! `lore_words_vector`) are computed by the one backend process that runs the import's
//! statements: folding the text (`lore_search_text`: `unaccent`, `lower`, every run of other
//! characters to one space) and parsing it into words and positions took 5.3 s of that one
//! core for 10,000 notes, and counting their words into the vocabulary 0.75 s more, while the
//! machine's cores rendered the next batch. Here the same vectors are built in Rust, while
//! PostgreSQL writes the notes, and sent in `tsvector`'s binary form, which it stores as it is;
//! the words are counted from them, for all of a transaction's batches at once as it commits.
//! The vocabulary's insert trigger leaves such notes alone (migration 0010).
//!
//! The vectors are meant to be the database's own, and the test says where they are:
//! - How a character folds is asked of the database itself, `lore_search_text` of each
//!   character once per store (the ASCII ones first, any other when a note first holds it), so
//!   its locale, its `unaccent` rules and its idea of a letter are the ones used. That a text
//!   then folds as its characters do rests on folding being done a character at a time:
//!   `unaccent`'s rules as shipped replace single characters (a rules file edited to replace
//!   longer strings would break it), `lower()` under a libc locale lowers each character by
//!   itself, and the regular expression looks at one character. Under an ICU locale `lower()`
//!   looks at neighbours (a final sigma), so such a database keeps building its vectors itself.
//! - The folded text is runs of letters and digits separated by one space. PostgreSQL's parser
//!   reads each run as one word, except a run that starts as a number in scientific notation
//!   (`1e5abc` is `1e5`, `abc`: see [`as_parsed`]). [`Vector`] then follows `to_tsvector`,
//!   `setweight` and `||` to their limits: words of 2,048 bytes or more dropped without a
//!   position, positions clamped at 16,383, at most 255 positions a word from one text and 256
//!   after joining.
//!
//! The store's conformance suite compares these vectors and counts with the database's own for
//! every character there is, alone and inside a word, for runs of digits and letters of every
//! shape, and for notes at each limit.

use super::super::{NoteRecord, StoreError};
use super::NOTE_FILTERS;
use rustc_hash::{FxHashMap, FxHashSet};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgArguments, PgHasArrayType, PgTypeInfo};
use sqlx::{Arguments, Encode, Postgres, Type};
use std::sync::{Arc, RwLock};

/// While set (for the transaction, from before the notes are written until their rows are),
/// the vocabulary's insert trigger, which would count the notes' words, does not fire (its
/// `WHEN`, migration 0010).
const WORDS_GIVEN: &str = "lore.search_words_given";

/// The longest word a `tsvector` holds, in bytes; `to_tsvector` drops longer ones.
const MAX_WORD_BYTES: usize = 2_047;
/// The last position a `tsvector` tells apart; later words are all at it.
const LAST_POSITION: u16 = 16_383;
/// The most positions `to_tsvector` keeps of one word in one text.
const POSITIONS_PARSED: usize = 255;
/// The most positions a word keeps when vectors are joined with `||`.
const POSITIONS_JOINED: usize = 256;

/// A position's weight, in its two high bits.
#[derive(Debug, Clone, Copy)]
enum Weight {
    /// The title.
    A = 3,
    /// The tags.
    B = 2,
    /// The description.
    C = 1,
    /// The body.
    D = 0,
}

/// The position part of a position entry.
fn position_of(entry: u16) -> u16 {
    entry & 0x3fff
}

/// How this database folds each character for search, as far as Lore has asked it.
#[derive(Debug, Default)]
pub struct Folding {
    /// Replaced, not changed, when more is learned: a batch's words are built from the copy
    /// taken when it started, on a thread of their own, while another import may learn more.
    known: RwLock<Arc<Known>>,
}

#[derive(Debug, Default, Clone)]
struct Known {
    /// Whether the database folds each character on its own (unknown until first asked).
    by_character: Option<bool>,
    /// `lore_search_text` of each character asked about.
    folded: FxHashMap<char, Box<str>>,
    /// The same for ASCII, by code, so that most characters of most notes are folded without
    /// hashing: for a character that folds to one ASCII character other than a space (a letter
    /// or digit, in lower case: the usual case), that character; [`WORD_ENDS`] for one that
    /// folds to a space; [`FOLDS_OTHERWISE`] for any other, folded through [`Known::fold`].
    ascii_bytes: Vec<u8>,
}

/// In [`Known::ascii_bytes`]: the character ends a word.
const WORD_ENDS: u8 = 0;
/// In [`Known::ascii_bytes`]: the character folds to something other than one ASCII byte.
const FOLDS_OTHERWISE: u8 = 0xff;

impl Known {
    /// How `c` folds: its letters and digits, a space where a word ends. Every character of a
    /// note is asked about before its words are built ([`Folding::learn`]); NUL, which no text
    /// stored in PostgreSQL holds, ends a word like any other non-letter.
    fn fold(&self, c: char) -> &str {
        self.folded.get(&c).map_or(" ", |folded| folded)
    }
}

impl Folding {
    /// What is known so far.
    fn known(&self) -> Arc<Known> {
        self.known
            .read()
            .expect("the folding's lock is never poisoned")
            .clone()
    }

    /// Learns how the characters of `notes` fold that it has not asked about yet, and returns
    /// what it then knows; `None` when the database folds text in context, so that Lore cannot
    /// build the notes' words.
    async fn learn(
        &self,
        tx: &mut sqlx::PgConnection,
        notes: &[Searched],
    ) -> Result<Option<Arc<Known>>, StoreError> {
        let known = self.known();
        let by_character = match known.by_character {
            Some(false) => return Ok(None),
            Some(true) => true,
            // Read as JSON so that a server without the column (before 15: libc only)
            // answers NULL rather than failing the transaction.
            None => {
                let (provider,): (Option<String>,) = sqlx::query_as(
                    "SELECT to_jsonb(d) ->> 'datlocprovider' FROM pg_database d \
                     WHERE datname = current_database()",
                )
                .fetch_one(&mut *tx)
                .await?;
                provider.is_none_or(|provider| provider == "c")
            }
        };
        let mut unknown: FxHashSet<char> = FxHashSet::default();
        if by_character {
            if known.ascii_bytes.is_empty() {
                unknown.extend((1..=127u8).map(char::from));
            }
            for text in notes.iter().flat_map(Searched::texts) {
                unknown.extend(
                    text.chars()
                        .filter(|c| !c.is_ascii() && !known.folded.contains_key(c)),
                );
            }
        }
        if known.by_character.is_some() && unknown.is_empty() {
            return Ok(Some(known));
        }
        let characters: Vec<String> = unknown.into_iter().map(String::from).collect();
        let folded: Vec<(String, String)> =
            sqlx::query_as("SELECT c, lore_search_text(c) FROM unnest($1::text[]) AS c")
                .bind(&characters)
                .fetch_all(&mut *tx)
                .await?;
        let mut slot = self
            .known
            .write()
            .expect("the folding's lock is never poisoned");
        // What another import learned meanwhile is kept too.
        let mut next = Known::clone(&slot);
        next.by_character = Some(by_character);
        for (character, folded) in folded {
            if let Some(c) = character.chars().next() {
                next.folded.insert(c, folded.into());
            }
        }
        if next.ascii_bytes.is_empty() && by_character {
            next.ascii_bytes = (0..128u8)
                .map(|c| match next.fold(char::from(c)).as_bytes() {
                    b" " => WORD_ENDS,
                    &[byte] if byte.is_ascii() && byte != WORD_ENDS => byte,
                    _ => FOLDS_OTHERWISE,
                })
                .collect();
        }
        let next = Arc::new(next);
        *slot = next.clone();
        Ok(by_character.then_some(next))
    }
}

/// Calls `each` with every word of `text` as the database folds and parses it, in order.
fn each_word(known: &Known, text: &str, mut each: impl FnMut(&str)) {
    let mut word = String::new();
    let mut end = |word: &mut String| {
        if !word.is_empty() {
            as_parsed(word, &mut each);
            word.clear();
        }
    };
    for c in text.chars() {
        match known.ascii_bytes.get(c as usize) {
            Some(&WORD_ENDS) => end(&mut word),
            Some(&byte) if byte != FOLDS_OTHERWISE => word.push(char::from(byte)),
            _ => {
                for f in known.fold(c).chars() {
                    if f == ' ' {
                        end(&mut word);
                    } else {
                        word.push(f);
                    }
                }
            }
        }
    }
    end(&mut word);
}

/// Calls `each` with the words PostgreSQL's parser reads in `run`, a run of letters and digits:
/// the run itself, unless it starts as a number in scientific notation (digits, `e`, digits)
/// and goes on with a letter, where the parser ends a word after the number (`1e5abc` is
/// `1e5` and `abc`, and what follows the number starts with a letter).
fn as_parsed(run: &str, each: &mut impl FnMut(&str)) {
    let bytes = run.as_bytes();
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let whole = digits(0);
    if whole > 0 && matches!(bytes.get(whole), Some(b'e' | b'E')) {
        let exponent = digits(whole + 1);
        let number = whole + 1 + exponent;
        if exponent > 0 && number < bytes.len() {
            each(&run[..number]);
            each(&run[number..]);
            return;
        }
    }
    each(run)
}

/// A `tsvector` being built: each word's position entries (weight and position), ascending.
#[derive(Debug, Default)]
struct Vector {
    words: FxHashMap<String, Vec<u16>>,
}

impl Vector {
    /// `setweight(to_tsvector('simple', lore_search_text(text)), weight)`, its positions
    /// moved past `shift` as `||` moves those of its right side: each `shift` higher, and
    /// clamped at the last one (see [`Vector::join`]).
    fn parse_after(known: &Known, text: &str, weight: Weight, shift: u16) -> Self {
        let mut words: FxHashMap<String, Vec<u16>> = FxHashMap::default();
        // Clamping as the words are read keeps what moving them after would: a word's
        // positions up to and including the first at the last one, 255 at most.
        let mut position = shift.min(LAST_POSITION);
        each_word(known, text, |word| {
            if word.len() > MAX_WORD_BYTES {
                return;
            }
            position = (position + 1).min(LAST_POSITION);
            let positions = match words.get_mut(word) {
                Some(positions) => positions,
                None => words.entry(word.to_owned()).or_default(),
            };
            let last = positions.last().map(|&entry| position_of(entry));
            if positions.len() < POSITIONS_PARSED
                && last != Some(LAST_POSITION)
                && last != Some(position)
            {
                positions.push(position);
            }
        });
        for positions in words.values_mut() {
            for entry in positions.iter_mut() {
                *entry |= (weight as u16) << 14;
            }
        }
        Self { words }
    }

    /// The highest position of any word.
    fn last_position(&self) -> u16 {
        self.words
            .values()
            .flat_map(|positions| positions.iter().map(|&entry| position_of(entry)))
            .max()
            .unwrap_or(0)
    }

    /// `self || right`, where `right` was read after `self`'s last position
    /// ([`Vector::parse_after`]): a word of both keeps `self`'s positions, then `right`'s
    /// until it holds 256 or one at the last position. Only `self`'s words are looked up, so
    /// the words of a long body are not moved behind those of its title.
    fn join(self, mut right: Vector) -> Self {
        for (word, left) in self.words {
            let Some(positions) = right.words.get_mut(&word) else {
                right.words.insert(word, left);
                continue;
            };
            let added = std::mem::replace(positions, left);
            for entry in added {
                if positions.len() >= POSITIONS_JOINED
                    || positions.last().map(|&e| position_of(e)) == Some(LAST_POSITION)
                {
                    break;
                }
                positions.push(entry);
            }
        }
        right
    }

    /// `tsvector`'s binary form: the number of words, then each word (in byte order) ended by
    /// NUL, with its number of positions and each position entry.
    fn to_binary(&self) -> TsVector {
        let mut words: Vec<(&String, &Vec<u16>)> = self.words.iter().collect();
        words.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let size: usize = words.iter().map(|(w, p)| w.len() + 3 + 2 * p.len()).sum();
        let mut bytes = Vec::with_capacity(4 + size);
        bytes.extend_from_slice(&(words.len() as u32).to_be_bytes());
        for (word, positions) in words {
            bytes.extend_from_slice(word.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(&(positions.len() as u16).to_be_bytes());
            for entry in positions {
                bytes.extend_from_slice(&entry.to_be_bytes());
            }
        }
        TsVector(bytes)
    }
}

/// A `tsvector` in its binary form, to bind.
#[derive(Debug, Clone)]
pub struct TsVector(Vec<u8>);

impl TsVector {
    /// Its words, in the order they are written.
    fn words(&self) -> impl Iterator<Item = &str> {
        let bytes = self.0.as_slice();
        let count = u32::from_be_bytes(bytes[..4].try_into().expect("four bytes"));
        let mut at = 4;
        (0..count).map(move |_| {
            let end = at + bytes[at..].iter().position(|&b| b == 0).expect("NUL-ended");
            let word = std::str::from_utf8(&bytes[at..end]).expect("written from a str");
            let positions = u16::from_be_bytes([bytes[end + 1], bytes[end + 2]]) as usize;
            at = end + 3 + 2 * positions;
            word
        })
    }
}

impl Type<Postgres> for TsVector {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("tsvector")
    }
}

impl PgHasArrayType for TsVector {
    fn array_type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("_tsvector")
    }
}

impl Encode<'_, Postgres> for TsVector {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }
}

/// The search index rows of notes about to be written, for [`write`] to store once they are.
#[derive(Debug)]
pub struct GivenWords {
    /// The rows, being built while the notes are written.
    building: tokio::task::JoinHandle<Result<Built, BoxDynError>>,
}

/// What [`prepare`]'s thread builds of the notes: the arguments of the statement that stores
/// their rows, encoded and ready to send, and what their words add to the vocabulary. Encoding
/// 3,000 notes' vectors (12 MB) and counting their words took the import's task 0.1 to 0.2 s a
/// batch, during which PostgreSQL, waiting for the statement, did nothing.
struct Built {
    arguments: PgArguments,
    /// The notes' ids, in the order of their vectors.
    ids: Vec<String>,
    /// Each note's `words`, for counting those of only some of the notes.
    words: Vec<TsVector>,
    /// What the words of every note add to the vocabulary.
    counts: Counts,
}

// By hand: the arguments are megabytes of encoded vectors.
impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built")
            .field("notes", &self.words.len())
            .finish_non_exhaustive()
    }
}

/// [`Built`] of `notes`, whose ids are `ids`.
fn build(known: &Known, notes: &[Searched], ids: Vec<String>) -> Result<Built, BoxDynError> {
    let (meta, words): (Vec<TsVector>, Vec<TsVector>) =
        notes.iter().map(|note| vectors_of(known, note)).unzip();
    let mut counts = Counts::default();
    for vector in &words {
        counts.add(vector);
    }
    // Each value with its length before it, and each array with its header: a few bytes more.
    let bytes: usize = ids.iter().map(String::len).sum::<usize>()
        + meta.iter().chain(&words).map(|v| v.0.len()).sum::<usize>()
        + 4 * (ids.len() + meta.len() + words.len())
        + 3 * 24;
    let mut arguments = PgArguments::default();
    arguments.reserve(3, bytes);
    arguments.add(&ids)?;
    arguments.add(&meta)?;
    arguments.add(&words)?;
    Ok(Built {
        arguments,
        ids,
        words,
        counts,
    })
}

/// The texts of a note its words come from, as its row holds them.
struct Searched {
    title: String,
    tags: String,
    description: String,
    body: String,
}

impl Searched {
    fn of(note: &NoteRecord) -> Self {
        Self {
            title: note.title.clone(),
            tags: note.search_tags(),
            description: note.description.clone().unwrap_or_default(),
            body: note.plain_text.clone(),
        }
    }

    fn texts(&self) -> [&str; 4] {
        [&self.title, &self.tags, &self.description, &self.body]
    }
}

/// A note's two vectors, as migration 0003's functions make them: `meta`, the title's words
/// (A), the tags' (B) and the description's (C); `words`, those and the body's (D).
fn vectors_of(known: &Known, note: &Searched) -> (TsVector, TsVector) {
    let then = |left: Vector, text: &str, weight: Weight| {
        let right = Vector::parse_after(known, text, weight, left.last_position());
        left.join(right)
    };
    let title = Vector::parse_after(known, &note.title, Weight::A, 0);
    let meta = then(
        then(title, &note.tags, Weight::B),
        &note.description,
        Weight::C,
    );
    let meta_binary = meta.to_binary();
    let words = then(meta, &note.body, Weight::D);
    (meta_binary, words.to_binary())
}

/// Starts building `notes`' search index rows on a thread of their own, and tells the
/// vocabulary's insert trigger to leave their words to [`write`]; `None` when the database
/// builds them itself.
pub async fn prepare(
    tx: &mut sqlx::PgConnection,
    folding: &Arc<Folding>,
    notes: &[NoteRecord],
) -> Result<Option<GivenWords>, StoreError> {
    // The last of a note written twice is the one stored.
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    let mut latest: Vec<&NoteRecord> = notes.iter().rev().filter(|n| seen.insert(&n.id)).collect();
    latest.reverse();
    let searched: Vec<Searched> = latest.iter().map(|note| Searched::of(note)).collect();
    let Some(known) = folding.learn(tx, &searched).await? else {
        return Ok(None);
    };
    sqlx::query("SELECT set_config($1, 'on', true)")
        .bind(WORDS_GIVEN)
        .execute(&mut *tx)
        .await?;
    let ids: Vec<String> = latest.iter().map(|note| note.id.clone()).collect();
    // Built while PostgreSQL writes the notes, their revisions, tags and links.
    let building = tokio::task::spawn_blocking(move || build(&known, &searched, ids));
    Ok(Some(GivenWords { building }))
}

/// Stores the rows [`prepare`] built for the notes just written, and adds their words to
/// `counts` (for [`count`], at the commit). A note that was in the base already kept its row,
/// which the update triggers brought up to date and counted.
pub async fn write(
    tx: &mut sqlx::PgConnection,
    given: GivenWords,
    counts: &mut Counts,
) -> Result<(), StoreError> {
    let built = match given.building.await {
        Ok(built) => built.map_err(|error| StoreError::Database(sqlx::Error::Encode(error)))?,
        Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
        // Only a runtime shutting down cancels a blocking task: the import ends as the
        // server's other queries do then, with the pool closed.
        Err(_) => return Err(StoreError::Database(sqlx::Error::PoolClosed)),
    };
    // The filters of the notes' tags, written before this.
    let sql = format!(
        "INSERT INTO search_index (seq, meta, words, filters) \
         SELECT d.seq, given.meta, given.words, {NOTE_FILTERS} \
         FROM unnest($1::text[], $2::tsvector[], $3::tsvector[]) AS given (id, meta, words) \
         JOIN documents d USING (id) ORDER BY d.seq \
         ON CONFLICT (seq) DO NOTHING RETURNING seq"
    );
    let added: Vec<i64> = sqlx::query_scalar_with(&sql, built.arguments)
        .fetch_all(&mut *tx)
        .await?;
    // Every note is new, but in an import that writes some again: of those, only the new
    // ones' words are counted here (the others' rows were kept, and counted when stored).
    if added.len() == built.ids.len() {
        counts.merge(built.counts);
    } else {
        let new: FxHashSet<String> =
            sqlx::query_scalar("SELECT id FROM documents WHERE seq = ANY($1)")
                .bind(&added)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        for (id, words) in built.ids.iter().zip(&built.words) {
            if new.contains(id) {
                counts.add(words);
            }
        }
    }
    sqlx::query("SELECT set_config($1, 'off', true)")
        .bind(WORDS_GIVEN)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// How many of the new notes a transaction wrote hold each word: what their rows add to the
/// vocabulary.
#[derive(Debug, Default)]
pub struct Counts(FxHashMap<Box<str>, i64>);

impl Counts {
    /// Counts the words of one note's `words`.
    fn add(&mut self, words: &TsVector) {
        for word in words.words() {
            // Looked up by `&str` first: most words are counted already, and need no key.
            match self.0.get_mut(word) {
                Some(total) => *total += 1,
                None => {
                    self.0.insert(word.into(), 1);
                }
            }
        }
    }

    /// Adds `other`'s counts to these.
    fn merge(&mut self, other: Counts) {
        if self.0.is_empty() {
            *self = other;
            return;
        }
        for (word, count) in other.0 {
            *self.0.entry(word).or_default() += count;
        }
    }
}

/// Adds `counts` to the vocabulary. They are added after the transaction's other changes to
/// it, which is the same as before: those (the update triggers', for notes an import writes
/// again) take away only words of notes stored before, whose counts are in the vocabulary
/// already, and an import never deletes a note it created.
pub async fn count(tx: &mut sqlx::PgConnection, counts: Counts) -> Result<(), StoreError> {
    if counts.0.is_empty() {
        return Ok(());
    }
    let (words, counts): (Vec<&str>, Vec<i64>) =
        counts.0.iter().map(|(word, n)| (&**word, *n)).unzip();
    sqlx::query("SELECT lore_vocabulary_add($1, $2)")
        .bind(&words)
        .bind(&counts)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
