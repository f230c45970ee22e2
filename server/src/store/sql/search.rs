//! How search ranks, written once for both engines; each engine answers the few questions it
//! asks in its own index and query language ([`EngineSearch`]: FTS5 on SQLite, `tsvector` on
//! PostgreSQL).
//!
//! Notes come in tiers: the note whose title or id is the query; then every word of the query
//! in the title as a whole word, then as the start of a word while the reader is typing it
//! (`tar` finds the note "tar", then "tar archives", then "make target"); then every word in
//! the tags, then in the description, then anywhere. A relevance score (bm25, `ts_rank`) cannot
//! promise that order by itself: a word in half the notes has an inverse document frequency
//! near zero, column weights then multiply nothing, and a long title that repeats a word
//! outscores the short one that is the word.
//!
//! Within a tier, notes are ordered by relevance when the tier holds at most
//! [`SCORED_PER_TIER`] of them, and newest first (the order notes entered the base) when it holds
//! more. Scoring costs time for every note scored, a few microseconds each on SQLite and ten
//! times that on PostgreSQL, which reads each note's whole word list; and a query whose words are
//! in hundreds of notes tells them apart on little. So no search scores more than
//! [`SCORED_PER_TIER`] notes per tier, and a tier that reaches a full page is the last one read:
//! a common word found in a hundred titles never ranks the thousands of bodies that hold it too.

use super::super::{SearchRequest, StoreError};
use crate::timing;

/// The most notes of one tier that are ordered by relevance; a tier with more is read newest
/// first, and only as far as the page needs.
pub const SCORED_PER_TIER: usize = 200;

/// Where every word of a query must be for a note to be in the tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// The title is the query (compared in lower case), or the id is its words joined by `-`.
    Exact,
    /// In the title.
    Title,
    /// In the tags.
    Tags,
    /// In the description.
    Description,
    /// Anywhere, the body included.
    Anywhere,
}

/// The tiers in order, best first, each with the request it is asked with: the title's is asked
/// first with whole words only, then (while the reader is typing the last word) as typed.
fn tiers(request: &SearchRequest) -> Vec<(Tier, SearchRequest)> {
    let whole_words = SearchRequest {
        prefix_last: false,
        ..request.clone()
    };
    let mut tiers = vec![(Tier::Exact, request.clone()), (Tier::Title, whole_words)];
    if request.prefix_last {
        tiers.push((Tier::Title, request.clone()));
    }
    tiers.extend(
        [Tier::Tags, Tier::Description, Tier::Anywhere].map(|tier| (tier, request.clone())),
    );
    tiers
}

/// What the ranking asks of an engine. Notes are named by their key in the engine's index (the
/// order they entered the base: SQLite's rowid, PostgreSQL's `seq`), which is also what
/// "newest" means.
///
/// A search asks its questions one after another through one [`Self::Session`]: a connection
/// taken from the pool once. Taken once a question, each would cost a round trip more on
/// PostgreSQL (sqlx checks that a pooled connection is alive before handing it out), and each
/// connection would prepare every statement for itself.
#[async_trait::async_trait]
pub trait EngineSearch: Sync {
    /// What a search's questions are asked through.
    type Session: Send;

    /// A session for one search.
    async fn session(&self) -> Result<Self::Session, StoreError>;

    /// What a search's filters (its tag, its collection) are to the engine as it asks for
    /// each tier's notes: the notes that pass them (SQLite), or terms its index holds beside
    /// the words (PostgreSQL).
    type Filter: Send + Sync;

    /// `request`'s filters, or `None` when it has none. Made once a search, not once a tier.
    async fn filtered(
        &self,
        session: &mut Self::Session,
        request: &SearchRequest,
    ) -> Result<Option<Self::Filter>, StoreError>;

    /// Whether `filter` is known to let no note through, so that there is nothing to search.
    fn passes_nothing(_filter: &Self::Filter) -> bool {
        false
    }

