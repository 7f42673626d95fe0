//! Collision-free label placement on screen.
//!
//! Candidates are ranked by priority (denser tiles first; ties by id). Each is tried on the
//! four sides of its anchor, starting with the side it had last frame, so labels do not jump
//! while the view moves; a label that would overlap one already placed, or leave the viewport,
//! is skipped. At most `max_labels` are placed.

use std::collections::HashMap;

/// Where a label sits relative to its anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Right,
    Top,
    Left,
    Bottom,
}

impl Side {
    const ALL: [Side; 4] = [Side::Right, Side::Top, Side::Left, Side::Bottom];
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
        let first = previous.get(&c.id).copied();
        let sides = first
            .into_iter()
            .chain(Side::ALL.into_iter().filter(|s| Some(*s) != first));
        for side in sides {
            let rect = rect_for(c, side);
            let inside = rect[0] >= 0.0
                && rect[1] >= 0.0
                && rect[2] <= viewport[0]
                && rect[3] <= viewport[1];
            if inside && !placed.iter().any(|p| overlaps(&p.rect, &rect)) {
                placed.push(Placed {
                    id: c.id,
                    rect,
                    side,
                });
                break;
            }
        }
    }
    placed
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
        let a = cand(1, 100.0, 100.0, 60.0, 2.0);
        // Right of b's anchor is taken by a's box; b goes to another side.
        let b = cand(2, 96.0, 100.0, 60.0, 1.0);
        let placed = place(&[b.clone(), a.clone()], &HashMap::new(), 10, [800.0, 600.0]);
        assert_eq!(placed.len(), 2);
        assert_eq!(placed[0].id, 1);
        assert_eq!(placed[0].side, Side::Right);
        assert_ne!(placed[1].side, Side::Right);
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
