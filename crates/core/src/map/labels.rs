//! Collision-free label placement on screen.
//!
//! Candidates are ranked by priority (ties by id). Each is tried on the four sides of its
//! anchor, starting with the side it had last frame, so labels do not jump while the view
//! moves; a label that would overlap one already placed, or leave the viewport, is skipped. At
//! most `max_labels` are placed ([`place`]).
//!
//! [`choose`] makes the map's labels for a view from a level's tile keywords:
//! - each label stands at its tile's centre of mass, and tiles holding more points go first;
//! - labels are **spread**: a first pass takes only tiles at least [`spacing`] away from every
//!   label already placed, a second pass fills what room is left;
//! - a word appears in **one label only** among those shown: each label is made of its tile's
//!   best words not yet used (so no word is in more than a quarter of the labels once four or
//!   more are shown, and a word frequent everywhere cannot stamp every label); a plural counts
//!   as its singular ("birds" after "bird" is not used again);
//! - bare numbers are left out of labels;
//! - a label is centred on its anchor where it fits, else beside it, clear of what is drawn
//!   over the map (legend, time controls).

use std::collections::{HashMap, HashSet};

use super::quadtree::Extent;
use super::LevelTopics;

/// Where a label sits relative to its anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Centred on the anchor: over the region it names (tried first).
    Centre,
    Right,
    Top,
    Left,
    Bottom,
}

impl Side {
    const ALL: [Side; 5] = [
        Side::Centre,
        Side::Right,
        Side::Top,
        Side::Left,
        Side::Bottom,
    ];
}

/// A label that may be shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Stable across frames (e.g. level and tile index).
    pub id: u64,
    /// Anchor on screen (px).
    pub anchor: [f32; 2],
    /// Width and height of the label's box (px).
    pub size: [f32; 2],
    /// Higher is placed first.
    pub priority: f32,
}

/// A placed label: its box `[x0, y0, x1, y1]` on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub id: u64,
    pub rect: [f32; 4],
    pub side: Side,
}

/// Gap between anchor and label (px).
const GAP: f32 = 4.0;

fn rect_for(c: &Candidate, side: Side) -> [f32; 4] {
    let [x, y] = c.anchor;
    let [w, h] = c.size;
    match side {
        Side::Centre => [x - w / 2.0, y - h / 2.0, x + w / 2.0, y + h / 2.0],
        Side::Right => [x + GAP, y - h / 2.0, x + GAP + w, y + h / 2.0],
        Side::Left => [x - GAP - w, y - h / 2.0, x - GAP, y + h / 2.0],
        Side::Top => [x - w / 2.0, y - GAP - h, x + w / 2.0, y - GAP],
        Side::Bottom => [x - w / 2.0, y + GAP, x + w / 2.0, y + GAP + h],
    }
}

/// True when the two boxes share any area.
pub fn overlaps(a: &[f32; 4], b: &[f32; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Place up to `max_labels` of `candidates` inside a `viewport` (w, h) without overlaps,
/// preferring each label's side from `previous`.
pub fn place(
    candidates: &[Candidate],
    previous: &HashMap<u64, Side>,
    max_labels: usize,
    viewport: [f32; 2],
) -> Vec<Placed> {
    let mut order: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.priority.is_finite() && c.anchor[0].is_finite() && c.anchor[1].is_finite())
        .collect();
    order.sort_by(|a, b| b.priority.total_cmp(&a.priority).then(a.id.cmp(&b.id)));
    let mut placed: Vec<Placed> = Vec::new();
    for c in order {
        if placed.len() >= max_labels {
            break;
        }
        if let Some(p) = fit(c, previous, &placed, viewport) {
            placed.push(p);
        }
    }
    placed
}

/// How [`choose`] makes labels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelStyle {
    /// Words per label.
    pub words: usize,
    /// Most labels shown.
    pub max_labels: usize,
    /// The label box's height, and what is added to the text's width (px).
    pub height: f32,
    pub padding: f32,
}

impl Default for LabelStyle {
    fn default() -> Self {
        LabelStyle {
            words: 4,
            max_labels: 24,
            height: 18.0,
            padding: 8.0,
        }
    }
}

