//! A layout of some rows put in the place of the whole: the rows' new positions scaled (the same
//! factor on both axes, so distances keep their ratios) and centred into the box the whole layout
//! takes, the other rows where they were.

/// The smallest box `[x0, y0, x1, y1]` holding every finite point (`None` when there is none).
pub fn bounds(xs: &[f32], ys: &[f32]) -> Option<[f32; 4]> {
    let mut b = [
        f32::INFINITY,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NEG_INFINITY,
    ];
    for (&x, &y) in xs.iter().zip(ys) {
        if x.is_finite() && y.is_finite() {
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
    }
    (b[0] <= b[2]).then_some(b)
}

/// `xs`, `ys` with the rows listed moved to `sub_xs`, `sub_ys` (in the same order), those
/// scaled and centred into the bounds of `xs`, `ys` as they were. A layout of a single point (or
/// of points all in one place) lands in the middle. Rows past the end are left out.
pub fn place_rows(
    xs: &[f32],
    ys: &[f32],
    rows: &[u32],
    sub_xs: &[f32],
    sub_ys: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    let (mut out_x, mut out_y) = (xs.to_vec(), ys.to_vec());
    let (Some(target), Some(from)) = (bounds(xs, ys), bounds(sub_xs, sub_ys)) else {
        return (out_x, out_y);
    };
    let (tw, th) = (target[2] - target[0], target[3] - target[1]);
    let (fw, fh) = (from[2] - from[0], from[3] - from[1]);
    let scale = match (fw > 0.0, fh > 0.0) {
        (true, true) => (tw / fw).min(th / fh),
        (true, false) => tw / fw,
        (false, true) => th / fh,
        (false, false) => 0.0,
    };
    let (tcx, tcy) = ((target[0] + target[2]) / 2.0, (target[1] + target[3]) / 2.0);
    let (fcx, fcy) = ((from[0] + from[2]) / 2.0, (from[1] + from[3]) / 2.0);
    for ((&r, &x), &y) in rows.iter().zip(sub_xs).zip(sub_ys) {
        let r = r as usize;
        if r < out_x.len() && r < out_y.len() {
            out_x[r] = tcx + (x - fcx) * scale;
            out_y[r] = tcy + (y - fcy) * scale;
        }
    }
    (out_x, out_y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rows_fill_the_whole_box_keeping_their_shape() {
        // The whole layout spans [0, 10] × [0, 4]; the rows' own layout is 2 wide and 1 high.
        let xs = [0.0, 10.0, 5.0, 5.0];
        let ys = [0.0, 4.0, 2.0, 1.0];
        let (x, y) = place_rows(&xs, &ys, &[2, 3], &[-1.0, 1.0], &[0.0, 1.0]);
        // Height limits: scale 4 (width 8 of 10), centred at (5, 2).
        assert_eq!(x, vec![0.0, 10.0, 1.0, 9.0]);
        assert_eq!(y, vec![0.0, 4.0, 0.0, 4.0]);
    }

    #[test]
    fn one_point_or_nothing_stays_sound() {
        let (x, y) = place_rows(&[0.0, 2.0], &[0.0, 2.0], &[1], &[7.0], &[7.0]);
        assert_eq!((x, y), (vec![0.0, 1.0], vec![0.0, 1.0]));
        let (x, _) = place_rows(&[0.0, 2.0], &[0.0, 2.0], &[5], &[7.0], &[7.0]);
        assert_eq!(x, vec![0.0, 2.0]);
        assert_eq!(bounds(&[f32::NAN], &[1.0]), None);
        // A flat layout (a line) is scaled by its one extent.
        let (x, y) = place_rows(&[0.0, 4.0], &[0.0, 2.0], &[0, 1], &[0.0, 1.0], &[3.0, 3.0]);
        assert_eq!((x, y), (vec![0.0, 4.0], vec![1.0, 1.0]));
    }
}
