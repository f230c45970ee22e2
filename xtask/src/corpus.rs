//! The benchmark's corpus: generated notes shaped like a real team's, so that what the
//! benchmark tunes is what users meet.
//!
//! What makes it realistic, and why each matters:
//! - **Vocabulary.** Words follow a Zipf law over about 20,000 terms: a few hundred common
//!   English and engineering words appear in many notes but not in all, the long tail in a few.
//!   Search cost depends on how many notes a word is in; a corpus whose every note holds the
//!   same words measures only the worst case, and a spelling suggester only its easiest one.
//! - **Lengths.** Most notes are a page (100-400 words), some a few lines, a few a long
//!   design document (thousands of words): rendering, indexing and storing cost per byte.
//! - **Paths.** `area-07/service-12/overview.md`: the same few dozen file names (overview,
//!   runbook, faq...) in many folders, as wikis have them; links between notes are ids or
//!   relative paths across folders.
//! - **Markup and odd characters.** Headings, tables, task lists, fenced code in several
//!   languages (highlighted on import), accents, CJK, emoji, `<T>` and `&` in text and code.
//!
//! Everything is drawn from a fixed-seed generator per note, so a run's corpus is the same on
//! every machine, and note `n` is the same note whatever the size of the corpus.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Top-level folders (each a collection).
pub const AREAS: usize = 20;
/// Folders inside each area.
const SERVICES: usize = 25;

/// File names, each used in many folders.
const FILE_NAMES: [&str; 24] = [
    "overview",
    "runbook",
    "faq",
    "design",
    "api",
    "setup",
    "troubleshooting",
    "glossary",
    "deployment",
    "testing",
    "security",
    "performance",
    "monitoring",
    "alerts",
    "backup",
    "migration",
    "architecture",
    "onboarding",
    "incident-review",
    "capacity",
    "release-notes",
    "decisions",
    "index",
    "notes",
];

/// The common words, most frequent first: ranks 0 to 299 of the vocabulary.
const COMMON: &str = "the a to of and in is for that it on with as be this by are or \
    from can an not at we if when which but will each one all its data request server client \
    service time use new more only so other must first then how after also no any what there \
    some they into would two should about their than may these write read cache load query \
    user file page note system value error state key table index log event queue message \
    connection network response database replica version change update test build deploy run \
    config path type field list record version latency memory thread process lock timeout retry \
    limit size rate token session cookie header body proxy balancer route handler endpoint \
    schema migration backup restore replication failover cluster node shard partition \
    transaction commit rollback isolation consistency availability throughput bandwidth packet \
    socket port address host domain certificate encryption signature hash password account \
    permission role policy audit metric alert dashboard trace span sample bucket histogram \
    percentile median average budget incident outage review postmortem owner team oncall \
    escalation ticket release branch merge review pipeline artifact image container pod volume \
    mount disk storage object blob stream batch job worker scheduler cron trigger webhook \
    callback promise future async await runtime executor channel mutex atomic pointer buffer \
    slice vector string integer float boolean option result panic crash restart health ready \
    probe warmup cold hot path fast slow small large local remote primary secondary leader \
    follower quorum vote term election heartbeat gossip membership discovery registry \
    gateway ingress egress firewall subnet dns tls http grpc json yaml toml markdown html css \
    browser render hydrate component signal effect resource router layout template style \
    theme dark light mobile desktop screen keyboard mouse click scroll search filter sort \
    page offset cursor paginate import export archive zip format parse serialize decode \
    encode compress gzip brotli";

/// Pairs of words that often stand together, for phrase searches.
const PHRASES: [&str; 12] = [
    "connection pool",
    "load balancer",
    "cache invalidation",
    "rate limit",
    "read replica",
    "circuit breaker",
    "health check",
    "feature flag",
    "blue green deployment",
    "write ahead log",
    "exponential backoff",
    "service level objective",
];

/// Words with accents, other scripts, emoji and markup-like text, sprinkled into prose.
const ODD: [&str; 16] = [
    "café",
    "naïve",
    "façade",
    "Zürich",
    "São Paulo",
    "東京",
    "データベース",
    "Ελληνικά",
    "🚀",
    "✅",
    "`Vec<T>`",
    "`Option<&str>`",
    "R&D",
    "“quoted”",
    "50 %",
    "x ≤ y",
];

