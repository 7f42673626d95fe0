//! Keyword summaries of quadtree tiles: tokenise every text once, then for each level count
//! terms per tile and rank them, the tiles being the documents.
//!
//! Two weightings ([`Weighting`]):
//!
//! - **class-based TF-IDF** (the default; BERTopic's c-TF-IDF), where a word frequent over the
//!   whole level loses whatever tile it is in:
//!
//!   ```text
//!   A           = terms at the level / non-empty tiles      (the average tile's length)
//!   score(t, T) = count(t, T) · ln(1 + A / count(t, level))
//!   ```
//!
//! - **WizMap's**, kept for comparing with WizMap: scikit-learn's `CountVectorizer` with English
//!   stop words, then `TfidfTransformer` with smoothed idf and l2 rows, on WizMap's tile matrix,
//!   which has a row for every point, most of them empty (so the idf hardly tells words apart):
//!
//!   ```text
//!   idf(t)      = ln((1 + points) / (1 + tiles containing t)) + 1
//!   score(t, T) = count(t, T) · idf(t)
//!   ```
//!
//! Scores are then divided by the tile's l2 norm. Ties in score go to the term that sorts
//! first, so the summaries are deterministic.

use super::quadtree::Quadtree;

/// How a tile's words are scored against the other tiles' (see the module's notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Weighting {
    /// Class-based TF-IDF: words frequent everywhere lose.
    #[default]
    ClassTfIdf,
    /// WizMap's TF-IDF over its tile matrix (for comparisons with WizMap).
    WizMap,
}

impl Weighting {
    /// `ctfidf` (also `class-tfidf`) or `wizmap`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ctfidf" | "class-tfidf" | "c-tf-idf" => Some(Weighting::ClassTfIdf),
            "wizmap" => Some(Weighting::WizMap),
            _ => None,
        }
    }
}

/// The English stop words scikit-learn's `CountVectorizer(stop_words="english")` drops.
const ENGLISH_STOP_WORDS: &str = include_str!("english_stop_words.txt");

/// How texts become terms.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    stop: std::collections::HashSet<String>,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new(&[])
    }
}

impl Tokenizer {
    /// English stop words plus `extra` (compared lower-cased).
    pub fn new(extra: &[String]) -> Self {
        let mut stop: std::collections::HashSet<String> = ENGLISH_STOP_WORDS
            .lines()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        stop.extend(extra.iter().map(|w| w.to_lowercase()));
        Tokenizer { stop }
    }

    /// Calls `f` with every term of `text`: HTML tags and entities removed, lower-cased, runs of
    /// two or more word characters (letters, digits, `_`; scikit-learn's `\b\w\w+\b`), stop
    /// words dropped.
    pub fn for_each_term(&self, text: &str, mut f: impl FnMut(&str)) {
        let mut word = String::new();
        let mut chars = text.chars().peekable();
        let mut flush = |word: &mut String| {
            if word.chars().nth(1).is_some() && !self.stop.contains(word.as_str()) {
                f(word);
            }
            word.clear();
        };
        while let Some(c) = chars.next() {
            if c == '<' && starts_tag(chars.peek().copied()) {
                // An HTML tag: skip to its end (or to the end of the text).
                flush(&mut word);
                for c in chars.by_ref() {
                    if c == '>' {
                        break;
                    }
                }
                continue;
            }
            if c == '&' {
                // An entity like `&amp;` or `&#39;` is a separator, not a word.
                let rest: String = chars.clone().take(10).collect();
                if let Some(end) = rest.find(';') {
                    let body = &rest[..end];
                    if !body.is_empty()
                        && body.chars().all(|c| c.is_ascii_alphanumeric() || c == '#')
                    {
                        flush(&mut word);
                        for _ in 0..=end {
                            chars.next();
                        }
                        continue;
                    }
                }
            }
            if c.is_alphanumeric() || c == '_' {
                word.extend(c.to_lowercase());
            } else {
                flush(&mut word);
            }
        }
        flush(&mut word);
    }
}

fn starts_tag(next: Option<char>) -> bool {
    matches!(next, Some(c) if c.is_ascii_alphabetic() || c == '/' || c == '!')
}

/// Every text as term ids, and the vocabulary.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// Terms, indexed by id (ids are numbered in sorted term order).
    pub vocabulary: Vec<String>,
    /// `terms[offsets[row]..offsets[row + 1]]` are row's term ids (with repeats).
    offsets: Vec<usize>,
    terms: Vec<u32>,
}

