//! Category colours: twenty hand-picked distinct hues, then golden-angle hues for the rest.

/// RGBA colour, one byte per channel.
pub type Rgba = [u8; 4];

const BASE: [Rgba; 20] = [
    [31, 119, 180, 255],
    [255, 127, 14, 255],
    [44, 160, 44, 255],
    [214, 39, 40, 255],
    [148, 103, 189, 255],
    [140, 86, 75, 255],
    [227, 119, 194, 255],
    [127, 127, 127, 255],
    [188, 189, 34, 255],
    [23, 190, 207, 255],
    [174, 199, 232, 255],
    [255, 187, 120, 255],
    [152, 223, 138, 255],
    [255, 152, 150, 255],
    [197, 176, 213, 255],
    [196, 156, 148, 255],
    [247, 182, 210, 255],
    [199, 199, 199, 255],
    [219, 219, 141, 255],
    [158, 218, 229, 255],
];

/// Colour of the category with code `code`.
pub fn category_color(code: u32) -> Rgba {
    if let Some(c) = BASE.get(code as usize) {
        return *c;
    }
    let hue = (code as f32 * 137.507_77).rem_euclid(360.0);
    hsl_to_rgba(hue, 0.55, 0.55)
}

/// Stops of the continuous scale for numeric fields (perceptually ordered, dark blue to
/// yellow, like viridis).
const SEQUENTIAL: [[f32; 3]; 5] = [
    [68.0, 1.0, 84.0],
    [59.0, 82.0, 139.0],
    [33.0, 145.0, 140.0],
    [94.0, 201.0, 98.0],
    [253.0, 231.0, 37.0],
];

/// Colour of `t` in 0…1 on the continuous scale (clamped; NaN is [`MISSING`]).
pub fn sequential(t: f32) -> Rgba {
    if t.is_nan() {
        return MISSING;
    }
    let x = t.clamp(0.0, 1.0) * (SEQUENTIAL.len() - 1) as f32;
    let i = (x.floor() as usize).min(SEQUENTIAL.len() - 2);
    let f = x - i as f32;
    let (a, b) = (SEQUENTIAL[i], SEQUENTIAL[i + 1]);
    let mix = |k: usize| (a[k] + (b[k] - a[k]) * f).round().clamp(0.0, 255.0) as u8;
    [mix(0), mix(1), mix(2), 255]
}

/// Colour of a point whose value is missing.
pub const MISSING: Rgba = [190, 190, 190, 255];

/// A point hidden by a filter (fully transparent: both renderers skip it).
pub const HIDDEN: Rgba = [0, 0, 0, 0];

/// The map's background (both renderers clear to it).
pub const BACKGROUND: Rgba = [250, 250, 247, 255];

/// Share of the background in a dimmed point's colour.
pub const DIM_MIX: f32 = 0.82;

/// `c` faded towards the background: a point outside the search matches or the selection,
/// still there to give the shape of the map. Hidden points stay hidden.
pub fn dimmed(c: Rgba) -> Rgba {
    if c[3] == 0 {
        return c;
    }
    let mix = |k: usize| {
        (f32::from(c[k]) * (1.0 - DIM_MIX) + f32::from(BACKGROUND[k]) * DIM_MIX).round() as u8
    };
    [mix(0), mix(1), mix(2), 255]
}

/// Colour used when a dataset has no categories.
pub const UNCATEGORISED: Rgba = [70, 130, 200, 255];

fn hsl_to_rgba(hue_deg: f32, s: f32, l: f32) -> Rgba {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let h = hue_deg / 60.0;
    let x = c * (1.0 - (h.rem_euclid(2.0) - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to_byte = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [to_byte(r), to_byte(g), to_byte(b), 255]
}

#[cfg(test)]
mod sequential_tests {
    use super::*;

    #[test]
    fn the_scale_runs_through_its_stops() {
        assert_eq!(sequential(0.0), [68, 1, 84, 255]);
        assert_eq!(sequential(1.0), [253, 231, 37, 255]);
        assert_eq!(sequential(0.5), [33, 145, 140, 255]);
        // Halfway between the first two stops.
        assert_eq!(sequential(0.125), [64, 42, 112, 255]);
        assert_eq!(sequential(f32::NAN), MISSING);
        assert_eq!(sequential(7.0), sequential(1.0));
    }
}

/// Pack as a little-endian `u32` (bytes r, g, b, a), the layout the GPU and the canvas share.
pub fn pack(c: Rgba) -> u32 {
    u32::from_le_bytes(c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dimmed_colours_lie_between_the_colour_and_the_background() {
        // Hand-computed over the background (250, 250, 247): 31·0.18 + 250·0.82 = 210.58,
        // 119·0.18 + 250·0.82 = 226.42, 180·0.18 + 247·0.82 = 234.94
        assert_eq!(super::dimmed([31, 119, 180, 255]), [211, 226, 235, 255]);
        assert_eq!(super::dimmed(super::HIDDEN), super::HIDDEN);
        assert_eq!(super::dimmed(super::BACKGROUND), super::BACKGROUND);
    }

    use super::*;

    #[test]
    fn colours_are_distinct_for_many_categories() {
        let colours: std::collections::HashSet<Rgba> = (0..200).map(category_color).collect();
        assert!(colours.len() > 190);
        assert_eq!(hsl_to_rgba(0.0, 1.0, 0.5), [255, 0, 0, 255]);
        assert_eq!(hsl_to_rgba(240.0, 1.0, 0.5), [0, 0, 255, 255]);
        assert_eq!(pack([1, 2, 3, 4]), 0x0403_0201);
    }
}
