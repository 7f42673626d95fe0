// Benchmark (not a test): the longest main-thread task while the page works, measured with a
// PerformanceObserver of `longtask` entries (tasks over 50 ms) in headless Chromium, from the
// start of the load (the app's `vecscape-load` mark; start-up before it is reported apart) until
// the map is built, then over a neighbour search. Three inputs: the built-in demo
// (15,000 × 384), --big rows × 64 (default 1,000,000) and --wide rows × 784 (default 70,000, the
// shape of Fashion-MNIST), the last two synthetic clustered f32 .npy files. Backends: the CPU
// path (?backend=cpu, WebGPU present) and a browser with no GPU. Prints one JSON line per run and
// a summary; the goal is no task over 50 ms.
//
//   node tests/bench/longtask_bench.mjs [--big 1000000] [--wide 70000] [--configs cpu,nogpu]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, serve, launch } from '../../web/e2e/harness.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const BIG = Number(args.big ?? 1_000_000);
const WIDE = Number(args.wide ?? 70_000);
const CONFIGS = (args.configs ?? 'cpu,nogpu').split(',');
const BENCH = path.join(ROOT, 'target', 'bench');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
fs.mkdirSync(BENCH, { recursive: true });

/** A clustered f32 .npy of rows × dims (written once, kept in target/bench). */
function synthetic(rows, dims) {
  const file = path.join(BENCH, `longtask_${rows}x${dims}.npy`);
  if (!fs.existsSync(file)) {
    const code = `import numpy as np; r = np.random.default_rng(7); c = r.standard_normal((30, ${dims})).astype(np.float32); ` +
      `x = np.empty((${rows}, ${dims}), np.float32)\n` +
      `for s in range(0, ${rows}, 100000):\n` +
      `    n = min(100000, ${rows} - s); x[s:s+n] = c[r.integers(0, 30, n)] + 0.5 * r.standard_normal((n, ${dims}), dtype=np.float32)\n` +
      `np.save(${JSON.stringify(file)}, x)`;
    const run = spawnSync(PYTHON, ['-c', code]);
    if (run.status !== 0) throw new Error(String(run.stderr));
  }
  return path.basename(file);
}

const inputs = [
  { name: 'demo 15,000 × 384', query: '' },
  { name: `${BIG.toLocaleString('en')} × 64`, query: `data=bench/${synthetic(BIG, 64)}` },
  { name: `${WIDE.toLocaleString('en')} × 784`, query: `data=bench/${synthetic(WIDE, 784)}` },
];

const server = await serve(undefined, { '/bench/': BENCH });
const results = [];
for (const config of CONFIGS) {
  const browser = await launch({ webgpu: config !== 'nogpu' });
  for (const input of inputs) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await page.addInitScript(() => {
      window.__longtasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, ms: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    const query = [config === 'cpu' ? 'backend=cpu' : '', input.query].filter(Boolean).join('&');
    const started = Date.now();
    await page.goto(`${server.url}${query ? `?${query}` : ''}`);
    await page.waitForSelector('#app[data-map=ready], #app[data-state="failed"]', { timeout: 900_000 });
    const loadMs = Date.now() - started;
    // Start-up (wasm instantiation, the first mount) ends where the app marks the start of its load.
    const loadStart = await page.evaluate(() => performance.getEntriesByName('vecscape-load')[0]?.startTime ?? 0);
    const all = await page.evaluate(() => window.__longtasks.splice(0));
    const startup = all.filter((t) => t.start < loadStart);
    const load = all.filter((t) => t.start >= loadStart);
    // One neighbour search: click the middle of the map (a point if there is one).
    const box = await page.locator('#map').boundingBox();
    const positions = await page.evaluate(() => Array.from(window.vecscapeTest.screenPositions().subarray(0, 2)));
    const at = positions.length >= 2 ? [positions[0], positions[1]] : [box.width / 2, box.height / 2];
    await page.evaluate(() => window.__longtasks.splice(0)); // (the benchmark's own reading)
    await page.mouse.click(box.x + at[0], box.y + at[1]);
    await page.waitForSelector('#neighbors', { timeout: 120_000 }).catch(() => {});
    await page.waitForTimeout(500);
    const search = await page.evaluate(() => window.__longtasks.splice(0));
    const worst = (tasks) => tasks.reduce((m, t) => Math.max(m, t.ms), 0);
    const row = {
      config,
      input: input.name,
      load_to_map_ms: loadMs,
      worst_startup_task_ms: Math.round(worst(startup)),
      worst_task_ms: Math.round(worst(load)),
      tasks_over_50ms: load.length,
      tasks_over_50ms_total_ms: Math.round(load.reduce((s, t) => s + t.ms, 0)),
      worst_search_task_ms: Math.round(worst(search)),
      status: (await page.locator('#status').innerText()).replace(/\s+/g, ' '),
    };
    console.log(JSON.stringify(row));
    results.push(row);
    await page.close();
  }
  await browser.close();
}
await server.close();
console.log('\nworst main-thread task (goal: none over 50 ms):');
for (const r of results) {
  console.log(`  ${r.config.padEnd(6)} ${r.input.padEnd(20)} start-up ${String(r.worst_startup_task_ms).padStart(4)} ms · load→map ${String(r.worst_task_ms).padStart(6)} ms (${r.tasks_over_50ms} tasks over 50 ms, ${r.tasks_over_50ms_total_ms} ms in all) · search ${r.worst_search_task_ms} ms`);
}