    /// The newest `cap` notes of `tier` that match `request`, of those that pass `within`
    /// when given, newest first.
    async fn tier_matches(
        &self,
        session: &mut Self::Session,
        request: &SearchRequest,
        tier: Tier,
        within: Option<&Self::Filter>,
        cap: usize,
    ) -> Result<Vec<i64>, StoreError>;

    /// The notes of each of `tiers` in turn, as [`Self::tier_matches`] finds them with `cap`
    /// (at least `limit`), as far as the tier whose notes, with those of the tiers before it,
    /// fill a page of `limit`. The tiers after it are not read: they may be left out, or
    /// answered empty or in full. Asked one tier at a time, unless an engine can ask several in
    /// one statement (PostgreSQL).
    async fn tiers_until_full(
        &self,
        session: &mut Self::Session,
        tiers: &[(Tier, SearchRequest)],
        within: Option<&Self::Filter>,
        limit: usize,
        cap: usize,
    ) -> Result<Vec<Vec<i64>>, StoreError> {
        let mut answers = Vec::new();
        one_tier_at_a_time(self, session, tiers, within, limit, cap, &mut answers).await?;
        Ok(answers)
    }

    /// How relevant each of `notes` is to `request`, higher is better.
    async fn relevance(
        &self,
        session: &mut Self::Session,
        request: &SearchRequest,
        notes: &[i64],
    ) -> Result<Vec<(i64, f64)>, StoreError>;

    /// Each of `notes` as its id and a snippet of its body around the matches.
    async fn snippets(
        &self,
        session: &mut Self::Session,
        request: &SearchRequest,
        notes: &[i64],
    ) -> Result<Vec<(i64, String, String)>, StoreError>;

    /// Every indexed word, with how many notes hold each.
    async fn vocabulary(&self) -> Result<Vec<(String, i64)>, StoreError>;
}

/// Whether the notes of `answers` (tiers' notes, some in several) fill a page of `limit`.
fn fills_page(answers: &[Vec<i64>], limit: usize) -> bool {
    let found: std::collections::HashSet<&i64> = answers.iter().flatten().collect();
    found.len() >= limit
}

/// Adds to `answers` the notes of each of `tiers` (see [`EngineSearch::tiers_until_full`]),
/// one statement a tier, until they fill the page.
pub async fn one_tier_at_a_time<E: EngineSearch + ?Sized>(
    engine: &E,
    session: &mut E::Session,
    tiers: &[(Tier, SearchRequest)],
    within: Option<&E::Filter>,
    limit: usize,
    cap: usize,
    answers: &mut Vec<Vec<i64>>,
) -> Result<(), StoreError> {
    for (tier, request) in tiers {
        if fills_page(answers, limit) {
            break;
        }
        let found = engine.tier_matches(session, request, *tier, within, cap);
        answers.push(timing::database(found).await?);
    }
    Ok(())
}

/// The terms of an index with how many notes hold each, sorted, as read at a revision of the
/// knowledge base.
#[derive(Debug)]
pub struct VocabularySnapshot {
    /// The base's revision when it was read (read before the terms, so never newer than them).
    pub revision: i64,
    terms: Vec<(String, i64)>,
}

impl VocabularySnapshot {
    /// A snapshot of `terms` (in any order) at `revision`.
    pub fn new(revision: i64, mut terms: Vec<(String, i64)>) -> Self {
        terms.sort_unstable();
        Self { revision, terms }
    }

    /// The terms one character shorter to one longer than `word` that start with its first or
    /// second character: where a word one edit away from it is, unless the edit is a letter
    /// before it or a change of its first.
    pub fn near(&self, word: &str) -> Vec<(String, i64)> {
        let length = word.chars().count();
        let mut starts: Vec<char> = word.chars().take(2).collect();
        starts.dedup();
        let mut near = Vec::new();
        for start in starts {
            let mut buffer = [0; 4];
            let prefix: &str = start.encode_utf8(&mut buffer);
            let from = self
                .terms
                .partition_point(|(term, _)| term.as_str() < prefix);
            near.extend(
                self.terms[from..]
                    .iter()
                    .take_while(|(term, _)| term.starts_with(prefix))
                    .filter(|(term, _)| term.chars().count().abs_diff(length) <= 1)
                    .cloned(),
            );
        }
        near
    }
}

