//! Labels that read, on real data: at every zoom level of a UMAP layout of git commit subjects
//! (`../shared/data/git-commits`, where "add", "fix", "use" are in most texts) and of the demo
//! (WordNet glosses), no word is in more than a quarter of the labels shown, labels stand over
//! their tiles, and a first view shows a full set of them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::HashMap;
use vecscape_core::data::store::{Storage, Vectors};
use vecscape_core::layout::umap::{umap, UmapParams};
use vecscape_core::load::npy::read_npy;
use vecscape_core::map::keywords::Weighting;
use vecscape_core::map::labels::{choose, LabelStyle};
use vecscape_core::map::{MapOptions, Summary};

const ROWS: usize = 4000;
const VIEW: [f32; 2] = [1000.0, 700.0];
/// The app's target tile width for labels (css px).
const LABEL_TILE_PX: f64 = 160.0;

fn load(dir: &str) -> (Vectors, Vec<String>) {
    let bytes = std::fs::read(format!("{dir}/vectors.f16.npy")).unwrap();
    let all = read_npy("vectors.f16.npy", &bytes).unwrap();
    let x = all.slice(ndarray::s![..ROWS, ..]).to_owned();
    let texts: Vec<String> = std::fs::read_to_string(format!("{dir}/meta.jsonl"))
        .unwrap()
        .lines()
        .take(ROWS)
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["text"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    (Vectors::from_f32(dir, x, Storage::F32).unwrap(), texts)
}

/// Labels shown at zoom `z` about `centre` (world), as the app's camera would: the layout's
/// domain fitted into the view at zoom 1, y up.
fn labels_at(summary: &Summary, z: f64, centre: [f64; 2]) -> Vec<String> {
    let d = &summary.domain;
    let fit = 0.9
        * f64::min(
            f64::from(VIEW[0]) / (d.x_max - d.x_min),
            f64::from(VIEW[1]) / (d.y_max - d.y_min),
        );
    let px_per_unit = fit * z;
    let level = summary.level_for_zoom(px_per_unit, LABEL_TILE_PX).unwrap();
    let to_screen = |p: [f32; 2]| {
        [
            (f64::from(VIEW[0]) / 2.0 + (f64::from(p[0]) - centre[0]) * px_per_unit) as f32,
            (f64::from(VIEW[1]) / 2.0 - (f64::from(p[1]) - centre[1]) * px_per_unit) as f32,
        ]
    };
    let shown = choose(
        level,
        &summary.extent,
        to_screen,
        VIEW,
        &[],
        &LabelStyle::default(),
        &HashMap::new(),
        |t| t.chars().count() as f32 * 7.0,
    );
    for s in &shown {
        assert!(
            s.rect[0] >= 0.0 && s.rect[2] <= VIEW[0] && s.rect[1] >= 0.0 && s.rect[3] <= VIEW[1]
        );
    }
    shown.into_iter().map(|s| s.text).collect()
}

/// The most labels one word is in, and that word.
fn most_shared(labels: &[String]) -> (usize, String) {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for l in labels {
        let mut words: Vec<&str> = l.split('-').collect();
        words.sort_unstable();
        words.dedup();
        for w in words {
            *count.entry(w).or_default() += 1;
        }
    }
    count
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(w, n)| (n, w.to_owned()))
        .unwrap_or_default()
}

fn check(name: &str, dir: &str) {
    let (v, texts) = load(dir);
    let y = umap(
        &v,
        &UmapParams {
            epochs: Some(200),
            ..UmapParams::default()
        },
    )
    .unwrap();
    let xs: Vec<f32> = y.column(0).to_vec();
    let ys: Vec<f32> = y.column(1).to_vec();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let build = |keywords| {
        let options = MapOptions {
            keywords,
            ..MapOptions::default()
        };
        Summary::build(&xs, &ys, &refs, &options, |_| true)
            .unwrap()
            .unwrap()
    };
    let summary = build(Weighting::ClassTfIdf);
    let d = summary.domain;
    let mid = [(d.x_min + d.x_max) / 2.0, (d.y_min + d.y_max) / 2.0];
    let (qx, qy) = ((d.x_max - d.x_min) / 4.0, (d.y_max - d.y_min) / 4.0);
    let first = labels_at(&summary, 1.0, mid);
    eprintln!("{name}, first view: {first:?}");
    assert!(
        first.len() >= 16,
        "{name}: only {} labels at the first zoom",
        first.len()
    );
    for z in [1.0, 2.0, 4.0, 8.0, 16.0, 30.0] {
        let centres = if z == 1.0 {
            vec![mid]
        } else {
            vec![
                mid,
                [mid[0] - qx, mid[1] - qy],
                [mid[0] + qx, mid[1] + qy],
                [mid[0] - qx, mid[1] + qy],
            ]
        };
        for c in centres {
            let labels = labels_at(&summary, z, c);
            let (n, word) = most_shared(&labels);
            let cap = (labels.len() / 4).max(1);
            assert!(
                n <= cap,
                "{name} zoom {z} at {c:?}: {word:?} in {n} of {} labels: {labels:?}",
                labels.len()
            );
        }
    }
    // What WizMap's weighting would have given each tile of the first view's level: the
    // generic words in most of them (printed for the record, not a requirement).
    let wizmap = build(Weighting::WizMap);
    let px = 0.9
        * f64::min(
            f64::from(VIEW[0]) / (d.x_max - d.x_min),
            f64::from(VIEW[1]) / (d.y_max - d.y_min),
        );
    let level = wizmap.level_for_zoom(px, LABEL_TILE_PX).unwrap();
    let old: Vec<String> = level.topics.iter().map(|t| t.label(4)).collect();
    let (n, word) = most_shared(&old);
    eprintln!(
        "{name}: with WizMap's weighting {word:?} is in {n} of the {} tile labels",
        old.len()
    );
}

#[test]
fn git_commit_labels_are_not_all_fix_and_add() {
    check(
        "git-commits",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/git-commits"
        ),
    );
}

#[test]
fn demo_labels_are_spread_and_distinct() {
    check(
        "demo",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/demo"),
    );
}
