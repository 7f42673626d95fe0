// Benchmark (not a test): peak memory of opening a big .npy from the file picker, in headless
// Chromium. A 1,000,000 × 384 float32 file (1.5 GB, clustered synthetic data, written once into
// target/bench) is picked after a tiny file has loaded; the renderer process's peak resident
// memory (VmHWM in /proc, the page and its worker share the process) is read before and after,
// for each storage. The figure is the growth of the renderer that holds the page (its peak after
// − its resident memory before) / stored vector bytes; the goal is ≤ 1.2 (the file streams into
// the chosen storage with no second copy).
//
// Reference in the same run: the same file read whole with `file.arrayBuffer()` and copied into a
// WebAssembly.Memory, the way a page that hands the whole file to wasm does it.
//
//   node tests/bench/bigfile_bench.mjs [--rows 1000000] [--dims 384] [--storages f32,f16,int8]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, serve, launch } from '../../web/e2e/harness.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const ROWS = Number(args.rows ?? 1_000_000);
const DIMS = Number(args.dims ?? 384);
const STORAGES = (args.storages ?? 'f32,f16,int8').split(',');
const BENCH = path.join(ROOT, 'target', 'bench');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
fs.mkdirSync(BENCH, { recursive: true });

function npy(rows, dims) {
  const file = path.join(BENCH, `bigfile_${rows}x${dims}.npy`);
  if (!fs.existsSync(file)) {
    const code = `import numpy as np; r = np.random.default_rng(11); c = r.standard_normal((40, ${dims})).astype(np.float32)
f = np.lib.format.open_memmap(${JSON.stringify(file + '.tmp')}, mode='w+', dtype=np.float32, shape=(${rows}, ${dims}))
for s in range(0, ${rows}, 50000):
    n = min(50000, ${rows} - s); f[s:s+n] = c[r.integers(0, 40, n)] + 0.3 * r.standard_normal((n, ${dims}), dtype=np.float32)
f.flush(); del f`;
    const run = spawnSync(PYTHON, ['-c', code]);
    if (run.status !== 0) throw new Error(String(run.stderr));
    fs.renameSync(file + '.tmp', file);
  }
  return file;
}

const big = npy(ROWS, DIMS);
const tiny = npy(200, DIMS);
const storedBytes = { f32: ROWS * DIMS * 4, f16: ROWS * DIMS * 2, int8: ROWS * (DIMS + 4) };

/** VmRSS and VmHWM (bytes) of every renderer process of `browser`. */
async function renderers(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  return processInfo
    .filter((p) => p.type === 'renderer')
    .map((p) => {
      const status = fs.readFileSync(`/proc/${p.id}/status`, 'utf8');
      const kb = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0) * 1024;
      return { pid: p.id, rss: kb('VmRSS'), hwm: kb('VmHWM') };
    });
}

/** The growth of the renderer that holds the page and its worker: the one that grew most. */
const growth = (before, after) => Math.max(...after.map((p) => p.hwm - (before.find((b) => b.pid === p.pid)?.rss ?? 0)));
const gb = (b) => (b / 1e9).toFixed(2) + ' GB';
const server = await serve(undefined, { '/bench/': BENCH });
const results = [];

// The last run: f32 over a 1 GB budget, refused before anything is allocated (the banner offers f16).
const runs = [...STORAGES.map((storage) => ({ storage })), { storage: 'f32', budget: '1G' }];
for (const { storage, budget } of runs) {
  const browser = await launch({ webgpu: false });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}?backend=cpu&projection=pca&storage=${storage}${budget ? `&memoryBudget=${budget}` : ''}&data=bench/${path.basename(tiny)}`);
  await page.waitForSelector('#app[data-state="ready"]', { timeout: 120_000 });
  await page.waitForFunction(() => document.querySelector('#status')?.innerText.includes('map: levels'), undefined, { timeout: 120_000 });
  const before = await renderers(browser);
  const started = Date.now();
  await page.setInputFiles('#file-input', big);
  const want = `${ROWS.toLocaleString('en')} points × ${DIMS} dims · ${storage}`;
  await page.waitForFunction((w) => document.querySelector('#status')?.innerText.includes(w) || document.querySelector('#error'), want, { timeout: 900_000 });
  const loadedMs = Date.now() - started;
  const error = await page.locator('#error .error-text').count() ? await page.locator('#error .error-text').innerText() : null;
  const afterLoad = await renderers(browser);
  await page.waitForFunction(() => document.querySelector('#status')?.innerText.includes('map: levels'), undefined, { timeout: 900_000 }).catch(() => {});
  const afterMap = await renderers(browser);
  const offers = budget ? await page.locator('#budget-storage').innerText().catch(() => null) : undefined;
  const r = {
    storage: budget ? `${storage}, budget ${budget}` : storage,
    offers,
    rows: ROWS,
    dims: DIMS,
    error,
    stored: storedBytes[storage],
    load_s: loadedMs / 1000,
    rss_before: Math.max(...before.map((p) => p.rss)),
    growth_load: growth(before, afterLoad),
    growth_map: growth(before, afterMap),
    errors,
  };
  console.log(JSON.stringify(r));
  results.push(r);
  await browser.close();
}

// Reference: the whole file read at once and copied into wasm memory.
{
  const browser = await launch({ webgpu: false });
  const page = await browser.newPage();
  await page.setContent('<input type="file" id="f">');
  const before = await renderers(browser);
  await page.setInputFiles('#f', big);
  const started = Date.now();
  await page.evaluate(async () => {
    const file = document.querySelector('#f').files[0];
    const whole = new Uint8Array(await file.arrayBuffer());
    const memory = new WebAssembly.Memory({ initial: Math.ceil(whole.length / 65536) });
    new Uint8Array(memory.buffer).set(whole);
    window.__kept = memory;
  });
  const after = await renderers(browser);
  const r = { storage: 'reference: arrayBuffer() + copy into wasm (f32)', stored: storedBytes.f32, load_s: (Date.now() - started) / 1000, growth_load: growth(before, after) };
  console.log(JSON.stringify(r));
  results.push(r);
  await browser.close();
}
server.close();

console.log(`\nPeak memory opening ${ROWS.toLocaleString('en')} × ${DIMS} float32 (${gb(ROWS * DIMS * 4)}) from the file picker (growth of the page's renderer: peak after − resident before; ratio to the stored vectors):`);
console.log('| storage | stored | load | growth, loaded | ratio | growth, map built | ratio |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  if (r.error) {
    console.log(`| ${r.storage} | refused in ${r.load_s.toFixed(1)} s, growth ${gb(r.growth_load)}; the banner offers "${r.offers}" | ${r.error.slice(0, 100)}… |`);
    continue;
  }
  const map = r.growth_map === undefined ? '– | –' : `${gb(r.growth_map)} | ${(r.growth_map / r.stored).toFixed(2)}×`;
  console.log(`| ${r.storage} | ${gb(r.stored)} | ${r.load_s.toFixed(1)} s | ${gb(r.growth_load)} | ${(r.growth_load / r.stored).toFixed(2)}× | ${map} |`);
}