impl Corpus {
    /// Tokenise `texts` (one per point).
    pub fn build<'a>(texts: impl IntoIterator<Item = &'a str>, tokenizer: &Tokenizer) -> Self {
        let mut interner = crate::search::text::Interner::default();
        let mut offsets = vec![0];
        let mut terms = Vec::new();
        for text in texts {
            tokenizer.for_each_term(text, |term| terms.push(interner.id(term)));
            offsets.push(terms.len());
        }
        let vocabulary = interner.into_sorted(&mut terms);
        Corpus {
            vocabulary,
            offsets,
            terms,
        }
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when there are no texts.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row's term ids.
    pub fn row(&self, row: usize) -> &[u32] {
        &self.terms[self.offsets[row]..self.offsets[row + 1]]
    }
}

/// A tile's top words with their scores, best first.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TileTopic {
    pub ix: u32,
    pub iy: u32,
    /// Points in the tile.
    pub count: usize,
    /// The mean position of the tile's points (where its label belongs); `None` for maps read
    /// from files that do not give one.
    #[serde(default)]
    pub centre: Option<[f32; 2]>,
    /// Up to `top_k` (term, l2-normalised TF-IDF score), best first.
    pub words: Vec<(String, f32)>,
}

impl TileTopic {
    /// The label: the first `n` words joined by `-` (WizMap's topic name).
    pub fn label(&self, n: usize) -> String {
        self.words
            .iter()
            .take(n)
            .map(|(w, _)| w.as_str())
            .collect::<Vec<_>>()
            .join("-")
    }
}

/// The top `top_k` words of every non-empty tile at `level` under `weighting`, tiles in Morton
/// order; each tile's centre is the mean of its points' `xs`, `ys`.
pub fn level_topics(
    tree: &Quadtree,
    corpus: &Corpus,
    level: u32,
    top_k: usize,
    weighting: Weighting,
    xs: &[f32],
    ys: &[f32],
) -> Vec<TileTopic> {
    let tiles = tree.tiles(level);
    // Pass 1: term counts per tile (sparse), document frequency over tiles.
    let mut scratch = vec![0u32; corpus.vocabulary.len()];
    let mut touched: Vec<u32> = Vec::new();
    let mut df = vec![0u32; corpus.vocabulary.len()];
    let mut total = vec![0u64; corpus.vocabulary.len()];
    let mut counts: Vec<Vec<(u32, u32)>> = Vec::with_capacity(tiles.len());
    for tile in &tiles {
        for &row in tree.rows(tile) {
            for &t in corpus.row(row as usize) {
                if scratch[t as usize] == 0 {
                    touched.push(t);
                }
                scratch[t as usize] += 1;
            }
        }
        let mut tile_counts = Vec::with_capacity(touched.len());
        for &t in &touched {
            tile_counts.push((t, scratch[t as usize]));
            df[t as usize] += 1;
            total[t as usize] += u64::from(scratch[t as usize]);
            scratch[t as usize] = 0;
        }
        touched.clear();
        counts.push(tile_counts);
    }
    // Pass 2: score, normalise, keep the best.
    let idf: Vec<f64> = match weighting {
        Weighting::WizMap => {
            let n = corpus.len() as f64;
            df.iter()
                .map(|&d| ((1.0 + n) / (1.0 + f64::from(d))).ln() + 1.0)
                .collect()
        }
        Weighting::ClassTfIdf => {
            let terms: u64 = total.iter().sum();
            let average =
                terms as f64 / counts.iter().filter(|c| !c.is_empty()).count().max(1) as f64;
            total
                .iter()
                .map(|&f| {
                    if f == 0 {
                        0.0
                    } else {
                        (1.0 + average / f as f64).ln()
                    }
                })
                .collect()
        }
    };
    let centre = |tile: &super::quadtree::Tile| {
        let rows = tree.rows(tile);
        if rows.is_empty() || xs.len() != tree.len() || ys.len() != tree.len() {
            return None;
        }
        let (mut sx, mut sy) = (0.0f64, 0.0f64);
        for &r in rows {
            sx += f64::from(xs[r as usize]);
            sy += f64::from(ys[r as usize]);
        }
        let n = rows.len() as f64;
        Some([(sx / n) as f32, (sy / n) as f32])
    };
    tiles
        .iter()
        .zip(counts)
        .map(|(tile, tile_counts)| {
            let scored: Vec<(u32, f64)> = tile_counts
                .into_iter()
                .map(|(t, c)| (t, f64::from(c) * idf[t as usize]))
                .collect();
            TileTopic {
                ix: tile.ix,
                iy: tile.iy,
                count: tile.len(),
                centre: centre(tile),
                words: best_words(scored, top_k, &corpus.vocabulary),
            }
        })
        .collect()
}