/// The last [`VocabularySnapshot`] read. Both engines are slow to search their vocabulary by
/// range or likeness: SQLite's fts5vocab counts each term's notes as it reads it (10-20 ms for
/// the terms of one letter at 10,000 notes), PostgreSQL's trigram index took 6-26 ms a word;
/// and a misspelled query asks once per word. Read whole (PostgreSQL: 2 ms for 29,000 words),
/// then again in the background when the base has changed; meanwhile suggestions come from the
/// last one. A suggestion is a hint whose search runs on the index itself, so one a write behind
/// is harmless; and both engines suggest by the same rule ([`VocabularySnapshot::near`]).
#[derive(Debug, Default)]
pub struct VocabularyCache {
    state: std::sync::Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    snapshot: Option<std::sync::Arc<VocabularySnapshot>>,
    refreshing: bool,
}

impl VocabularyCache {
    /// The last snapshot, and whether the caller should read a new one: it is older than
    /// `revision` and no one else is reading one. The caller then calls [`Self::keep`] or
    /// [`Self::failed`].
    pub fn current(&self, revision: i64) -> (Option<std::sync::Arc<VocabularySnapshot>>, bool) {
        let mut state = self
            .state
            .lock()
            .expect("the vocabulary cache's lock is never poisoned");
        let stale = state
            .snapshot
            .as_ref()
            .is_none_or(|snapshot| snapshot.revision < revision);
        let refresh = stale && !state.refreshing;
        if refresh {
            state.refreshing = true;
        }
        (state.snapshot.clone(), refresh)
    }

    /// Keeps `snapshot` unless a newer one is kept already.
    pub fn keep(&self, snapshot: VocabularySnapshot) -> std::sync::Arc<VocabularySnapshot> {
        let mut state = self
            .state
            .lock()
            .expect("the vocabulary cache's lock is never poisoned");
        state.refreshing = false;
        let snapshot = std::sync::Arc::new(snapshot);
        if state
            .snapshot
            .as_ref()
            .is_none_or(|kept| kept.revision <= snapshot.revision)
        {
            state.snapshot = Some(snapshot.clone());
        }
        snapshot
    }

    /// Says that reading a snapshot failed, so the next caller tries again.
    pub fn failed(&self) {
        self.state
            .lock()
            .expect("the vocabulary cache's lock is never poisoned")
            .refreshing = false;
    }
}

/// Indexed words near `word` (see [`VocabularySnapshot::near`]) with how many notes hold each,
/// from `engine`'s vocabulary as kept in `cache`: read at once the first time, in the
/// background when the base has changed since `revision`.
pub async fn vocabulary_near<E>(
    engine: &E,
    cache: &std::sync::Arc<VocabularyCache>,
    revision: i64,
    word: &str,
) -> Result<Vec<(String, i64)>, StoreError>
where
    E: EngineSearch + Clone + Send + 'static,
{
    match cache.current(revision) {
        (Some(kept), refresh) => {
            if refresh {
                let (engine, cache) = (engine.clone(), cache.clone());
                tokio::spawn(async move {
                    if let Err(error) = read_vocabulary(&engine, &cache, revision).await {
                        tracing::warn!(%error, "could not read the search vocabulary again");
                    }
                });
            }
            Ok(kept.near(word))
        }
        // None read yet (another request may be reading it too: both keep the same).
        (None, _) => Ok(read_vocabulary(engine, cache, revision).await?.near(word)),
    }
}

/// Reads `engine`'s whole vocabulary as at `revision` into `cache`.
async fn read_vocabulary(
    engine: &impl EngineSearch,
    cache: &VocabularyCache,
    revision: i64,
) -> Result<std::sync::Arc<VocabularySnapshot>, StoreError> {
    match timing::database(engine.vocabulary()).await {
        Ok(terms) => Ok(cache.keep(VocabularySnapshot::new(revision, terms))),
        Err(error) => {
            cache.failed();
            Err(error)
        }
    }
}

