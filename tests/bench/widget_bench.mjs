// Benchmark (not a test): the first frame of the built-in demo (15,000 × 384 f16 with its
// metadata) in a `<vecscape-map>` element, against the full app opening the same data, in the
// same run and browser. Each run is a fresh browser context (nothing cached) on dist/ served
// from loopback; the time is from navigation start to the frame after the data is shown (the
// element's `ready` event, or the app's `data-state="ready"`, then two animation frames), with
// the PCA layout (the first one either shows). The widget's wasm is compiled by streaming
// instantiation (`WebAssembly.compileStreaming`). Also printed: the bytes each transferred.
// Goal: the widget's first frame ≤ 1.5 s on this machine.
//
//   node tests/bench/widget_bench.mjs [--runs 5] [--configs nogpu,webgpu]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, DIST, readPng, differsFromBackground } from '../../web/e2e/harness.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const RUNS = Number(args.runs ?? 5);
const CONFIGS = (args.configs ?? 'nogpu,webgpu').split(',');

const pages = fs.mkdtempSync(path.join(os.tmpdir(), 'vecscape-widget-bench-'));
fs.writeFileSync(path.join(pages, 'index.html'), '<!DOCTYPE html><title>bench</title>');
fs.writeFileSync(path.join(pages, 'widget.html'), `<!DOCTYPE html>
<script>
  window.firstFrame = new Promise((resolve) => document.addEventListener('ready', () =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))), true));
</script>
<script type="module" src="/app/widget/vecscape-map.js"></script>
<vecscape-map src="/app/demo/vectors.f16.npy" meta="/app/demo/meta.jsonl" projection="pca" style="height:600px"></vecscape-map>`);

const server = await serve(pages, { '/app/': DIST });

/** ms from navigation start to the first frame with the data, and the bytes transferred. */
async function widgetRun(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  let bytes = 0;
  page.on('response', (r) => { bytes += Number(r.headers()['content-length'] ?? 0); });
  await page.goto(`${server.url}widget.html`);
  const ms = await page.evaluate(() => window.firstFrame);
  const png = readPng(await page.locator('vecscape-map').screenshot());
  await context.close();
  return { ms, bytes, inked: inked(png) };
}

async function appRun(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  let bytes = 0;
  page.on('response', (r) => { bytes += Number(r.headers()['content-length'] ?? 0); });
  await page.addInitScript(() => {
    window.firstFrame = new Promise((resolve) => {
      const watch = new MutationObserver(() => {
        if (document.querySelector('#app')?.dataset.state === 'ready') {
          watch.disconnect();
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
        }
      });
      document.addEventListener('DOMContentLoaded', () => watch.observe(document.body, { subtree: true, attributes: true, childList: true }));
    });
  });
  await page.goto(`${server.url}app/index.html?projection=pca`);
  const ms = await page.evaluate(() => window.firstFrame);
  const png = readPng(await page.locator('#map').screenshot());
  await context.close();
  return { ms, bytes, inked: inked(png) };
}

function inked(png) {
  let n = 0;
  for (let y = 0; y < png.height; y += 4) for (let x = 0; x < png.width; x += 4) if (differsFromBackground(png.at(x, y))) n++;
  return n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const config of CONFIGS) {
  const browser = await launch({ webgpu: config === 'webgpu' });
  const widget = [];
  const app = [];
  // Interleaved, so drift on a shared machine hits both alike.
  for (let i = 0; i < RUNS; i++) {
    widget.push(await widgetRun(browser));
    app.push(await appRun(browser));
  }
  await browser.close();
  for (const [name, runs] of [['widget', widget], ['app', app]]) {
    if (runs.some((r) => r.inked < 50)) throw new Error(`${name}: a first frame with no points`);
  }
  const w = median(widget.map((r) => r.ms));
  const a = median(app.map((r) => r.ms));
  console.log(JSON.stringify({
    config,
    runs: RUNS,
    widget_first_frame_ms: Math.round(w),
    app_first_frame_ms: Math.round(a),
    widget_vs_app: +(w / a).toFixed(2),
    widget_mb: +(widget[0].bytes / 1e6).toFixed(2),
    app_mb: +(app[0].bytes / 1e6).toFixed(2),
    goal_ms: 1500,
    met: w <= 1500,
  }));
}
await server.close();
fs.rmSync(pages, { recursive: true, force: true });