/// Syllables the long tail of the vocabulary is made of.
const SYLLABLES: [&str; 24] = [
    "ka", "lo", "ren", "tu", "mi", "sa", "vor", "del", "pex", "qui", "zan", "bri", "tho", "gle",
    "nar", "fen", "os", "ul", "dra", "kin", "mol", "ste", "vy", "jor",
];

/// The tags notes carry, most used first.
const TAGS: [&str; 30] = [
    "backend",
    "frontend",
    "database",
    "networking",
    "security",
    "operations",
    "performance",
    "testing",
    "rust",
    "postgres",
    "sqlite",
    "kubernetes",
    "observability",
    "incident",
    "design",
    "api",
    "caching",
    "search",
    "storage",
    "release",
    "onboarding",
    "reliability",
    "cost",
    "compliance",
    "mobile",
    "accessibility",
    "i18n",
    "data-pipeline",
    "ml",
    "legacy",
];

/// The vocabulary in rank order, with the cumulative Zipf weight of each rank.
pub struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    /// About 20,000 words: the common ones, then made-up technical terms.
    pub fn new() -> Self {
        let mut seen = std::collections::HashSet::new();
        let mut words: Vec<String> = COMMON
            .split_whitespace()
            .filter(|word| seen.insert(word.to_string()))
            .map(str::to_owned)
            .collect();
        // Every made-up word, in an order drawn once, so that common and rare words start
        // with any syllable (a suggester reading words by their first letters meets them as
        // in a real vocabulary).
        let mut tail: Vec<String> = Vec::new();
        for a in SYLLABLES {
            for b in SYLLABLES {
                for c in SYLLABLES {
                    for ending in ["", "er", "ix"] {
                        tail.push(format!("{a}{b}{c}{ending}"));
                    }
                }
            }
        }
        let mut random = Random::new(u64::MAX);
        for i in (1..tail.len()).rev() {
            tail.swap(i, random.between(0, i));
        }
        for word in tail {
            if words.len() >= 20_000 {
                break;
            }
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        // Zipf with exponent 1: the word of rank r is used in proportion to 1 / (r + 1).
        let mut total = 0.0;
        let cumulative = (0..words.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + 1.0);
                total
            })
            .collect();
        Self { words, cumulative }
    }

    fn word(&self, random: &mut Random) -> &str {
        let target = random.unit() * self.cumulative.last().copied().unwrap_or(1.0);
        let rank = self.cumulative.partition_point(|&c| c < target);
        &self.words[rank.min(self.words.len() - 1)]
    }

    /// The word of `rank` (0 is the most common).
    pub fn at(&self, rank: usize) -> &str {
        &self.words[rank]
    }
}

