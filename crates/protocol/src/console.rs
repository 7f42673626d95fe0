//! The `log` records of the page and of its worker, written to the browser's console: both
//! install this at start. Warnings and errors only (a WebGPU device lost, a search that falls
//! back to the CPU, an answer the page did not expect), each prefixed with the module that
//! wrote it; an error as `console.error`, a warning as `console.warn`. Builds with `log`'s
//! `max_level_off` (the widget's) write nothing.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(text: &str);
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(text: &str);
}

struct Console;

impl log::Log for Console {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let text = format!("{}: {}", record.target(), record.args());
        match record.level() {
            log::Level::Error => console_error(&text),
            _ => console_warn(&text),
        }
    }

    fn flush(&self) {}
}

static CONSOLE: Console = Console;

/// Send warnings and errors to the console (once; a second call changes nothing).
pub fn install() {
    if log::set_logger(&CONSOLE).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}
