//! Map summaries against scikit-learn: TF-IDF per tile on `tests/fixtures/map/tfidf.json`
//! (made by `tests/reference/make_tfidf_fixture.py`).

use std::collections::HashMap;

use vecscape_core::map::keywords::{level_topics, Corpus, Tokenizer, Weighting};
use vecscape_core::map::quadtree::Quadtree;

#[derive(serde::Deserialize)]
struct Fixture {
    points: Vec<[f64; 2]>,
    texts: Vec<String>,
    tiles: Vec<Tile>,
}

#[derive(serde::Deserialize)]
struct Tile {
    ix: u32,
    iy: u32,
    scores: HashMap<String, f64>,
}

#[test]
fn tile_tf_idf_equals_scikit_learn() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/map/tfidf.json"
    );
    let fixture: Fixture = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let xs: Vec<f32> = fixture.points.iter().map(|p| p[0] as f32).collect();
    let ys: Vec<f32> = fixture.points.iter().map(|p| p[1] as f32).collect();
    let tree = Quadtree::build(&xs, &ys).unwrap();
    assert_eq!(tree.extent.corners(), [[0.0, 0.0], [4.0, 4.0]]);
    let corpus = Corpus::build(
        fixture.texts.iter().map(String::as_str),
        &Tokenizer::default(),
    );
    let topics = level_topics(&tree, &corpus, 1, usize::MAX, Weighting::WizMap, &xs, &ys);
    assert_eq!(topics.len(), fixture.tiles.len());
    for expected in &fixture.tiles {
        let ours = topics
            .iter()
            .find(|t| (t.ix, t.iy) == (expected.ix, expected.iy))
            .unwrap_or_else(|| panic!("no tile ({}, {})", expected.ix, expected.iy));
        assert_eq!(
            ours.words.len(),
            expected.scores.len(),
            "tile ({}, {})",
            ours.ix,
            ours.iy
        );
        for (word, score) in &ours.words {
            let want = expected.scores[word];
            assert!(
                (f64::from(*score) - want).abs() < 1e-6,
                "tile ({}, {}) '{word}': {score} vs scikit-learn {want}",
                ours.ix,
                ours.iy
            );
        }
        // Best first.
        assert!(ours.words.windows(2).all(|w| w[0].1 >= w[1].1));
    }
}
