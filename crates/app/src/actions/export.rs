//! Exports: the selection (or every row) as CSV, JSON Lines, JSON or Parquet, written by the
//! worker (it holds the vectors); and a PNG of the view as drawn, with its labels and legend.

use crate::actions::pick::selection_bits;
use crate::engine;
use crate::engine::LABEL_FONT;
use crate::state::Ui;
use crate::util::{download, thousands};
use crate::worker;
use leptos::prelude::*;
use vecscape_core::data::export::Format;
use vecscape_protocol::wire::Parcel;
use vecscape_protocol::{encode, Reply, Request};
use wasm_bindgen::JsCast;

/// Write the selection (every row without one) as `format` and download it.
pub(crate) async fn export_rows(ui: Ui, format: Format, vectors: bool) {
    // The selection; without one, the rows shown (a selection laid out on its own) or all.
    let rows = selection_bits().or_else(|| engine::with(|e| e.subset.clone()));
    let extra = match rows.as_ref().map(encode).transpose() {
        Ok(extra) => extra,
        Err(e) => return ui.error.set(Some(format!("export: {e}"))),
    };
    ui.export_note.set("exporting…".to_owned());
    let answer = worker::call(
        |job| Request::Export {
            job,
            format,
            vectors,
        },
        Parcel {
            extra,
            ..Parcel::default()
        },
        None,
    )
    .await;
    match answer {
        Ok((
            Reply::Exported {
                file_name,
                mime,
                rows,
                ..
            },
            parcel,
        )) => {
            let bytes = parcel.payload.unwrap_or_default();
            match download(&bytes, &file_name, &mime) {
                Ok(()) => ui.export_note.set(format!(
                    "{file_name}: {} rows, {} bytes",
                    thousands(rows),
                    thousands(bytes.len())
                )),
                Err(e) => ui.error.set(Some(format!("export: {e}"))),
            }
        }
        Ok((Reply::Failed { message, .. }, _)) | Err(message) => {
            ui.export_note.set(String::new());
            ui.error.set(Some(message));
        }
        Ok((other, _)) => log::warn!("unexpected answer to an export: {other:?}"),
    }
}

/// Download the view as drawn (points, contours, labels, legend) as a PNG.
pub(crate) fn export_png(ui: Ui) {
    if let Err(e) = compose_png(ui) {
        ui.error.set(Some(format!("PNG export: {e}")));
    }
}

fn compose_png(ui: Ui) -> Result<(), String> {
    let js = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let canvas_of = |id: &str| {
        crate::util::element_by_id(id).and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
    };
    let gpu = engine::with(|e| {
        e.backend
            .as_ref()
            .is_some_and(crate::backend::Backend::is_gpu)
    });
    let source = canvas_of(if gpu { "map-gpu" } else { "map-cpu" }).ok_or("no map canvas")?;
    let (width, height) = (source.width(), source.height());
    if width == 0 || height == 0 {
        return Err("the map has no size".to_owned());
    }
    let out: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(js)?
        .dyn_into()
        .map_err(|_| "not a canvas")?;
    out.set_width(width);
    out.set_height(height);
    let ctx: web_sys::CanvasRenderingContext2d = out
        .get_context("2d")
        .map_err(js)?
        .ok_or("no 2d context")?
        .dyn_into()
        .map_err(|_| "not a 2d context")?;
    // Draw a frame now and copy it in the same task: a WebGPU canvas's texture is readable
    // only until the browser presents it.
    engine::with(|e| e.draw())?;
    ctx.draw_image_with_html_canvas_element(&source, 0.0, 0.0)
        .map_err(js)?;
    let dpr = f64::from(width) / f64::from(source.client_width().max(1));
    ctx.scale(dpr, dpr).map_err(js)?;
    let layers = ui.layers.get_untracked();
    if layers.labels {
        draw_labels(&ctx)?;
    }
    if layers.legend {
        draw_legend(&ctx, ui.legend.get_untracked())?;
    }
    let url = out.to_data_url_with_type("image/png").map_err(js)?;
    let name = engine::with(|e| e.scene.as_ref().map(|s| s.name.clone())).unwrap_or_default();
    let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
    crate::util::download_url(&url, &format!("{stem}-map.png"))
}

/// The labels shown, as the stylesheet draws them (a pale box, dark 12 px text).
fn draw_labels(ctx: &web_sys::CanvasRenderingContext2d) -> Result<(), String> {
    let overlay = engine::with(|e| e.overlay()).labels;
    ctx.set_font(LABEL_FONT);
    ctx.set_text_baseline("middle");
    for label in overlay.iter().filter(|l| !l.leaving) {
        let width = ctx
            .measure_text(&label.text)
            .map(|m| m.width())
            .unwrap_or(0.0);
        let (x, y) = (f64::from(label.left), f64::from(label.top));
        ctx.set_fill_style_str("rgba(250,250,247,0.78)");
        ctx.fill_rect(x, y, width + 8.0, 16.0);
        ctx.set_fill_style_str("#1d2330");
        ctx.fill_text(&label.text, x + 4.0, y + 8.0)
            .map_err(|e| format!("{e:?}"))?;
    }
    Ok(())
}

/// The legend's categories, top left, as the page shows them.
fn draw_legend(
    ctx: &web_sys::CanvasRenderingContext2d,
    legend: engine::Legend,
) -> Result<(), String> {
    let engine::Legend::Categories { field, entries, .. } = legend else {
        return Ok(());
    };
    if entries.is_empty() {
        return Ok(());
    }
    let (x, y, line) = (12.0, 12.0, 16.0);
    let height = 24.0 + line * entries.len() as f64;
    ctx.set_fill_style_str("rgba(255,255,255,0.94)");
    ctx.fill_rect(x, y, 200.0, height);
    ctx.set_stroke_style_str("#d9dbe1");
    ctx.stroke_rect(x, y, 200.0, height);
    ctx.set_text_baseline("middle");
    ctx.set_font("600 12px system-ui, sans-serif");
    ctx.set_fill_style_str("#1d2330");
    let fail = |e: wasm_bindgen::JsValue| format!("{e:?}");
    ctx.fill_text(&field, x + 8.0, y + 12.0).map_err(fail)?;
    ctx.set_font("12px system-ui, sans-serif");
    for (i, entry) in entries.iter().enumerate() {
        let row_y = y + 24.0 + line * i as f64 + line / 2.0;
        let [r, g, b, _] = entry.color;
        let alpha = if entry.hidden { 0.35 } else { 1.0 };
        ctx.set_fill_style_str(&format!("rgba({r},{g},{b},{alpha})"));
        ctx.begin_path();
        ctx.arc(x + 13.0, row_y, 5.0, 0.0, std::f64::consts::TAU)
            .map_err(fail)?;
        ctx.fill();
        ctx.set_fill_style_str(if entry.hidden { "#98a2b3" } else { "#1d2330" });
        let name: String = entry.name.chars().take(26).collect();
        ctx.fill_text(
            &format!("{name}  {}", thousands(entry.count)),
            x + 24.0,
            row_y,
        )
        .map_err(fail)?;
    }
    Ok(())
}
