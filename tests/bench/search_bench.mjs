// Benchmarks (not tests) for explore-and-share, in one run in one headless Chromium:
// 1. full-text search over WordNet's 117,659 glosses and labels (../shared/data/wordnet): our
//    text index, built and queried in the compute worker (wasm), vs FlexSearch 0.8 (the library
//    WizMap and Embedding Atlas use) in the same page, with the options closest to ours
//    (`tokenize: "forward"` for prefixes, `Charset.Normalize` for case and accents);
// 2. the lasso over 1,000,000 points on the main thread: ours (`view::select::in_polygon`,
//    edges bucketed by y) vs a plain even-odd loop in JavaScript on the same points and polygon.
//
//   node tests/bench/search_bench.mjs
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, serve, launch, npyF32 } from '../../web/e2e/harness.mjs';

const SHARED = path.resolve(ROOT, '..', 'shared', 'data', 'wordnet');
const BENCH = path.join(ROOT, 'target', 'bench');
const FLEX = path.join(ROOT, 'web', 'e2e', 'node_modules', 'flexsearch', 'dist');
const QUERIES = ['bird', 'bir', 'a', 'water plant', '"a small"', 'musical instrument', 'zzzz'];

const texts = fs.readFileSync(path.join(SHARED, 'meta.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
fs.mkdirSync(BENCH, { recursive: true });
// 2-D points for the rows (the text index does not need the vectors; loading them would time the
// loader, not the search).
const coords = path.join(BENCH, 'wordnet_coords.npy');
if (!fs.existsSync(coords)) {
  const values = new Float32Array(texts.length * 2).map((_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
  fs.writeFileSync(coords, npyF32(texts.length, 2, values));
}

const server = await serve(undefined, { '/bench/': BENCH, '/shared/': SHARED, '/flex/': FLEX });
const browser = await launch({ webgpu: false });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${server.url}?bench&backend=cpu&projection=pca&data=/bench/wordnet_coords.npy&meta=/shared/meta.jsonl`);
  await page.waitForSelector('#app[data-state="ready"]', { timeout: 600_000 });
  await page.waitForSelector('#app[data-map="ready"]', { timeout: 600_000 });
  const ours = JSON.parse(await page.evaluate((q) => window.vecscapeBench.text(JSON.stringify({ queries: q, repeats: 3 })), QUERIES));
  if (ours.error) throw new Error(ours.error);

  await page.addScriptTag({ url: '/flex/flexsearch.bundle.min.js' });
  const flex = await page.evaluate(async ({ rows, queries }) => {
    const { Document, Charset } = window.FlexSearch;
    let best = Infinity;
    let index;
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      index = new Document({ tokenize: 'forward', encoder: Charset.Normalize, document: { id: 'id', index: ['text', 'label'] } });
      for (let i = 0; i < rows.length; i++) index.add({ id: i, text: rows[i].text, label: rows[i].label });
      best = Math.min(best, performance.now() - t);
    }
    const answers = queries.map((q) => {
      const plain = q.replace(/"/g, '');
      // The clock is coarse (0.1 ms): run each query until 30 ms have passed, as ours does.
      let runs = 0;
      let matches = 0;
      const t = performance.now();
      while (runs < 3 || performance.now() - t < 30) {
        matches = index.search(plain, { limit: 1_000_000, merge: true }).length;
        runs++;
      }
      return { query: q, ms: (performance.now() - t) / runs, matches };
    });
    return { build_ms: best, queries: answers };
  }, { rows: texts.map((t) => ({ text: t.text, label: t.label })), queries: QUERIES });

  console.log(`full-text search, ${ours.rows.toLocaleString()} WordNet glosses + labels, same Chromium:`);
  console.log(`  build: vecscape (worker, wasm) ${ours.build_ms.toFixed(0)} ms, ${ours.words.toLocaleString()} words, ${(ours.bytes / 1e6).toFixed(1)} MB · FlexSearch ${flex.build_ms.toFixed(0)} ms · ratio FlexSearch / vecscape ${(flex.build_ms / ours.build_ms).toFixed(2)}×`);
  for (let i = 0; i < QUERIES.length; i++) {
    const a = ours.queries[i];
    const b = flex.queries[i];
    console.log(`  ${JSON.stringify(a.query).padEnd(22)} vecscape ${a.ms.toFixed(3)} ms (${a.matches} matches) · FlexSearch ${b.ms.toFixed(3)} ms (${b.matches}) · ratio FlexSearch / vecscape ${(b.ms / a.ms).toFixed(2)}×`);
  }

  const lasso = JSON.parse(await page.evaluate(() => window.vecscapeBench.lasso(JSON.stringify({ points: 1_000_000, vertices: 200, repeats: 5 }))));
  if (lasso.error) throw new Error(lasso.error);
  const js = await page.evaluate(({ points, polygon, seed }) => {
    // The same points as the page's (the same 64-bit LCG).
    let state = BigInt(seed);
    const mask = (1n << 64n) - 1n;
    const next = () => {
      state = (state * 6364136223846793005n + 1442695040888963407n) & mask;
      return Number(state >> 40n) / 16777216;
    };
    const xs = new Float32Array(points);
    const ys = new Float32Array(points);
    for (let i = 0; i < points; i++) { xs[i] = next(); ys[i] = next(); }
    let best = Infinity;
    let selected = 0;
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      selected = 0;
      for (let p = 0; p < points; p++) {
        const x = xs[p];
        const y = ys[p];
        let inside = false;
        for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
          const [xi, yi] = polygon[i];
          const [xj, yj] = polygon[j];
          if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
        }
        if (inside) selected++;
      }
      best = Math.min(best, performance.now() - t);
    }
    return { ms: best, selected };
  }, { points: lasso.points, polygon: lasso.polygon, seed: lasso.seed_state });
  console.log(`lasso, ${lasso.points.toLocaleString()} points, ${lasso.vertices}-vertex star, main thread: vecscape ${lasso.ms.toFixed(1)} ms (${lasso.selected} inside) · plain JS even-odd ${js.ms.toFixed(1)} ms (${js.selected}) · ratio ${(js.ms / lasso.ms).toFixed(1)}×`);
} finally {
  await browser.close();
  await server.close();
}
