//! A view in a link: what the page shows (data URLs, projection and its settings, camera,
//! colour, hidden categories, time window, search, selection) as the URL's hash,
//! `#v1.<base64url(deflate(JSON))>`.
//!
//! Reading is tolerant: every field is read on its own, and a field that is missing, of the
//! wrong type or out of range is left out with a note saying what was ignored; the rest of
//! the view is restored. Nothing in a hash can make the reader fail.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The hash's prefix (its version).
pub const PREFIX: &str = "v1.";

/// The largest inflated view read (a hash is short; this guards against a deflate bomb).
pub const MAX_JSON_BYTES: usize = 4 << 20;

/// Where the data came from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DataUrls {
    pub vectors: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<String>,
}

/// A view, every field optional (a link may say only some things).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct View {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataUrls>,
    /// The projection's key ("pca", "umap", …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<String>,
    /// UMAP's settings: neighbours, min_dist, epochs (0: auto), seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub umap: Option<(usize, f32, usize, u64)>,
    /// The camera: the centre in world units and the zoom relative to the fitted view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center: Option<[f32; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoom: Option<f32>,
    /// The colour field's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Hidden categories of the colour field, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
    /// Numeric filters: the column's name and the range kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<(String, f64, f64)>,
    /// The time slider's period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<usize>,
    /// The search box's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub show_matches: bool,
    /// The selection as runs of rows: (first, count).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selection: Vec<(u32, u32)>,
}

/// `view` as a hash (without the `#`).
pub fn encode(view: &View) -> String {
    let json = serde_json::to_vec(view).unwrap_or_default();
    let deflated = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(deflated)
    )
}

/// The view in `hash` (with or without its `#`), and a note for each thing that was ignored.
pub fn decode(hash: &str) -> (View, Vec<String>) {
    let hash = hash.trim_start_matches('#');
    let mut notes = Vec::new();
    if hash.is_empty() {
        return (View::default(), notes);
    }
    let Some(body) = hash.strip_prefix(PREFIX) else {
        notes.push("the link's view is not in a format this version reads".to_owned());
        return (View::default(), notes);
    };
    let bytes =
        match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body.trim_end_matches('=')) {
            Ok(b) => b,
            Err(e) => {
                notes.push(format!("the link's view could not be read ({e})"));
                return (View::default(), notes);
            }
        };
    let json = match miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_JSON_BYTES) {
        Ok(j) => j,
        Err(e) => {
            notes.push(format!(
                "the link's view could not be unpacked ({:?})",
                e.status
            ));
            return (View::default(), notes);
        }
    };
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&json) else {
        notes.push("the link's view is not a JSON object".to_owned());
        return (View::default(), notes);
    };
    let mut view = View::default();
    for (name, value) in fields {
        // Each field through its own decoder: a bad one costs only itself.
        let one = serde_json::json!({ name.clone(): value });
        match serde_json::from_value::<View>(one) {
            Ok(v) if v == View::default() && !is_known(&name) => notes.push(format!(
                "the link's field \"{name}\" is unknown and was ignored"
            )),
            Ok(v) => merge(&mut view, v),
            Err(_) => notes.push(format!(
                "the link's field \"{name}\" could not be read and was ignored"
            )),
        }
    }
    (view, notes)
}

const FIELDS: [&str; 12] = [
    "data",
    "projection",
    "umap",
    "center",
    "zoom",
    "color",
    "hidden",
    "filters",
    "time",
    "query",
    "show_matches",
    "selection",
];

fn is_known(name: &str) -> bool {
    FIELDS.contains(&name)
}

fn merge(into: &mut View, from: View) {
    macro_rules! take {
        ($($f:ident),*) => { $( if from.$f != View::default().$f { into.$f = from.$f; } )* };
    }
    take!(
        data,
        projection,
        umap,
        center,
        zoom,
        color,
        hidden,
        filters,
        time,
        query,
        show_matches,
        selection
    );
}

