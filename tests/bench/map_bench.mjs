// Benchmarks (not tests) for the map, in one run:
// 1. every map summary (quadtree + keywords per tile per level + KDE + contours) for the first
//    --rows WordNet glosses (default 100,000), ours in wasm in headless Chromium vs WizMap's own
//    Python functions on the same points and texts (tests/reference/bench_map_peers.py);
// 2. frame time while panning --points synthetic points (default 1,000,000) at 1280×800 with the
//    map's contours on, on the CPU fallback (120 frames) and on WebGPU (8 frames: SwiftShader is a
//    CPU emulation, so its figure says little about a real GPU).
//
//   node tests/bench/map_bench.mjs [--rows 100000] [--points 1000000] [--skip-wizmap] [--pan cpu,webgpu]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, serve, launch } from '../../web/e2e/harness.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]?.startsWith('--') ? 'true' : all[i + 1]]] : pairs), []),
);
const ROWS = Number(args.rows ?? 100_000);
const POINTS = Number(args.points ?? 1_000_000);
const BENCH = path.join(ROOT, 'target', 'bench');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

const prep = spawnSync(PYTHON, [path.join(ROOT, 'tests/reference/bench_map_peers.py'), '--rows', String(ROWS),
  ...(args['skip-wizmap'] ? ['--skip-wizmap'] : [])], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (prep.status !== 0) throw new Error(prep.stderr);
const wizmap = JSON.parse(prep.stdout.trim().split('\n').pop());

const synthetic = path.join(BENCH, `pan_${POINTS}.npy`);
if (!fs.existsSync(synthetic)) {
  const code = `import numpy as np; r = np.random.default_rng(3); c = r.standard_normal((40, 2)) * 6; ` +
    `x = (c[r.integers(0, 40, ${POINTS})] + r.standard_normal((${POINTS}, 2))).astype(np.float32); np.save(${JSON.stringify(synthetic)}, x)`;
  const run = spawnSync(PYTHON, ['-c', code]);
  if (run.status !== 0) throw new Error(String(run.stderr));
}

const server = await serve(undefined, { '/bench/': BENCH });
async function open(browser, query) {
  const p = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await p.goto(`${server.url}?bench&${query}`);
  await p.waitForSelector('#app[data-state="ready"], #app[data-state="failed"]', { timeout: 600_000 });
  if ((await p.getAttribute('#app', 'data-state')) !== 'ready') throw new Error(await p.textContent('body'));
  await p.waitForSelector('#app[data-map="ready"]', { timeout: 600_000 });
  return p;
}
const call = async (p, fn, options) => {
  const out = JSON.parse(await p.evaluate(([f, o]) => window.vecscapeBench[f](JSON.stringify(o)), [fn, options]));
  if (out.error) throw new Error(out.error);
  return out;
};

try {
  const browser = await launch({ webgpu: true });
  const p = await open(browser, `backend=cpu&data=/bench/map_coords.npy&meta=/bench/map_texts.jsonl`);
  const ours = await call(p, 'map', { repeats: 2, bandwidth: 'wizmap' });
  console.log(`map summaries, ${ours.rows} points (levels ${ours.levels.join(',')}, ${ours.tiles} tiles): vecscape wasm ${(ours.ms / 1000).toFixed(2)} s`);
  if (wizmap.total_s) {
    console.log(`  WizMap Python: topics ${wizmap.topic_s.toFixed(1)} s + contours ${wizmap.contour_s.toFixed(1)} s = ${wizmap.total_s.toFixed(1)} s`);
    console.log(`  ratio WizMap / vecscape: ${(wizmap.total_s * 1000 / ours.ms).toFixed(1)}×`);
  }
  await p.close();
  for (const backend of (args.pan ?? 'cpu,webgpu').split(',')) {
    const q = await open(browser, `${backend === 'cpu' ? 'backend=cpu&' : ''}data=/bench/${path.basename(synthetic)}`);
    const status = await q.locator('#status').innerText();
    // SwiftShader takes seconds a frame: a few frames say enough there.
    const frames = backend === 'cpu' ? 120 : 8;
    const pan = await q.evaluate((f) => window.vecscapeBench.pan(JSON.stringify({ frames: f, dx: 3 })), frames);
    const r = JSON.parse(pan);
    if (r.error) throw new Error(r.error);
    console.log(`pan ${r.rows} points, 1280×800, contours on, ${backend}: median ${r.median_ms.toFixed(1)} ms, p95 ${r.p95_ms.toFixed(1)} ms per frame (${status.split('\n')[0]})`);
    await q.close();
  }
  await browser.close();
} finally {
  await server.close();
}