/// SplitMix64: small, fast and good enough for test data; seeded per note.
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0.0..1.0`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `range`.
    fn between(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() % (high - low + 1) as u64) as usize
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next() as usize % items.len()]
    }
}

/// Where note `n` lives, relative to the corpus root.
pub fn path_of(n: usize) -> PathBuf {
    let area = n % AREAS;
    let service = (n / AREAS) % SERVICES;
    let name = FILE_NAMES[(n / (AREAS * SERVICES)) % FILE_NAMES.len()];
    // Past 12,000 notes a name would repeat in the same folder: number the later ones.
    let round = n / (AREAS * SERVICES * FILE_NAMES.len());
    let file = if round == 0 {
        format!("{name}.md")
    } else {
        format!("{name}-{round}.md")
    };
    PathBuf::from(format!("area-{area:02}"))
        .join(format!("service-{service:02}"))
        .join(file)
}

/// The relative link to note `to` from any note (all are two folders deep).
fn relative_link(to: usize) -> String {
    format!("../../{}", path_of(to).display())
}

/// Writes notes `0..notes` under `root`.
pub fn generate(root: &Path, notes: usize) -> std::io::Result<()> {
    let vocabulary = Vocabulary::new();
    for n in 0..notes {
        let path = root.join(path_of(n));
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, note(n, notes, &vocabulary))?;
    }
    Ok(())
}

/// Writes notes `0..notes` under `root` as an Obsidian vault: an `.obsidian/` folder, links
/// between notes written as wikilinks by path (the file names repeat across folders, so a
/// vault's links must say which), a callout and a body tag in some notes, and one note in
/// twenty showing one of `notes / 20` images kept in `attachments/` (20-400 KB of
/// incompressible bytes each, as photographs and screenshots are).
pub fn generate_vault(root: &Path, notes: usize) -> std::io::Result<()> {
    let vocabulary = Vocabulary::new();
    std::fs::create_dir_all(root.join(".obsidian"))?;
    std::fs::write(root.join(".obsidian/app.json"), "{}\n")?;
    let images = (notes / 20).max(1);
    std::fs::create_dir_all(root.join("attachments"))?;
    for k in 0..images {
        std::fs::write(root.join(image_path(k)), image_bytes(k))?;
    }
    for n in 0..notes {
        let path = root.join(path_of(n));
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let mut text = write_note(n, notes, &vocabulary, true);
        let mut random = Random::new(n as u64 ^ 0x5eed);
        if random.chance(0.3) {
            let _ = write!(
                text,
                "\n> [!tip] {}\n> {}\n\nFiled under #area-{:02}/service.\n",
                sentence(&mut random, &vocabulary, 1, 4, true),
                sentence(&mut random, &vocabulary, 6, 16, false),
                n % AREAS
            );
        }
        if n % 20 == 0 {
            let _ = write!(
                text,
                "\n![[{}|600]]\n",
                image_path(random.between(0, images - 1))
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
            );
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

/// Where image `k` of a vault lives.
fn image_path(k: usize) -> PathBuf {
    PathBuf::from("attachments").join(format!("figure-{k:04}.png"))
}

/// Image `k`'s bytes: a PNG signature, then 20-400 KB that do not compress.
fn image_bytes(k: usize) -> Vec<u8> {
    let mut random = Random::new(k as u64 ^ 0x1a6e);
    let size = random.between(20_000, 400_000);
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    while bytes.len() < size {
        bytes.extend_from_slice(&random.next().to_le_bytes());
    }
    bytes
}

/// Note `n` of a corpus of `notes`.
///
/// Notes come in chapters of ten, like the sections of a course: each note's prerequisites
/// are the note before it and its chapter's first, so reading paths are up to nine notes
/// long, as in real bases.
pub fn note(n: usize, notes: usize, vocabulary: &Vocabulary) -> String {
    write_note(n, notes, vocabulary, false)
}

/// Note `n`, its links to other notes written as a vault's wikilinks if `vault`.
fn write_note(n: usize, notes: usize, vocabulary: &Vocabulary, vault: bool) -> String {
    let mut random = Random::new(n as u64);
    let chapter_start = n - n % 10;
    let previous = n.saturating_sub(1).max(chapter_start);
    let next = (n + 1) % notes;
    let related = random.between(0, notes - 1);
    let title = sentence(&mut random, vocabulary, 1, 4, true);
    let description = sentence(&mut random, vocabulary, 6, 16, false);
    let mut tags: Vec<&str> = (0..random.between(1, 5))
        .map(|_| TAGS[zipf_index(&mut random, TAGS.len())])
        .collect();
    tags.sort_unstable();
    tags.dedup();

    let mut text = String::new();
    let _ = write!(
        text,
        "---\nid: note-{n:05}\ntitle: \"{title}\"\ndescription: \"{description}\"\nauthor: {author}\n\
         created_at: 2026-{month:02}-{day:02}\nversion: 1.{minor}\ntags: [{tags}]\n\
         relationships:\n  prerequisites: [note-{previous:05}, note-{chapter_start:05}]\n  \
         successors: [note-{next:05}]\n  related:\n  - {related_path}\n---\n\n# {title}\n\n",
        author = random.pick(&[
            "Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Donald"
        ]),
        month = n % 12 + 1,
        day = n % 28 + 1,
        minor = n % 10,
        tags = tags.join(", "),
        related_path = relative_link(related),
    );

    // Words in the body: most notes a page, some a few lines, a few a long document.
    let words = match random.unit() {
        u if u < 0.05 => random.between(20, 100),
        u if u < 0.80 => random.between(100, 400),
        u if u < 0.97 => random.between(400, 1_200),
        _ => random.between(1_200, 4_000),
    };
    let mut written = 0;
    let mut section = 0;
    while written < words {
        if section > 0 || random.chance(0.5) {
            let _ = writeln!(
                text,
                "## {}\n",
                sentence(&mut random, vocabulary, 1, 4, true)
            );
        }
        section += 1;
        for _ in 0..random.between(1, 3) {
            if written >= words {
                break;
            }
            let length = random.between(30, 110).min(words - written).max(5);
            let mut paragraph = prose(&mut random, vocabulary, length);
            if random.chance(0.35) {
                let target = random.between(0, notes - 1);
                let link = if random.chance(0.5) {
                    format!("note-{target:05}")
                } else {
                    relative_link(target)
                };
                let label = vocabulary.word(&mut random);
                if vault {
                    let target = path_of(target).with_extension("");
                    let _ = write!(paragraph, " See [[{}|{label}]].", target.display());
                } else {
                    let _ = write!(paragraph, " See [{label}]({link}).");
                }
            }
            let _ = writeln!(text, "{paragraph}\n");
            written += length;
        }
        match random.between(0, 9) {
            0 | 1 => code_block(&mut text, &mut random, vocabulary, n),
            2 => table(&mut text, &mut random, vocabulary),
            3 | 4 => {
                for _ in 0..random.between(2, 6) {
                    let done = if random.chance(0.5) { "x" } else { " " };
                    let item = sentence(&mut random, vocabulary, 2, 8, false);
                    let _ = writeln!(text, "- [{done}] {item}");
                }
                text.push('\n');
            }
            _ => {}
        }
    }
    text
}

/// An index in `0..len`, the first ones most often.
fn zipf_index(random: &mut Random, len: usize) -> usize {
    let total: f64 = (1..=len).map(|r| 1.0 / r as f64).sum();
    let mut target = random.unit() * total;
    for rank in 0..len {
        target -= 1.0 / (rank + 1) as f64;
        if target <= 0.0 {
            return rank;
        }
    }
    len - 1
}

/// Between `low` and `high` words, capitalised like a title or a sentence.
fn sentence(
    random: &mut Random,
    vocabulary: &Vocabulary,
    low: usize,
    high: usize,
    title: bool,
) -> String {
    let count = random.between(low, high);
    let words: Vec<String> = (0..count)
        .map(|i| {
            let word = vocabulary.word(random);
            if i == 0 || title {
                capitalised(word)
            } else {
                word.to_owned()
            }
        })
        .collect();
    words.join(" ")
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `count` words of sentences, with now and then a common phrase, an odd word, emphasis or
/// inline code.
fn prose(random: &mut Random, vocabulary: &Vocabulary, count: usize) -> String {
    let mut text = String::new();
    let mut in_sentence = 0;
    for _ in 0..count {
        // Per thousand words: three phrases, so that each phrase is in some notes, not most.
        let word = match random.between(0, 999) {
            0..=2 => random.pick(&PHRASES).to_string(),
            3..=12 => random.pick(&ODD).to_string(),
            13..=22 => format!("**{}**", vocabulary.word(random)),
            23..=32 => format!("`{}`", vocabulary.word(random)),
            _ => vocabulary.word(random).to_owned(),
        };
        if !text.is_empty() {
            text.push(' ');
        }
        if in_sentence == 0 {
            text.push_str(&capitalised(&word));
        } else {
            text.push_str(&word);
        }
        in_sentence += 1;
        if in_sentence > 6 && random.chance(0.15) {
            text.push(if random.chance(0.9) { '.' } else { '?' });
            in_sentence = 0;
        }
    }
    if in_sentence > 0 {
        text.push('.');
    }
    text
}

fn code_block(text: &mut String, random: &mut Random, vocabulary: &Vocabulary, n: usize) {
    let name = vocabulary
        .word(random)
        .replace(|c: char| !c.is_alphanumeric(), "_");
    match random.between(0, 3) {
        0 => {
            let _ = write!(
                text,
                "```rust\n/// {doc}\npub fn {name}_{n}(items: &[Option<&str>]) -> Result<Vec<String>, Error> {{\n    \
                 let mut seen = Vec::with_capacity(items.len());\n    for item in items.iter().flatten() {{\n        \
                 if item.len() > {limit} && !seen.contains(item) {{\n            seen.push(item.to_string());\n        }}\n    }}\n    \
                 Ok(seen)\n}}\n```\n\n",
                doc = sentence(random, vocabulary, 3, 8, false),
                limit = random.between(1, 64),
            );
        }
        1 => {
            let _ = write!(
                text,
                "```python\ndef {name}(rows, limit={limit}):\n    \"\"\"{doc}\"\"\"\n    \
                 return [r for r in rows if r.get(\"{name}\") and len(r) <= limit]\n```\n\n",
                doc = sentence(random, vocabulary, 3, 8, false),
                limit = random.between(1, 500),
            );
        }
        2 => {
            let _ = write!(
                text,
                "```sh\ncurl -fsS 'http://localhost:3000/api/search?q={name}&limit={limit}' | jq '.hits[0]'\n\
                 export LORE_{upper}=\"{value}\" && cargo run -- serve\n```\n\n",
                upper = name.to_uppercase(),
                value = vocabulary.word(random),
                limit = random.between(1, 50),
            );
        }
        _ => {
            let _ = write!(
                text,
                "```yaml\n{name}:\n  replicas: {replicas}\n  timeout: {timeout}s\n  labels: [\"{a}\", \"{b}\"]\n```\n\n",
                replicas = random.between(1, 9),
                timeout = random.between(1, 120),
                a = vocabulary.word(random),
                b = vocabulary.word(random),
            );
        }
    }
}

