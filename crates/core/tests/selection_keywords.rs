//! A selection's keywords against the rest (`map::keywords::contrast_keywords`) equal
//! scikit-learn's counts weighted the same way (tests/reference/make_selection_keywords_fixture.py,
//! on a sample of WordNet glosses).

use vecscape_core::map::keywords::{contrast_keywords, Corpus, Tokenizer};

#[derive(serde::Deserialize)]
struct Case {
    label: String,
    selected: Vec<usize>,
    top: Vec<(String, f64)>,
}

#[derive(serde::Deserialize)]
struct Fixture {
    texts: Vec<String>,
    cases: Vec<Case>,
}

#[test]
fn selection_keywords_match_scikit_learn() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/map/selection_keywords.json"
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    let fixture: Fixture = serde_json::from_str(&text).expect("fixture parses");
    let corpus = Corpus::build(
        fixture.texts.iter().map(String::as_str),
        &Tokenizer::default(),
    );
    assert_eq!(fixture.cases.len(), 3);
    for case in &fixture.cases {
        let chosen: std::collections::HashSet<usize> = case.selected.iter().copied().collect();
        let ours = contrast_keywords(&corpus, |r| chosen.contains(&r), case.top.len());
        assert_eq!(ours.len(), case.top.len(), "{}", case.label);
        for ((word, score), (want, want_score)) in ours.iter().zip(&case.top) {
            assert_eq!(word, want, "{}: {ours:?}", case.label);
            assert!(
                (f64::from(*score) - want_score).abs() < 1e-5,
                "{} {word}: {score} vs {want_score}",
                case.label
            );
        }
    }
}