/// A label [`choose`] shows: its text and box on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub id: u64,
    pub text: String,
    pub rect: [f32; 4],
    pub side: Side,
    /// Where it points (px): its tile's centre of mass on screen.
    pub anchor: [f32; 2],
}

/// The least distance (px) between the anchors of the labels [`choose`] places first: 0.6 of
/// the side of the square each label would have if `max_labels` shared the viewport.
pub fn spacing(viewport: [f32; 2], max_labels: usize) -> f32 {
    0.6 * (viewport[0] * viewport[1] / max_labels.max(1) as f32).sqrt()
}

/// A tile's stable id: its level and position.
pub fn tile_id(level: u32, ix: u32, iy: u32) -> u64 {
    (u64::from(level) << 48) | (u64::from(ix) << 24) | u64::from(iy)
}

/// The labels of `level`'s tiles for a view: `to_screen` maps world coordinates to pixels of a
/// `viewport` (w, h); `obstacles` are boxes `[x0, y0, x1, y1]` drawn over the map (a legend, a
/// toolbar) that labels keep clear of; `measure` gives a text's width (px); sides from
/// `previous` are kept where they still fit. See the module's notes for the rules.
#[allow(clippy::too_many_arguments)]
pub fn choose(
    level: &LevelTopics,
    extent: &Extent,
    to_screen: impl Fn([f32; 2]) -> [f32; 2],
    viewport: [f32; 2],
    obstacles: &[[f32; 4]],
    style: &LabelStyle,
    previous: &HashMap<u64, Side>,
    mut measure: impl FnMut(&str) -> f32,
) -> Vec<Shown> {
    struct Tile<'a> {
        id: u64,
        anchor: [f32; 2],
        count: usize,
        words: &'a [(String, f32)],
    }
    let mut tiles: Vec<Tile> = level
        .topics
        .iter()
        .filter(|t| !t.words.is_empty())
        .filter_map(|t| {
            let world = t.centre.unwrap_or_else(|| {
                let b = extent.tile_box(level.level, t.ix, t.iy);
                [((b[0] + b[2]) / 2.0) as f32, ((b[1] + b[3]) / 2.0) as f32]
            });
            let anchor = to_screen(world);
            let on_screen = anchor[0] >= 0.0
                && anchor[1] >= 0.0
                && anchor[0] <= viewport[0]
                && anchor[1] <= viewport[1];
            on_screen.then_some(Tile {
                id: tile_id(level.level, t.ix, t.iy),
                anchor,
                count: t.count,
                words: &t.words,
            })
        })
        .collect();
    tiles.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
    let min_gap = spacing(viewport, style.max_labels);
    let mut used: HashSet<&str> = HashSet::new();
    let mut shown: Vec<Shown> = Vec::new();
    let mut placed: Vec<Placed> = Vec::new();
    let mut taken = vec![false; tiles.len()];
    for spread in [true, false] {
        for (i, tile) in tiles.iter().enumerate() {
            if shown.len() >= style.max_labels {
                return shown;
            }
            if taken[i] {
                continue;
            }
            if spread
                && shown.iter().any(|s| {
                    (s.anchor[0] - tile.anchor[0]).hypot(s.anchor[1] - tile.anchor[1]) < min_gap
                })
            {
                continue;
            }
            let mut words: Vec<&str> = Vec::new();
            for (w, _) in tile.words {
                if words.len() == style.words {
                    break;
                }
                if w.chars().all(|c| c.is_ascii_digit()) {
                    // A bare number ("48", "2024") names no region.
                    continue;
                }
                let key = singular(w);
                if !used.contains(key) && !words.iter().any(|&x| singular(x) == key) {
                    words.push(w);
                }
            }
            if words.is_empty() {
                continue;
            }
            let text = words.join("-");
            let candidate = Candidate {
                id: tile.id,
                anchor: tile.anchor,
                size: [measure(&text) + style.padding, style.height],
                priority: 0.0,
            };
            if let Some(p) = fit(&candidate, previous, &placed, viewport)
                .filter(|p| !obstacles.iter().any(|o| overlaps(o, &p.rect)))
                .or_else(|| fit_clear(&candidate, &placed, obstacles, viewport))
            {
                taken[i] = true;
                used.extend(words.iter().map(|w| singular(w)));
                shown.push(Shown {
                    id: p.id,
                    text,
                    rect: p.rect,
                    side: p.side,
                    anchor: tile.anchor,
                });
                placed.push(p);
            }
        }
    }
    shown
}