/// The notes matching `request`, best first, as `(id, snippet)`.
pub async fn ranked<E: EngineSearch>(
    engine: &E,
    request: &SearchRequest,
) -> Result<Vec<(String, String)>, StoreError> {
    let limit = request.limit as usize;
    // Not a statement: taking a connection is not counted as the database's time.
    let mut session = engine.session().await?;
    let within = timing::database(engine.filtered(&mut session, request)).await?;
    if within.as_ref().is_some_and(E::passes_nothing) {
        return Ok(Vec::new());
    }
    // A note of an earlier tier may match a later one too: each tier is asked for as many
    // more notes as a page holds, so what is left of it once the notes chosen before it are
    // taken out still says whether it is small enough to score.
    let cap = SCORED_PER_TIER + limit;
    let answers = engine
        .tiers_until_full(&mut session, &tiers(request), within.as_ref(), limit, cap)
        .await?;
    let mut chosen: Vec<i64> = Vec::new();
    for mut found in answers {
        if chosen.len() >= limit {
            break;
        }
        found.retain(|note| !chosen.contains(note));
        // An empty tier, or one of a single note, has nothing to order.
        if (2..=SCORED_PER_TIER).contains(&found.len()) {
            let scores: std::collections::HashMap<i64, f64> =
                timing::database(engine.relevance(&mut session, request, &found))
                    .await?
                    .into_iter()
                    .collect();
            // Equal scores: newest first, as `found` was.
            found.sort_by(|a, b| {
                let score = |note| scores.get(note).copied().unwrap_or(f64::MIN);
                score(b).total_cmp(&score(a))
            });
        }
        let room = limit - chosen.len();
        chosen.extend(found.into_iter().take(room));
    }
    if chosen.is_empty() {
        return Ok(Vec::new());
    }
    let mut snippets: std::collections::HashMap<i64, (String, String)> =
        timing::database(engine.snippets(&mut session, request, &chosen))
            .await?
            .into_iter()
            .map(|(note, id, snippet)| (note, (id, snippet)))
            .collect();
    Ok(chosen
        .iter()
        .filter_map(|note| snippets.remove(note))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// An engine over notes given as (key, tiers it is in, score), noting the tiers asked for;
    /// the notes of the third field have the query's last word in their title only as the
    /// start of a longer word. With the fourth, it answers every tier in full, also those
    /// after the one that fills the page, as an engine asking them in one statement may.
    struct Notes(
        Vec<(i64, Vec<Tier>, f64)>,
        std::sync::Mutex<Vec<Tier>>,
        Vec<i64>,
        bool,
    );

    #[async_trait::async_trait]
    impl EngineSearch for Notes {
        type Session = ();
        type Filter = ();

        async fn tiers_until_full(
            &self,
            session: &mut (),
            tiers: &[(Tier, SearchRequest)],
            within: Option<&Self::Filter>,
            limit: usize,
            cap: usize,
        ) -> Result<Vec<Vec<i64>>, StoreError> {
            let mut answers = Vec::new();
            let limit = if self.3 { usize::MAX } else { limit };
            one_tier_at_a_time(self, session, tiers, within, limit, cap, &mut answers).await?;
            Ok(answers)
        }

        async fn session(&self) -> Result<(), StoreError> {
            Ok(())
        }

        async fn filtered(&self, _: &mut (), _: &SearchRequest) -> Result<Option<()>, StoreError> {
            Ok(None)
        }

        async fn tier_matches(
            &self,
            _: &mut (),
            request: &SearchRequest,
            tier: Tier,
            _: Option<&()>,
            cap: usize,
        ) -> Result<Vec<i64>, StoreError> {
            self.1.lock().unwrap().push(tier);
            let whole_words_only = tier == Tier::Title && !request.prefix_last;
            let mut found: Vec<i64> = self
                .0
                .iter()
                .filter(|(_, tiers, _)| tiers.contains(&tier) || tier == Tier::Anywhere)
                .filter(|(key, _, _)| !(whole_words_only && self.2.contains(key)))
                .map(|(key, _, _)| *key)
                .collect();
            found.sort_by(|a, b| b.cmp(a));
            found.truncate(cap);
            Ok(found)
        }

        async fn relevance(
            &self,
            _: &mut (),
            _: &SearchRequest,
            notes: &[i64],
        ) -> Result<Vec<(i64, f64)>, StoreError> {
            assert!(notes.len() <= SCORED_PER_TIER, "scored {}", notes.len());
            let scores: HashMap<i64, f64> = self.0.iter().map(|(k, _, s)| (*k, *s)).collect();
            Ok(notes.iter().map(|n| (*n, scores[n])).collect())
        }

        async fn snippets(
            &self,
            _: &mut (),
            _: &SearchRequest,
            notes: &[i64],
        ) -> Result<Vec<(i64, String, String)>, StoreError> {
            Ok(notes
                .iter()
                .map(|n| (*n, format!("n{n}"), String::new()))
                .collect())
        }

        async fn vocabulary(&self) -> Result<Vec<(String, i64)>, StoreError> {
            Ok(Vec::new())
        }
    }

    fn request(limit: u64, prefix_last: bool) -> SearchRequest {
        SearchRequest {
            terms: Vec::new(),
            prefix_last,
            tag: None,
            collection: None,
            limit,
        }
    }

    /// The ids found, and the tiers read.
    async fn ids(notes: Vec<(i64, Vec<Tier>, f64)>, limit: u64) -> (Vec<String>, Vec<Tier>) {
        typed(notes, Vec::new(), limit).await
    }

    /// The ids found and the tiers read while the last word is being typed, `prefixed` having
    /// it in their titles only as the start of a word.
    async fn typed(
        notes: Vec<(i64, Vec<Tier>, f64)>,
        prefixed: Vec<i64>,
        limit: u64,
    ) -> (Vec<String>, Vec<Tier>) {
        let prefix_last = !prefixed.is_empty();
        let engine = Notes(notes, Default::default(), prefixed, false);
        let found = ranked(&engine, &request(limit, prefix_last))
            .await
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        (found, engine.1.into_inner().unwrap())
    }

    #[tokio::test]
    async fn tiers_answered_all_at_once_rank_as_tiers_asked_one_at_a_time() {
        // Notes in several tiers, tiers of one note, of many, a tier over the scored size.
        let mut notes: Vec<(i64, Vec<Tier>, f64)> = vec![
            (1, vec![Tier::Exact, Tier::Title], 0.2),
            (2, vec![Tier::Title, Tier::Tags], 0.9),
            (3, vec![Tier::Tags, Tier::Description], 0.4),
            (4, vec![Tier::Description], 0.7),
            (5, vec![Tier::Tags], 0.1),
        ];
        notes.extend((6..=400).map(|n| (n, Vec::new(), (n % 11) as f64)));
        for limit in [1, 2, 3, 4, 5, 10, 50] {
            for prefixed in [Vec::new(), vec![2]] {
                let ranked_by = |all_at_once| {
                    let engine = Notes(
                        notes.clone(),
                        Default::default(),
                        prefixed.clone(),
                        all_at_once,
                    );
                    let prefix_last = !prefixed.is_empty();
                    async move {
                        ranked(&engine, &request(limit, prefix_last))
                            .await
                            .unwrap()
                            .into_iter()
                            .map(|(id, _)| id)
                            .collect::<Vec<_>>()
                    }
                };
                let (one_at_a_time, at_once) = (ranked_by(false).await, ranked_by(true).await);
                assert_eq!(one_at_a_time.len(), limit as usize, "limit {limit}");
                assert_eq!(
                    one_at_a_time, at_once,
                    "limit {limit}, prefixed {prefixed:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_tier_still_over_the_scored_size_without_the_notes_chosen_before_it_is_not_scored() {
        // The tags hold 202 notes, one of them the title's: 201 once it is taken out, one more
        // than is scored, so they are read newest first. The oldest score highest: scored,
        // `n2` would come second.
        let mut notes = vec![(1_000, vec![Tier::Title, Tier::Tags], 0.0)];
        notes.extend((1..=201).map(|n| (n, vec![Tier::Tags], -(n as f64))));
        assert_eq!(ids(notes, 2).await.0, ["n1000", "n201"]);
    }

    #[test]
    fn a_vocabulary_snapshot_finds_terms_by_first_or_second_letter_and_length() {
        let terms = [
            "load", "loads", "lad", "aload", "oad", "loadings", "lo", "balance", "ól",
        ];
        let snapshot =
            VocabularySnapshot::new(1, terms.iter().map(|t| (t.to_string(), 1)).collect());
        let mut near: Vec<String> = snapshot.near("laod").into_iter().map(|(t, _)| t).collect();
        near.sort();
        assert_eq!(near, ["aload", "lad", "load", "loads"]);
        assert!(snapshot.near("óx").iter().any(|(term, _)| term == "ól"));
    }

    #[test]
    fn the_vocabulary_is_read_again_once_when_the_base_has_changed() {
        let cache = VocabularyCache::default();
        let (none, refresh) = cache.current(3);
        assert!(none.is_none() && refresh);
        // Someone is reading it: others do not, and have none to use yet.
        assert!(!cache.current(3).1);
        cache.keep(VocabularySnapshot::new(3, vec![("load".into(), 2)]));
        let (kept, refresh) = cache.current(3);
        assert_eq!(kept.unwrap().revision, 3);
        assert!(!refresh);
        // The base moved on: the old snapshot serves while one caller reads anew.
        let (kept, refresh) = cache.current(4);
        assert!(kept.is_some() && refresh);
        assert!(!cache.current(4).1);
        cache.failed();
        assert!(
            cache.current(4).1,
            "after a failure the next caller tries again"
        );
    }

    #[tokio::test]
    async fn tiers_come_first_then_relevance_then_the_newest() {
        let notes = vec![
            (1, vec![], 9.0),
            (2, vec![Tier::Tags], 1.0),
            (3, vec![Tier::Title, Tier::Tags], 0.5),
            (4, vec![Tier::Title], 0.9),
            (5, vec![], 9.0),
            (6, vec![Tier::Description], 0.1),
        ];
        assert_eq!(ids(notes, 10).await.0, ["n4", "n3", "n2", "n6", "n5", "n1"]);
    }

    #[tokio::test]
    async fn a_tier_too_large_to_score_is_read_newest_first_and_only_as_far_as_the_page() {
        let mut notes: Vec<(i64, Vec<Tier>, f64)> = (1..=1_000)
            .map(|n| (n, Vec::new(), (n % 7) as f64))
            .collect();
        notes.push((1_001, vec![Tier::Title], 0.0));
        notes.push((1_002, vec![Tier::Title], 5.0));
        assert_eq!(
            ids(notes, 5).await.0,
            ["n1002", "n1001", "n1000", "n999", "n998"]
        );
    }

    #[tokio::test]
    async fn a_full_page_from_the_first_tiers_reads_no_further() {
        let notes = (1..=20).map(|n| (n, vec![Tier::Title], n as f64)).collect();
        let (found, read) = ids(notes, 3).await;
        assert_eq!(found, ["n20", "n19", "n18"]);
        assert_eq!(read, [Tier::Exact, Tier::Title]);
    }

    #[tokio::test]
    async fn the_note_that_is_the_query_comes_first_then_whole_words_then_prefixes() {
        // `tar`: "Make target" (prefix, scores highest), "tar" (exact), "Tar archives".
        let notes = vec![
            (1, vec![Tier::Title], 9.0),
            (2, vec![Tier::Exact, Tier::Title], 0.1),
            (3, vec![Tier::Title], 0.5),
            (4, vec![Tier::Tags], 5.0),
        ];
        let (found, read) = typed(notes, vec![1], 10).await;
        assert_eq!(found, ["n2", "n3", "n1", "n4"]);
        assert_eq!(
            read,
            [
                Tier::Exact,
                Tier::Title,
                Tier::Title,
                Tier::Tags,
                Tier::Description,
                Tier::Anywhere
            ]
        );
    }
}
