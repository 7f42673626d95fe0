//! Full-text search over the rows' texts and string columns: an inverted index built once per
//! dataset, answering word-prefix and quoted-phrase queries in milliseconds.
//!
//! - **Folding**: text and queries are decomposed (Unicode NFD), combining marks dropped and
//!   lower-cased, so `Café`, `CAFE` and `cafe` are the same word.
//! - **Words**: runs of letters and digits after folding (anything else separates words).
//! - **Queries** ([`Query::parse`]): every unquoted word is a *prefix* (`bir` finds "bird",
//!   "birds"); `"quoted words"` must appear next to each other, in order, as whole words. A row
//!   matches when it matches every part.
//! - **Score**: per part, the rarest matching word's `ln(1 + rows / rows with it)` (a word that
//!   only starts with the prefix counts 0.8 of an exact one; a phrase counts the sum of its
//!   words); rows are ranked by the sum, then by row number.
//!
//! Each row's words are kept as a sequence of ids, so phrases are checked against the row
//! itself, and the postings (rows per word) are one flat array.

use std::collections::HashMap;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Between two fields of a row: a phrase never spans it (an id [`Interner::into_sorted`] leaves
/// as it is).
const FIELD_BREAK: u32 = Interner::NOT_A_WORD;

/// How much an unquoted word that only starts with the query's prefix counts against a whole
/// word.
const PREFIX_WEIGHT: f32 = 0.8;

/// Calls `f` with every folded word of `text` (see the module's notes).
pub fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut word = String::new();
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            f(&word);
            word.clear();
        }
    }
    if !word.is_empty() {
        f(&word);
    }
}

/// The folded words of `text`.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |w| out.push(w.to_owned()));
    out
}

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A word the row has one starting with.
    Prefix(String),
    /// Whole words next to each other, in order.
    Phrase(Vec<String>),
}

/// A parsed query: every part must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub parts: Vec<Part>,
}

