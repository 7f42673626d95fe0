// Benchmarks (not tests): the WebGPU compute kernels against our wasm SIMD kernels in one
// headless Chromium run (WebGPU on SwiftShader here: a CPU emulation, so the ratio says how the
// paths compare on this machine, not what a real GPU does). For each N (d = 384, synthetic data
// generated in the page): exact top-10 cosine kNN per query and 2-D PCA with projection.
//
//   node tests/bench/gpu_bench.mjs [--rows 10000,100000,1000000] [--dims 384]
import { ROOT, serve, launch } from '../../web/e2e/harness.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const SIZES = (args.rows ?? '10000,100000,1000000').split(',').map(Number);
const DIMS = Number(args.dims ?? 384);
void ROOT;

const server = await serve();
try {
  const browser = await launch({ webgpu: true });
  const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await p.goto(`${server.url}?bench`);
  await p.waitForSelector('#app[data-state="ready"]', { timeout: 600_000 });
  const backend = await p.getAttribute('#status', 'data-backend');
  if (backend !== 'webgpu') throw new Error(`WebGPU is not live: ${await p.locator('#status').innerText()}`);
  const rows = [];
  for (const n of SIZES) {
    // Fewer timed queries where a scan takes seconds (SwiftShader at 1M).
    const options = { rows: n, dims: DIMS, cpu_queries: n >= 1_000_000 ? 5 : 20, gpu_queries: n >= 1_000_000 ? 2 : 5 };
    const out = JSON.parse(await p.evaluate((o) => window.vecscapeBench.scaling(JSON.stringify(o)), options));
    if (out.error) throw new Error(`N = ${n}: ${out.error}`);
    rows.push(out);
    const { knn, pca } = out;
    console.log(`N = ${n} × ${DIMS} (${out.adapter}; data made in ${(out.generate_ms / 1000).toFixed(1)} s)`);
    console.log(`  kNN top-10 cosine, per query: wasm SIMD ${knn.cpu_ms_per_query.toFixed(1)} ms, WebGPU ${knn.gpu_ms_per_query.toFixed(1)} ms` +
      ` (upload ${knn.gpu_upload_ms.toFixed(0)} ms) → GPU/SIMD speed ratio ${(knn.cpu_ms_per_query / knn.gpu_ms_per_query).toFixed(2)}×; same ids: ${knn.same_ids}`);
    console.log(`  PCA 2-D + projection: wasm SIMD (exact) ${pca.cpu_ms.toFixed(0)} ms, WebGPU (randomized) ${pca.gpu_ms.toFixed(0)} ms` +
      ` → ratio ${(pca.cpu_ms / pca.gpu_ms).toFixed(2)}×; subspace sin ${pca.subspace_sin.toExponential(1)}`);
  }
  console.log('\nscaling (ms): N | kNN SIMD | kNN GPU | PCA SIMD | PCA GPU');
  for (const r of rows) {
    console.log(`${r.rows} | ${r.knn.cpu_ms_per_query.toFixed(1)} | ${r.knn.gpu_ms_per_query.toFixed(1)} | ${r.pca.cpu_ms.toFixed(0)} | ${r.pca.gpu_ms.toFixed(0)}`);
  }
  await browser.close();
} finally {
  await server.close();
}