/// The rows of `runs` below `rows`, and a note when some were past the end (or the runs are
/// malformed).
pub fn rows_of(runs: &[(u32, u32)], rows: usize) -> (Vec<u32>, Option<String>) {
    let mut out = Vec::new();
    let mut dropped = 0u64;
    for &(start, count) in runs {
        let end = u64::from(start) + u64::from(count);
        let kept_end = end.min(rows as u64);
        if u64::from(start) < kept_end {
            out.extend(start..kept_end as u32);
        }
        dropped += end - kept_end.max(u64::from(start)).min(end);
    }
    out.sort_unstable();
    out.dedup();
    let note = (dropped > 0).then(|| {
        format!("{dropped} selected rows in the link are past the end of the data ({rows} rows) and were ignored")
    });
    (out, note)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> View {
        View {
            data: Some(DataUrls {
                vectors: "data/v.npy".into(),
                meta: Some("data/m.jsonl".into()),
                grid: None,
            }),
            projection: Some("umap".into()),
            umap: Some((15, 0.1, 0, 7)),
            center: Some([1.25, -3.5]),
            zoom: Some(4.0),
            color: Some("cat:label".into()),
            hidden: vec!["noun.Tops".into(), "<img onerror=x>".into()],
            filters: vec![("score".into(), -1.5, 2.25)],
            time: Some(3),
            query: Some("\"small bird\" é".into()),
            show_matches: true,
            selection: vec![(3, 4), (100, 1)],
        }
    }

    #[test]
    fn a_view_survives_the_hash() {
        let view = full();
        let hash = encode(&view);
        assert!(hash.starts_with(PREFIX));
        assert!(
            hash.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "{hash}"
        );
        assert_eq!(decode(&format!("#{hash}")), (view, vec![]));
        assert_eq!(decode(""), (View::default(), vec![]));
    }

    /// The hash, by hand: deflate (as zlib's raw deflate) of the JSON, base64url.
    #[test]
    fn the_hash_is_plain_deflate_and_base64url() {
        let view = View {
            zoom: Some(2.0),
            ..View::default()
        };
        let body = encode(&view)[PREFIX.len()..].to_owned();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .unwrap();
        let json = miniz_oxide::inflate::decompress_to_vec(&bytes).unwrap();
        assert_eq!(json, br#"{"zoom":2.0}"#);
    }

    #[test]
    fn bad_fields_are_noted_and_the_rest_restored() {
        let json = br#"{"zoom": "far", "center": [1, 2], "colour": "x", "selection": [[1, 2]], "time": -1}"#;
        let hash = format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(miniz_oxide::deflate::compress_to_vec(json, 6))
        );
        let (view, notes) = decode(&hash);
        assert_eq!(view.center, Some([1.0, 2.0]));
        assert_eq!(view.selection, vec![(1, 2)]);
        assert_eq!(view.zoom, None);
        assert_eq!(view.time, None);
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("\"colour\" is unknown")));
        assert!(notes
            .iter()
            .any(|n| n.contains("\"zoom\" could not be read")));
    }

    #[test]
    fn garbage_is_a_note_never_a_panic() {
        for hash in ["#v1.%%%", "#v1.AAAA", "#v2.abc", "#hello", "#v1."] {
            let (view, notes) = decode(hash);
            assert_eq!(view, View::default());
            assert_eq!(notes.len(), 1, "{hash}: {notes:?}");
        }
    }

    #[test]
    fn rows_past_the_end_are_dropped_with_a_note() {
        assert_eq!(rows_of(&[(3, 2), (0, 1)], 10), (vec![0, 3, 4], None));
        let (rows, note) = rows_of(&[(8, 5), (20, 2)], 10);
        assert_eq!(rows, vec![8, 9]);
        assert!(note
            .unwrap()
            .starts_with("5 selected rows in the link are past the end"));
        let (rows, note) = rows_of(&[(u32::MAX, u32::MAX)], 10);
        assert!(rows.is_empty() && note.is_some());
    }
}