/// The top `top_k` words of the rows where `selected(row)` is true against all the others, by
/// class-based TF-IDF over two classes (the selection and the rest):
///
/// ```text
/// A        = all terms / 2
/// score(t) = count(t, selection) · ln(1 + A / count(t, all rows))
/// ```
///
/// l2-normalised over the selection's terms; ties go to the term that sorts first.
pub fn contrast_keywords(
    corpus: &Corpus,
    selected: impl Fn(usize) -> bool,
    top_k: usize,
) -> Vec<(String, f32)> {
    let mut inside = vec![0u64; corpus.vocabulary.len()];
    let mut all = vec![0u64; corpus.vocabulary.len()];
    for row in 0..corpus.len() {
        let chosen = selected(row);
        for &t in corpus.row(row) {
            all[t as usize] += 1;
            if chosen {
                inside[t as usize] += 1;
            }
        }
    }
    let average = all.iter().sum::<u64>() as f64 / 2.0;
    let scored: Vec<(u32, f64)> = inside
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(t, &c)| (t as u32, c as f64 * (1.0 + average / all[t] as f64).ln()))
        .collect();
    best_words(scored, top_k, &corpus.vocabulary)
}

/// The `top_k` best of `scored` (term id, score) as words with their scores divided by the l2
/// norm of all of `scored`, best first; ties go to the term that sorts first (the lower id).
fn best_words(
    mut scored: Vec<(u32, f64)>,
    top_k: usize,
    vocabulary: &[String],
) -> Vec<(String, f32)> {
    let norm = scored.iter().map(|(_, s)| s * s).sum::<f64>().sqrt();
    let by_score = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if scored.len() > top_k {
        scored.select_nth_unstable_by(top_k, by_score);
        scored.truncate(top_k);
    }
    scored.sort_unstable_by(by_score);
    scored
        .into_iter()
        .map(|(t, s)| {
            let s = if norm > 0.0 { s / norm } else { 0.0 };
            (vocabulary[t as usize].clone(), s as f32)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        Tokenizer::default().for_each_term(text, |t| out.push(t.to_owned()));
        out
    }

    #[test]
    fn tokens_as_scikit_learn_counts_them() {
        // CountVectorizer(stop_words="english").build_analyzer()("The cat's 2 HATS, and a dog_house!")
        // → ['cat', 'hats', 'dog_house']  ("the", "and", "a" are stop words; "s", "2" too short)
        assert_eq!(
            terms("The cat's 2 HATS, and a dog_house!"),
            ["cat", "hats", "dog_house"]
        );
        assert_eq!(terms("Café ÜBER naïve"), ["café", "über", "naïve"]);
    }

    #[test]
    fn html_remnants_are_not_words() {
        assert_eq!(
            terms("<p>Deep <b>learning</b>&nbsp;models &amp; data</p>"),
            ["deep", "learning", "models", "data"]
        );
        // A lone `<` or `&` is just punctuation.
        assert_eq!(terms("x < y & yz"), ["yz"]);
    }

    #[test]
    fn user_stop_words_are_dropped() {
        let t = Tokenizer::new(&["Fortune".to_owned()]);
        let mut out = Vec::new();
        t.for_each_term("fortune cookie", |w| out.push(w.to_owned()));
        assert_eq!(out, ["cookie"]);
    }

    #[test]
    fn tf_idf_by_hand() {
        // Extent [0, 4): at level 1 rows 0, 1 share tile (0, 0); row 2 is alone in (1, 1).
        let xs = [0.5, 1.0, 3.0];
        let ys = [0.5, 1.0, 3.0];
        let tree = Quadtree::build(&xs, &ys).unwrap();
        let texts = ["apple banana", "apple cherry", "banana durian durian"];
        let corpus = Corpus::build(texts, &Tokenizer::default());
        assert_eq!(corpus.vocabulary, ["apple", "banana", "cherry", "durian"]);
        let topics = level_topics(&tree, &corpus, 1, 10, Weighting::WizMap, &xs, &ys);
        assert_eq!(topics.len(), 2);
        // n = 3 points; df: apple 1, banana 2, cherry 1, durian 1.
        let idf = |df: f64| ((1.0 + 3.0) / (1.0 + df)).ln() + 1.0;
        let t0 = [2.0 * idf(1.0), idf(2.0), idf(1.0)]; // apple, banana, cherry
        let norm0 = t0.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert_eq!((topics[0].ix, topics[0].iy, topics[0].count), (0, 0, 2));
        let words: Vec<&str> = topics[0].words.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["apple", "cherry", "banana"]);
        assert!((f64::from(topics[0].words[0].1) - t0[0] / norm0).abs() < 1e-6);
        assert!((f64::from(topics[0].words[1].1) - t0[2] / norm0).abs() < 1e-6);
        assert!((f64::from(topics[0].words[2].1) - t0[1] / norm0).abs() < 1e-6);
        assert_eq!(topics[1].label(4), "durian-banana");
    }

    #[test]
    fn class_tf_idf_by_hand() {
        // Same tiles as above: (0, 0) holds rows 0, 1; (1, 1) holds row 2.
        let xs = [0.5, 1.0, 3.0];
        let ys = [0.5, 1.0, 3.0];
        let tree = Quadtree::build(&xs, &ys).unwrap();
        let texts = ["apple banana", "apple cherry", "banana durian durian"];
        let corpus = Corpus::build(texts, &Tokenizer::default());
        let topics = level_topics(&tree, &corpus, 1, 10, Weighting::ClassTfIdf, &xs, &ys);
        // 7 terms over 2 tiles: A = 3.5. Totals: apple 2, banana 2, cherry 1, durian 2.
        let w = |count: f64, total: f64| count * (1.0 + 3.5 / total).ln();
        let t0 = [w(2.0, 2.0), w(1.0, 2.0), w(1.0, 1.0)]; // apple, banana, cherry
        let norm0 = t0.iter().map(|v| v * v).sum::<f64>().sqrt();
        let words: Vec<&str> = topics[0].words.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["apple", "cherry", "banana"]);
        for (i, expected) in [t0[0], t0[2], t0[1]].into_iter().enumerate() {
            assert!((f64::from(topics[0].words[i].1) - expected / norm0).abs() < 1e-6);
        }
        // Banana is in both tiles: it loses to durian in tile (1, 1) by more than its count says.
        let t1 = [w(2.0, 2.0), w(1.0, 2.0)];
        let norm1 = t1.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert_eq!(topics[1].label(4), "durian-banana");
        assert!((f64::from(topics[1].words[1].1) - t1[1] / norm1).abs() < 1e-6);
        // Each tile's centre is its points' mean.
        assert_eq!(topics[0].centre, Some([0.75, 0.75]));
        assert_eq!(topics[1].centre, Some([3.0, 3.0]));
    }

    #[test]
    fn a_word_frequent_everywhere_loses_to_the_tile_s_own() {
        // Four tiles; "fix" in every text, each tile's own word in half its texts.
        let (mut xs, mut ys, mut texts) = (Vec::new(), Vec::new(), Vec::new());
        let own = ["parser", "render", "shader", "loader"];
        for (tile, (cx, cy)) in [(0.5f32, 0.5f32), (3.0, 0.5), (0.5, 3.0), (3.0, 3.0)]
            .into_iter()
            .enumerate()
        {
            for i in 0..10 {
                xs.push(cx + i as f32 * 0.01);
                ys.push(cy);
                texts.push(if i % 2 == 0 {
                    format!("fix {}", own[tile])
                } else {
                    "fix".to_owned()
                });
            }
        }
        let tree = Quadtree::build(&xs, &ys).unwrap();
        let corpus = Corpus::build(texts.iter().map(String::as_str), &Tokenizer::default());
        let first = |w: Weighting| -> Vec<String> {
            level_topics(&tree, &corpus, 1, 10, w, &xs, &ys)
                .iter()
                .map(|t| t.words[0].0.clone())
                .collect()
        };
        // WizMap's weighting ranks "fix" first everywhere (10 per tile against 5); ours does not.
        assert!(first(Weighting::WizMap).iter().all(|w| w == "fix"));
        let ours = first(Weighting::ClassTfIdf);
        assert!(ours.iter().all(|w| own.contains(&w.as_str())), "{ours:?}");
        assert_eq!(Weighting::parse("wizmap"), Some(Weighting::WizMap));
        assert_eq!(Weighting::parse("ctfidf"), Some(Weighting::ClassTfIdf));
        assert_eq!(Weighting::parse("bm25"), None);
    }
}