impl Query {
    /// Words outside quotes are prefixes; words inside `"…"` a phrase (an unclosed quote runs to
    /// the end). A query with no words has no parts and matches nothing.
    pub fn parse(text: &str) -> Self {
        let mut parts = Vec::new();
        for (i, piece) in text.split('"').enumerate() {
            let ws = words(piece);
            if i % 2 == 1 {
                if !ws.is_empty() {
                    parts.push(Part::Phrase(ws));
                }
            } else {
                parts.extend(ws.into_iter().map(Part::Prefix));
            }
        }
        Query { parts }
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

/// The rows a query matched, best first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matches {
    pub rows: Vec<u32>,
    pub scores: Vec<f32>,
}

impl Matches {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Words numbered as they first come, then renumbered in sorted order (so that a lower id is
/// the word that sorts first, and a prefix is a range of ids). Shared with the map's keywords.
#[derive(Debug, Default)]
pub struct Interner {
    ids: HashMap<String, u32>,
    words: Vec<String>,
}

impl Interner {
    /// An id no word gets, which [`Interner::into_sorted`] leaves as it is.
    pub const NOT_A_WORD: u32 = u32::MAX;

    /// The id of `word`, numbering it if new.
    pub fn id(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = self.words.len() as u32;
        self.ids.insert(word.to_owned(), id);
        self.words.push(word.to_owned());
        id
    }

    /// The words in sorted order, with `ids` renumbered to match (entries equal to
    /// [`Interner::NOT_A_WORD`] are left as they are).
    pub fn into_sorted(self, ids: &mut [u32]) -> Vec<String> {
        let mut words = self.words;
        let mut order: Vec<u32> = (0..words.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| words[a as usize].cmp(&words[b as usize]));
        let mut new_id = vec![0u32; words.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        for id in ids.iter_mut().filter(|id| **id != Self::NOT_A_WORD) {
            *id = new_id[*id as usize];
        }
        order
            .iter()
            .map(|&old| std::mem::take(&mut words[old as usize]))
            .collect()
    }
}

/// The inverted index of every row's fields.
#[derive(Debug, Clone, Default)]
pub struct TextIndex {
    rows: usize,
    /// Folded words, sorted (ids are positions here).
    terms: Vec<String>,
    /// `postings[post_starts[t]..post_starts[t + 1]]`: the rows with word `t`, ascending.
    post_starts: Vec<u32>,
    postings: Vec<u32>,
    /// `sequence[seq_starts[r]..seq_starts[r + 1]]`: row `r`'s word ids in order, with
    /// [`FIELD_BREAK`] between fields.
    seq_starts: Vec<u32>,
    sequence: Vec<u32>,
}

impl TextIndex {
    /// Index `rows` rows whose fields `fields(row, add)` hands over one by one (`add(text)`).
    pub fn build(rows: usize, mut fields: impl FnMut(usize, &mut dyn FnMut(&str))) -> Self {
        let mut interner = Interner::default();
        let mut seq_starts = Vec::with_capacity(rows + 1);
        let mut sequence: Vec<u32> = Vec::new();
        seq_starts.push(0u32);
        for row in 0..rows {
            let mut first = true;
            fields(row, &mut |text: &str| {
                if !first {
                    sequence.push(FIELD_BREAK);
                }
                first = false;
                for_each_word(text, |w| sequence.push(interner.id(w)));
            });
            seq_starts.push(sequence.len() as u32);
        }
        let terms = interner.into_sorted(&mut sequence);
        // Postings by counting: rows per word (each row once), then fill.
        let each_row_word = |f: &mut dyn FnMut(u32, usize)| {
            let mut last_row = vec![u32::MAX; terms.len()];
            for row in 0..rows {
                for &t in &sequence[seq_starts[row] as usize..seq_starts[row + 1] as usize] {
                    if t != FIELD_BREAK && last_row[t as usize] != row as u32 {
                        last_row[t as usize] = row as u32;
                        f(row as u32, t as usize);
                    }
                }
            }
        };
        let mut post_starts = vec![0u32; terms.len() + 1];
        each_row_word(&mut |_, t| post_starts[t + 1] += 1);
        for t in 0..terms.len() {
            post_starts[t + 1] += post_starts[t];
        }
        let mut fill: Vec<u32> = post_starts[..terms.len()].to_vec();
        let mut postings = vec![0u32; post_starts[terms.len()] as usize];
        each_row_word(&mut |row, t| {
            postings[fill[t] as usize] = row;
            fill[t] += 1;
        });
        TextIndex {
            rows,
            terms,
            post_starts,
            postings,
            seq_starts,
            sequence,
        }
    }

    /// The index of every row of `meta`: its text (when the data has a text column) and its
    /// value in each string (categorical) column, one field each.
    pub fn of_metadata(meta: &crate::data::meta::Metadata) -> Self {
        let with_text = meta.text_field.is_some();
        Self::build(meta.len(), |row, add| {
            if let (true, Some(text)) = (with_text, meta.text.get(row)) {
                add(text);
            }
            for column in &meta.categorical {
                let code = column.codes.get(row).map(|&c| c as usize);
                if let Some(name) = code.and_then(|c| column.names.get(c)) {
                    add(name);
                }
            }
        })
    }

    /// Rows indexed.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Distinct words.
    pub fn vocabulary(&self) -> usize {
        self.terms.len()
    }

    /// Bytes the index takes (about).
    pub fn bytes(&self) -> usize {
        4 * (self.post_starts.len()
            + self.postings.len()
            + self.seq_starts.len()
            + self.sequence.len())
            + self.terms.iter().map(|t| t.len() + 24).sum::<usize>()
    }

    fn posting(&self, t: usize) -> &[u32] {
        &self.postings[self.post_starts[t] as usize..self.post_starts[t + 1] as usize]
    }

    fn row_words(&self, row: usize) -> &[u32] {
        &self.sequence[self.seq_starts[row] as usize..self.seq_starts[row + 1] as usize]
    }

    fn idf(&self, t: usize) -> f32 {
        let df = self.posting(t).len().max(1) as f32;
        (1.0 + self.rows as f32 / df).ln()
    }

    fn exact(&self, word: &str) -> Option<usize> {
        self.terms.binary_search_by(|t| t.as_str().cmp(word)).ok()
    }

    /// The ids of the words starting with `prefix`.
    fn prefix_range(&self, prefix: &str) -> std::ops::Range<usize> {
        let lo = self.terms.partition_point(|t| t.as_str() < prefix);
        let hi = lo + self.terms[lo..].partition_point(|t| t.starts_with(prefix));
        lo..hi
    }

    /// The rows matching `query` (only rows where `within(row)` is true), best first, scored
    /// as the module's notes say.
    pub fn search(&self, query: &Query, within: Option<&dyn Fn(usize) -> bool>) -> Matches {
        if query.is_empty() || self.rows == 0 {
            return Matches::default();
        }
        // Per row: parts matched so far, and the score.
        let mut matched = vec![0u16; self.rows];
        let mut score = vec![0f32; self.rows];
        let mut part_score = vec![0f32; self.rows];
        let mut touched: Vec<u32> = Vec::new();
        for (p, part) in query.parts.iter().enumerate() {
            let p = p as u16;
            touched.clear();
            match part {
                Part::Prefix(prefix) => {
                    for t in self.prefix_range(prefix) {
                        let weight = self.idf(t)
                            * if self.terms[t] == *prefix {
                                1.0
                            } else {
                                PREFIX_WEIGHT
                            };
                        for &row in self.posting(t) {
                            let r = row as usize;
                            if matched[r] != p {
                                continue;
                            }
                            if part_score[r] == 0.0 {
                                touched.push(row);
                            }
                            part_score[r] = part_score[r].max(weight);
                        }
                    }
                }
                Part::Phrase(ws) => {
                    let Some(ids) = ws.iter().map(|w| self.exact(w)).collect::<Option<Vec<_>>>()
                    else {
                        return Matches::default();
                    };
                    let weight: f32 = ids.iter().map(|&t| self.idf(t)).sum();
                    let rarest = ids
                        .iter()
                        .copied()
                        .min_by_key(|&t| self.posting(t).len())
                        .unwrap_or(0);
                    let ids: Vec<u32> = ids.iter().map(|&t| t as u32).collect();
                    for &row in self.posting(rarest) {
                        let r = row as usize;
                        if matched[r] != p {
                            continue;
                        }
                        if self.row_words(r).windows(ids.len()).any(|w| w == ids) {
                            touched.push(row);
                            part_score[r] = weight.max(f32::MIN_POSITIVE);
                        }
                    }
                }
            }
            for &row in &touched {
                let r = row as usize;
                matched[r] = p + 1;
                score[r] += part_score[r];
                part_score[r] = 0.0;
            }
        }
        let parts = query.parts.len() as u16;
        let mut rows: Vec<u32> = (0..self.rows as u32)
            .filter(|&r| matched[r as usize] == parts)
            .filter(|&r| within.is_none_or(|keep| keep(r as usize)))
            .collect();
        rows.sort_by(|&a, &b| {
            score[b as usize]
                .total_cmp(&score[a as usize])
                .then(a.cmp(&b))
        });
        let scores = rows.iter().map(|&r| score[r as usize]).collect();
        Matches { rows, scores }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn index(texts: &[&str]) -> TextIndex {
        TextIndex::build(texts.len(), |row, add| add(texts[row]))
    }

    fn rows(index: &TextIndex, query: &str) -> Vec<u32> {
        let mut r = index.search(&Query::parse(query), None).rows;
        r.sort_unstable();
        r
    }

    /// The reference: fold each text with `str` methods and test each part on its words
    /// directly (no index, no ids, no postings).
    fn scan(texts: &[&str], query: &str) -> Vec<u32> {
        let fold = |s: &str| -> Vec<String> {
            let plain: String = s.nfd().filter(|c| !is_combining_mark(*c)).collect();
            plain
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let mut parts: Vec<(bool, Vec<String>)> = Vec::new();
        for (i, piece) in query.split('"').enumerate() {
            let ws = fold(piece);
            if i % 2 == 1 {
                if !ws.is_empty() {
                    parts.push((true, ws));
                }
            } else {
                parts.extend(ws.into_iter().map(|w| (false, vec![w])));
            }
        }
        if parts.is_empty() {
            return Vec::new();
        }
        (0..texts.len() as u32)
            .filter(|&r| {
                let ws = fold(texts[r as usize]);
                parts.iter().all(|(phrase, p)| {
                    if *phrase {
                        ws.windows(p.len()).any(|w| w == p.as_slice())
                    } else {
                        ws.iter().any(|w| w.starts_with(&p[0]))
                    }
                })
            })
            .collect()
    }

    const TEXTS: [&str; 8] = [
        "A small bird that sings",
        "Birds of prey: the eagle and the HAWK",
        "Café au lait, a drink",
        "the cafe is closed",
        "Ängström unit of length; an angstrom",
        "bird's nest soup",
        "<img src=x onerror=alert(1)> a bird",
        "",
    ];

    #[test]
    fn metadata_indexes_text_and_string_columns_as_separate_fields() {
        use crate::data::meta::{Categorical, Metadata};
        let mut meta = Metadata::from_text(
            Some("text".into()),
            vec!["a small bird".into(), "a large cat".into(), "".into()],
        );
        meta.categorical.push(Categorical::from_values(
            "label".into(),
            ["noun.animal", "noun.animal", "verb.motion"].map(String::from),
        ));
        let ix = TextIndex::of_metadata(&meta);
        assert_eq!(rows(&ix, "motion"), vec![2]);
        assert_eq!(rows(&ix, "noun cat"), vec![1]);
        // The text's last word and the label's first are in different fields.
        assert_eq!(rows(&ix, "\"bird noun\""), Vec::<u32>::new());
        // Numbered rows ("row 0", …) are not text.
        let numbered = TextIndex::of_metadata(&Metadata::numbered(3));
        assert_eq!(rows(&numbered, "row"), Vec::<u32>::new());
    }

    #[test]
    fn prefixes_find_whole_words_from_their_start() {
        let ix = index(&TEXTS);
        assert_eq!(rows(&ix, "bir"), vec![0, 1, 5, 6]);
        assert_eq!(rows(&ix, "ird"), Vec::<u32>::new());
        assert_eq!(rows(&ix, "bird sing"), vec![0]);
    }

    #[test]
    fn case_and_diacritics_fold_both_ways() {
        let ix = index(&TEXTS);
        assert_eq!(rows(&ix, "cafe"), vec![2, 3]);
        assert_eq!(rows(&ix, "CAFÉ"), vec![2, 3]);
        assert_eq!(rows(&ix, "hawk"), vec![1]);
        assert_eq!(rows(&ix, "angstrom"), vec![4]);
        assert_eq!(rows(&ix, "ÅNGSTRÖM"), vec![4]);
    }

    #[test]
    fn phrases_need_whole_words_in_order() {
        let ix = index(&TEXTS);
        assert_eq!(rows(&ix, "\"the eagle\""), vec![1]);
        assert_eq!(rows(&ix, "\"eagle the\""), Vec::<u32>::new());
        assert_eq!(rows(&ix, "\"the eag\""), Vec::<u32>::new());
        assert_eq!(rows(&ix, "\"au lait\" drink"), vec![2]);
        assert_eq!(
            rows(&ix, "\"bird s nest"),
            vec![5],
            "an unclosed quote runs on"
        );
        assert_eq!(rows(&ix, "   \"\"  "), Vec::<u32>::new());
    }

    #[test]
    fn markup_is_just_words() {
        let ix = index(&TEXTS);
        assert_eq!(rows(&ix, "onerror"), vec![6]);
        assert_eq!(rows(&ix, "<img"), vec![6]);
    }

    #[test]
    fn a_phrase_does_not_span_two_fields() {
        let fields = [("red bird", "blue"), ("red", "bird song")];
        let ix = TextIndex::build(2, |row, add| {
            add(fields[row].0);
            add(fields[row].1);
        });
        assert_eq!(rows(&ix, "\"bird blue\""), Vec::<u32>::new());
        assert_eq!(rows(&ix, "\"red bird\""), vec![0]);
        assert_eq!(
            rows(&ix, "blue red"),
            vec![0],
            "words may come from any field"
        );
    }

    #[test]
    fn rarer_and_whole_words_rank_first() {
        let ix = index(&["bird bird", "birds", "bird", "a bird eagle"]);
        let m = ix.search(&Query::parse("bird"), None);
        // Exact "bird" (in 3 rows) beats the prefix match "birds" (1 row, ×0.8)? idf(bird) =
        // ln(1 + 4/3) = 0.847; 0.8 · idf(birds) = 0.8 · ln(5) = 1.288: the rare word wins.
        assert_eq!(m.rows[0], 1);
        assert!((m.scores[0] - 0.8 * 5f32.ln()).abs() < 1e-5);
        assert_eq!(&m.rows[1..], &[0, 2, 3], "ties by row number");
        let m = ix.search(&Query::parse("bird eag"), None);
        assert_eq!(m.rows, vec![3]);
        let within = |r: usize| r != 1;
        let m = ix.search(&Query::parse("bir"), Some(&within));
        assert_eq!(m.rows, vec![0, 2, 3]);
    }

    fn alphabet_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a", "ab", "abc", "b", "ba", "É", "é", "e", "ée", "Ab", " ", " ", " ", ", ", "-", "\"",
        ]);
        prop::collection::vec(pieces, 0..14).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn the_index_answers_as_a_scan_of_every_row(
            texts in prop::collection::vec(alphabet_text(), 1..30),
            query in alphabet_text(),
        ) {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let ix = index(&refs);
            prop_assert_eq!(rows(&ix, &query), scan(&refs, &query));
        }
    }

    #[test]
    fn every_word_of_real_glosses_is_found_as_the_scan_finds_it() {
        let texts: Vec<String> = (0..400)
            .map(|i| {
                format!(
                    "Row {i} — {} {} Über{}",
                    ["alpha beta", "gamma", "Déjà vu", "naïve café"][i % 4],
                    ["one", "two three", "four"][i % 3],
                    i % 7
                )
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let ix = index(&refs);
        for q in [
            "deja",
            "\"deja vu\"",
            "uber3",
            "UBER",
            "row 1",
            "\"two three\" gamma",
            "naive caf",
            "\"vu two\"",
            "12",
            "\"row 12\"",
        ] {
            assert_eq!(rows(&ix, q), scan(&refs, q), "query {q:?}");
        }
    }
}