fn table(text: &mut String, random: &mut Random, vocabulary: &Vocabulary) {
    let _ = writeln!(text, "| setting | value | notes |\n|---|---|---|");
    for _ in 0..random.between(2, 8) {
        let _ = writeln!(
            text,
            "| `{}` | {} | {} |",
            vocabulary.word(random),
            random.between(0, 10_000),
            sentence(random, vocabulary, 2, 6, false),
        );
    }
    text.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn file_names_repeat_across_folders_but_every_path_is_unique() {
        let paths: Vec<PathBuf> = (0..10_000).map(path_of).collect();
        let unique: HashSet<&PathBuf> = paths.iter().collect();
        let names: HashSet<_> = paths.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(unique.len(), paths.len());
        assert!(names.len() <= FILE_NAMES.len(), "{}", names.len());
    }

    #[test]
    fn notes_are_short_and_long_and_common_words_are_in_many_notes_not_all() {
        let vocabulary = Vocabulary::new();
        let notes: Vec<String> = (0..1_000).map(|n| note(n, 1_000, &vocabulary)).collect();
        let sizes: Vec<usize> = notes.iter().map(String::len).collect();
        assert!(sizes.iter().any(|&s| s < 1_500), "no short note");
        assert!(sizes.iter().any(|&s| s > 15_000), "no long note");
        let with = |word: &str| {
            notes
                .iter()
                .filter(|n| n.split(|c: char| !c.is_alphanumeric()).any(|w| w == word))
                .count()
        };
        let server = with("server");
        assert!((200..950).contains(&server), "server is in {server} notes");
        let rare = with(vocabulary.at(3_000));
        assert!((1..50).contains(&rare), "the rare word is in {rare} notes");
    }

    #[test]
    fn a_note_is_the_same_whatever_the_size_of_the_corpus_but_for_its_links() {
        let vocabulary = Vocabulary::new();
        let small = note(505, 1_000, &vocabulary);
        let large = note(505, 10_000, &vocabulary);
        assert!(small.len().abs_diff(large.len()) < 200);
        assert_eq!(small.lines().count(), large.lines().count());
    }
}
