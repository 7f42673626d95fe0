// Benchmark (not a test): UMAP in the page against Embedding Atlas's `createUMAP` (npm
// `embedding-atlas` 0.26, Rust → wasm, NNDescent, spectral start) in the same headless Chromium,
// on the same vectors: the demo (15,000 WordNet glosses) and --rows (default 100,000) rows of
// ../shared/data/wordnet, MiniLM 384-d. Ours runs on the CPU path (`?backend=cpu`, wasm simd128
// in the worker); the time is the one the status line reports (graph, fuzzy set, start, epochs).
// The peer's time is from its call to the end of `run()`. Both use 15 neighbours, min_dist 0.1,
// cosine, seed 0, epochs as umap-learn; ours also with 300 epochs (its quality against the
// peer's at the peer's default).
//
// Each layout is written to target/bench/umap/<set>-<who>.f32 with its time in
// <set>-<who>.json; `tests/reference/bench_umap.py --page` then adds umap-learn natively and
// scores every layout with the same two measures (kNN@10 preserved, 10-NN label agreement).
//
//   node tests/bench/umap_bench.mjs [--rows 100000] [--sets demo,wordnet]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, serve, launch, openApp } from '../../web/e2e/harness.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const ROWS = Number(args.rows ?? 100_000);
const SETS = (args.sets ?? 'demo,wordnet').split(',');
const OUT = path.join(ROOT, 'target', 'bench', 'umap');
const PEER = path.join(ROOT, 'target', 'bench', 'peer');
const SHARED = path.resolve(ROOT, '..', 'shared', 'data');
fs.mkdirSync(OUT, { recursive: true });

// The peer, from the npm registry's tarball (its `umap` entry needs none of its dependencies).
if (!fs.existsSync(path.join(PEER, 'dist', 'umap.js'))) {
  fs.mkdirSync(PEER, { recursive: true });
  const tgz = execFileSync('npm', ['pack', 'embedding-atlas@0.26.0', '--silent'], { cwd: PEER }).toString().trim();
  execFileSync('tar', ['xzf', tgz, '--strip-components=1'], { cwd: PEER });
}
const peerPage = path.join(ROOT, 'target', 'bench', 'umap_page_peer.html');
fs.copyFileSync(path.join(ROOT, 'tests', 'bench', 'umap_page_peer.html'), peerPage);

const server = await serve(undefined, {
  '/shared/': `${SHARED}/`,
  '/bench/': `${path.join(ROOT, 'target', 'bench')}/`,
});
const browser = await launch({ webgpu: false });

const sets = {
  demo: { rows: 15_000, url: 'demo/vectors.f16.npy', meta: 'demo/meta.jsonl' },
  wordnet: { rows: ROWS, url: 'shared/wordnet/vectors.f16.npy', meta: 'shared/wordnet/meta.jsonl' },
};

function save(set, who, seconds, layout, epochs) {
  fs.writeFileSync(path.join(OUT, `${set}-${who}.f32`), Buffer.from(new Float32Array(layout).buffer));
  fs.writeFileSync(path.join(OUT, `${set}-${who}.json`), JSON.stringify({ set, who, rows: layout.length / 2, seconds, epochs }));
  console.log(JSON.stringify({ set, who, rows: layout.length / 2, epochs, seconds: Number(seconds.toFixed(2)) }));
}

for (const name of SETS) {
  const set = sets[name];
  // Ours: the page's own UMAP, on the CPU, with umap-learn's epochs (200 here) and, as a
  // quality-matched point, with 300.
  for (const [who, extra] of [['vecscape', ''], ['vecscape-300-epochs', '&epochs=300']]) {
    const page = await openApp(browser, `${server.url}?backend=cpu&data=${set.url}&meta=${set.meta}&maxRows=${set.rows}&projection=umap${extra}`);
    await page.waitForFunction(() => /UMAP 2-D .* in [\d.]+ s/.test(document.querySelector('#status').innerText)
      && document.querySelector('#app').dataset.map === 'ready', undefined, { timeout: 900_000 });
    const status = await page.locator('#status').innerText();
    const seconds = Number(status.match(/UMAP 2-D .* in ([\d.]+) s/)[1]);
    const epochs = Number(status.match(/(\d+) epochs/)[1]);
    save(name, who, seconds, await page.evaluate(() => Array.from(window.vecscapeTest.worldPositions())), epochs);
    await page.close();
  }

  // The peer, in the same browser.
  const peer = await browser.newPage();
  await peer.goto(`${server.url}bench/umap_page_peer.html`);
  await peer.waitForFunction(() => window.peerReady === true);
  const result = await peer.evaluate(([url, rows]) => window.runPeer(url, rows), [`${server.url}${set.url}`, set.rows]);
  save(name, 'embedding-atlas', result.seconds, result.layout, result.epochs);
  await peer.close();
}
await browser.close();
await server.close();