/// The word with a plural ending taken off ("fishes" → "fish", "birds" → "bird"; "glass"
/// stays): the key under which [`choose`] uses a word once.
fn singular(word: &str) -> &str {
    for ending in ["shes", "ches", "xes", "sses"] {
        if word.len() > ending.len() + 1 && word.ends_with(ending) {
            return &word[..word.len() - 2];
        }
    }
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        return &word[..word.len() - 1];
    }
    word
}

/// `c` on the first side that overlaps neither `placed` nor `obstacles`.
fn fit_clear(
    c: &Candidate,
    placed: &[Placed],
    obstacles: &[[f32; 4]],
    viewport: [f32; 2],
) -> Option<Placed> {
    Side::ALL.into_iter().find_map(|side| {
        let rect = rect_for(c, side);
        let inside =
            rect[0] >= 0.0 && rect[1] >= 0.0 && rect[2] <= viewport[0] && rect[3] <= viewport[1];
        (inside
            && !placed.iter().any(|p| overlaps(&p.rect, &rect))
            && !obstacles.iter().any(|o| overlaps(o, &rect)))
        .then_some(Placed {
            id: c.id,
            rect,
            side,
        })
    })
}

/// `c` on the first side (its previous one first) where it stays inside `viewport` and
/// overlaps nothing in `placed`.
fn fit(
    c: &Candidate,
    previous: &HashMap<u64, Side>,
    placed: &[Placed],
    viewport: [f32; 2],
) -> Option<Placed> {
    let first = previous.get(&c.id).copied();
    let sides = first
        .into_iter()
        .chain(Side::ALL.into_iter().filter(|s| Some(*s) != first));
    for side in sides {
        let rect = rect_for(c, side);
        let inside =
            rect[0] >= 0.0 && rect[1] >= 0.0 && rect[2] <= viewport[0] && rect[3] <= viewport[1];
        if inside && !placed.iter().any(|p| overlaps(&p.rect, &rect)) {
            return Some(Placed {
                id: c.id,
                rect,
                side,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cand(id: u64, x: f32, y: f32, w: f32, p: f32) -> Candidate {
        Candidate {
            id,
            anchor: [x, y],
            size: [w, 14.0],
            priority: p,
        }
    }

    #[test]
    fn a_crowded_label_moves_to_a_free_side_or_is_dropped() {
        // a is centred on its anchor: [170, 230] × [93, 107].
        let a = cand(1, 200.0, 100.0, 60.0, 2.0);
        // b's centre, right and top boxes overlap a's; its left box is free.
        let b = cand(2, 170.0, 112.0, 60.0, 1.0);
        let placed = place(&[b.clone(), a.clone()], &HashMap::new(), 10, [800.0, 600.0]);
        assert_eq!(placed.len(), 2);
        assert_eq!(placed[0].id, 1);
        assert_eq!(placed[0].side, Side::Centre);
        assert_eq!(placed[1].side, Side::Left);
        // With room for one label, the higher priority wins.
        let one = place(&[b, a], &HashMap::new(), 1, [800.0, 600.0]);
        assert_eq!(one.iter().map(|p| p.id).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn the_previous_side_is_kept() {
        let a = cand(1, 100.0, 100.0, 60.0, 1.0);
        let previous = HashMap::from([(1, Side::Bottom)]);
        assert_eq!(
            place(&[a], &previous, 10, [800.0, 600.0])[0].side,
            Side::Bottom
        );
    }

    #[test]
    fn labels_stay_inside_the_viewport() {
        // Near the right edge: the right side does not fit, the left does.
        let a = cand(1, 790.0, 100.0, 60.0, 1.0);
        let placed = place(&[a], &HashMap::new(), 10, [800.0, 600.0]);
        assert_eq!(placed[0].side, Side::Left);
    }

    #[test]
    fn each_of_nine_clusters_gets_its_label_at_the_first_zoom() {
        use crate::map::{MapOptions, Summary};
        let own = [
            "apple", "river", "stone", "violin", "comet", "tiger", "copper", "tulip", "glacier",
        ];
        let (mut xs, mut ys, mut texts) = (Vec::new(), Vec::new(), Vec::new());
        // Unequal sizes: the biggest cluster has ten times the points of the smallest.
        for (c, word) in own.iter().enumerate() {
            let (cx, cy) = ((c % 3) as f32 * 10.0, (c / 3) as f32 * 10.0);
            let per = 60 + 60 * c;
            for i in 0..per {
                let t = i as f32 * 2.399_963; // golden angle: a filled disc
                let r = (i as f32 / per as f32).sqrt() * 2.0;
                xs.push(cx + r * t.cos());
                ys.push(cy + r * t.sin());
                texts.push(format!("the common thing about {word} and data"));
            }
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let summary = Summary::build(&xs, &ys, &refs, &MapOptions::default(), |_| true)
            .unwrap()
            .unwrap();
        let view = [1000.0f32, 700.0];
        let d = summary.domain;
        let px = 0.9 * f64::min(1000.0 / (d.x_max - d.x_min), 700.0 / (d.y_max - d.y_min));
        let mid = [(d.x_min + d.x_max) / 2.0, (d.y_min + d.y_max) / 2.0];
        let to_screen = |p: [f32; 2]| {
            [
                (500.0 + (f64::from(p[0]) - mid[0]) * px) as f32,
                (350.0 - (f64::from(p[1]) - mid[1]) * px) as f32,
            ]
        };
        let level = summary.level_for_zoom(px, 160.0).unwrap();
        let shown = choose(
            level,
            &summary.extent,
            to_screen,
            view,
            &[],
            &LabelStyle::default(),
            &HashMap::new(),
            |t| t.len() as f32 * 7.0,
        );
        for (c, word) in own.iter().enumerate() {
            let centre = to_screen([(c % 3) as f32 * 10.0, (c / 3) as f32 * 10.0]);
            let near = shown.iter().find(|s| {
                s.text.split('-').any(|w| w == *word)
                    && (s.anchor[0] - centre[0]).hypot(s.anchor[1] - centre[1]) < 2.5 * px as f32
            });
            assert!(near.is_some(), "no label for {word}: {shown:?}");
        }
        // "common", "thing", "data" are in every text: at most one label carries each.
        for w in ["common", "thing", "data"] {
            let n = shown
                .iter()
                .filter(|s| s.text.split('-').any(|x| x == w))
                .count();
            assert!(n <= 1, "{w} in {n} labels");
        }
    }

    #[test]
    fn labels_keep_clear_of_what_is_drawn_over_the_map() {
        use crate::map::keywords::TileTopic;
        let topic = |ix: u32, word: &str| TileTopic {
            ix,
            iy: 0,
            count: 10,
            centre: Some([ix as f32 + 0.5, 0.5]),
            words: vec![(word.to_owned(), 1.0)],
        };
        let level = super::super::LevelTopics {
            level: 3,
            topics: vec![topic(0, "under"), topic(6, "free"), topic(3, "2024")],
        };
        let extent = Extent::covering(&[0.0, 8.0], &[0.0, 8.0]).unwrap();
        let to_screen = |p: [f32; 2]| [p[0] * 100.0, 800.0 - p[1] * 100.0];
        let measure = |t: &str| t.len() as f32 * 7.0;
        let all = choose(
            &level,
            &extent,
            to_screen,
            [800.0, 800.0],
            &[],
            &LabelStyle::default(),
            &HashMap::new(),
            measure,
        );
        // The tile whose only word is a number gets no label.
        assert_eq!(all.len(), 2);
        // A legend over the first tile's corner: its label moves off it, or is not shown.
        let legend = [0.0, 600.0, 120.0, 800.0];
        let clear = choose(
            &level,
            &extent,
            to_screen,
            [800.0, 800.0],
            &[legend],
            &LabelStyle::default(),
            &HashMap::new(),
            measure,
        );
        assert!(
            clear.iter().all(|s| !overlaps(&s.rect, &legend)),
            "{clear:?}"
        );
        assert!(clear.iter().any(|s| s.text == "free"));
    }

    #[test]
    fn plurals_count_as_their_singular() {
        assert_eq!(singular("birds"), "bird");
        assert_eq!(singular("fishes"), "fish");
        assert_eq!(singular("boxes"), "box");
        assert_eq!(singular("glass"), "glass");
        assert_eq!(singular("gas"), "gas");
        assert_eq!(singular("fish"), "fish");
    }

    #[test]
    fn the_first_labels_keep_their_distance() {
        // A dense block of tiles in one corner and one lone tile far away: the lone one is
        // labelled before the block's second label.
        use crate::map::keywords::TileTopic;
        let topic = |ix: u32, iy: u32, count: usize, word: &str| TileTopic {
            ix,
            iy,
            count,
            centre: Some([ix as f32 + 0.5, iy as f32 + 0.5]),
            words: vec![(word.to_owned(), 1.0)],
        };
        let mut topics: Vec<TileTopic> = (0..4)
            .flat_map(|i| (0..4).map(move |j| (i, j)))
            .map(|(i, j)| topic(i, j, 100 + (i * 4 + j) as usize, &format!("w{i}{j}")))
            .collect();
        topics.push(topic(15, 15, 1, "lone"));
        let level = super::super::LevelTopics { level: 4, topics };
        let extent = Extent::covering(&[0.0, 16.0], &[0.0, 16.0]).unwrap();
        // 16 world units across 800 px: a tile is 50 px, so the block is 200 px wide.
        let to_screen = |p: [f32; 2]| [p[0] * 50.0, 800.0 - p[1] * 50.0];
        let style = LabelStyle {
            max_labels: 3,
            ..LabelStyle::default()
        };
        let shown = choose(
            &level,
            &extent,
            to_screen,
            [800.0, 800.0],
            &[],
            &style,
            &HashMap::new(),
            |t| t.len() as f32 * 7.0,
        );
        let texts: Vec<&str> = shown.iter().map(|s| s.text.as_str()).collect();
        // Spacing 0.6 · √(800² / 3) ≈ 277 px: one label from the block (its fullest tile), the
        // lone tile, then a second from the block in the filling pass.
        assert_eq!(spacing([800.0, 800.0], 3).round(), 277.0);
        assert_eq!(texts[..2], ["w33", "lone"]);
        assert_eq!(texts.len(), 3);
    }

    proptest! {
        #[test]
        fn placed_labels_never_overlap(
            points in proptest::collection::vec((0.0f32..800.0, 0.0f32..600.0, 10.0f32..120.0, 0.0f32..1.0), 0..200),
            max in 0usize..80,
        ) {
            let cands: Vec<Candidate> = points
                .iter()
                .enumerate()
                .map(|(i, &(x, y, w, p))| cand(i as u64, x, y, w, p))
                .collect();
            let placed = place(&cands, &HashMap::new(), max, [800.0, 600.0]);
            prop_assert!(placed.len() <= max);
            for (i, a) in placed.iter().enumerate() {
                prop_assert!(a.rect[0] >= 0.0 && a.rect[2] <= 800.0 && a.rect[1] >= 0.0 && a.rect[3] <= 600.0);
                for b in &placed[i + 1..] {
                    prop_assert!(!overlaps(&a.rect, &b.rect), "{:?} overlaps {:?}", a, b);
                }
            }
            // Placing again with the sides just chosen gives the same layout (stable frames).
            let previous: HashMap<u64, Side> = placed.iter().map(|p| (p.id, p.side)).collect();
            prop_assert_eq!(place(&cands, &previous, max, [800.0, 600.0]), placed);
        }
    }
}
