// UMAP in the page (computed in the worker, exact neighbours): the layout keeps each point's
// neighbours far better than PCA does (measured here against a brute force over the vectors),
// forms progressively, is the same for the same seed, follows its controls, becomes the layout
// by itself for data of a readable size, and leaves the layout as it was when it cannot run.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openApp, demoVectors, demoMeta, pageErrors } from '../../web/e2e/harness.mjs';

const ROWS = 2000;
const demo = demoVectors();
const vectors = { rows: ROWS, cols: demo.cols, data: demo.data.subarray(0, ROWS * demo.cols) };
const labels = demoMeta().slice(0, ROWS).map((m) => m.label);

/** Each row's k nearest other rows by cosine in the original space (brute force). */
function cosineNeighbours({ rows, cols, data }, k) {
  const unit = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let c = 0; c < cols; c++) n += data[r * cols + c] ** 2;
    n = Math.sqrt(n) || 1;
    for (let c = 0; c < cols; c++) unit[r * cols + c] = data[r * cols + c] / n;
  }
  return Array.from({ length: rows }, (_, q) => {
    const scored = [];
    for (let r = 0; r < rows; r++) {
      if (r === q) continue;
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += unit[r * cols + c] * unit[q * cols + c];
      scored.push([dot, r]);
    }
    scored.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    return scored.slice(0, k).map(([, r]) => r);
  });
}

/** Each point's k nearest other points on the map (x/y interleaved). */
function mapNeighbours(xy, k) {
  const n = xy.length / 2;
  return Array.from({ length: n }, (_, q) => {
    const scored = [];
    for (let r = 0; r < n; r++) if (r !== q) scored.push([Math.hypot(xy[2 * r] - xy[2 * q], xy[2 * r + 1] - xy[2 * q + 1]), r]);
    scored.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return scored.slice(0, k).map(([, r]) => r);
  });
}

/** Share of each point's k nearest in the original space that are among its k nearest on the map. */
function knnPreserved(truth, xy, k) {
  const onMap = mapNeighbours(xy, k);
  let kept = 0;
  truth.forEach((t, i) => { const m = new Set(onMap[i]); kept += t.filter((r) => m.has(r)).length; });
  return kept / (truth.length * k);
}

/** Share of each point's k nearest on the map that carry its label. */
function labelAgreement(xy, k) {
  const onMap = mapNeighbours(xy, k);
  let same = 0;
  onMap.forEach((m, i) => { same += m.filter((r) => labels[r] === labels[i]).length; });
  return same / (onMap.length * k);
}

const UMAP_DONE = /UMAP 2-D \((\d+) neighbours, min_dist ([\d.]+), (\d+) epochs, seed (\d+), (exact|NN-Descent|exact \(WebGPU\)) graph in (\d+) dims\) on (CPU|WebGPU) in [\d.]+ s/;

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch({ webgpu: false });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function waitForUmap(page) {
  await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('#status').innerText)
    && document.querySelector('#app').dataset.map === 'ready', UMAP_DONE.source, { timeout: 240_000 });
}

/** A browser context whose pages keep what the progress bar said in `window.__progress`, to see
 *  the epochs go by. */
async function recordingProgress(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    window.__progress = [];
    new MutationObserver(() => {
      const text = document.querySelector('#progress')?.innerText;
      if (text && window.__progress.at(-1) !== text) window.__progress.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  return context;
}

const world = (page) => page.evaluate(() => Array.from(window.vecscapeTest.worldPositions()));

describe('UMAP in the page', () => {
  let page;
  before(async () => {
    const context = await recordingProgress(browser);
    page = await openApp(context, `${server.url}?maxRows=${ROWS}&projection=umap`);
  });

  test('?projection=umap: the layout forms epoch by epoch, keeps neighbours PCA loses, and the map is rebuilt on it', async () => {
    await waitForUmap(page);
    const status = await page.locator('#status').innerText();
    const [, neighbours, minDist, epochs, seed, method, graphDims] = status.match(UMAP_DONE);
    // 2,000 rows: the exact graph, on the full 384 dimensions unless PCA first is asked for.
    assert.deepEqual([neighbours, minDist, epochs, seed, method, graphDims], ['15', '0.1', '500', '0', 'exact', '384'], status);
    const seen = await page.evaluate(() => window.__progress);
    assert.ok(seen.some((t) => /UMAP: neighbours of [\d,]+ \/ 2,000 rows/.test(t)), seen.join(' | '));
    assert.ok(seen.filter((t) => /UMAP: epoch \d+ \/ 500/.test(t)).length >= 2, `the epochs were not shown as they ran: ${seen.join(' | ')}`);
    const umap = await world(page);
    const pca = Array.from(await page.evaluate(() => window.vecscapeTest.cpuPca('auto')));
    assert.equal(umap.length, 2 * ROWS);
    const truth = cosineNeighbours(vectors, 10);
    const [kept, keptPca] = [knnPreserved(truth, umap, 10), knnPreserved(truth, pca, 10)];
    assert.ok(kept > 0.2 && kept > 3 * keptPca, `kNN@10 preserved: UMAP ${kept.toFixed(3)}, PCA ${keptPca.toFixed(3)}`);
    const [agree, agreePca] = [labelAgreement(umap, 10), labelAgreement(pca, 10)];
    assert.ok(agree > agreePca, `10-NN label agreement: UMAP ${agree.toFixed(3)}, PCA ${agreePca.toFixed(3)}`);
    console.log(`# ${ROWS} demo rows: kNN@10 preserved UMAP ${kept.toFixed(3)} vs PCA ${keptPca.toFixed(3)}; label agreement ${agree.toFixed(3)} vs ${agreePca.toFixed(3)}`);
    assert.ok(await page.locator('.map-label').count() > 0, 'no labels on the UMAP map');
    assert.equal(await page.locator('#projection').inputValue(), 'umap');
    // The legend and the colour menu count only the categories of the rows loaded.
    const present = new Map();
    for (const l of labels) present.set(l, (present.get(l) ?? 0) + 1);
    await page.locator('#legend').waitFor();
    const entries = await page.locator('#legend .legend-entry').evaluateAll((els) => els.map((e) => ({
      name: e.querySelector('.name').textContent, count: Number(e.querySelector('.count').textContent.replace(/,/g, '')),
    })));
    assert.deepEqual(entries.map((e) => e.name).sort(), [...present.keys()].sort());
    entries.forEach((e) => assert.equal(e.count, present.get(e.name), e.name));
    assert.equal(await page.locator('#color-by option[value="cat:label"]').innerText(), `label (${present.size} categories)`);
  });

  test('the same seed gives the same layout; the controls change what runs', async () => {
    const first = await world(page);
    await page.locator('#umap-rerun').click();
    await page.waitForFunction(() => document.querySelector('#progress')?.innerText.includes('UMAP'), undefined, { timeout: 60_000 });
    await waitForUmap(page);
    assert.deepEqual(await world(page), first, 'Re-run with the same settings');
    await page.fill('#umap-seed', '1');
    await page.fill('#umap-neighbors', '10');
    await page.fill('#umap-epochs', '120');
    await page.locator('#umap-epochs').press('Enter');
    await page.locator('#umap-reduce').check();
    await page.locator('#umap-rerun').click();
    await page.waitForFunction(() => /UMAP 2-D \(10 neighbours, min_dist 0\.1, 120 epochs, seed 1, exact graph in 50 dims\)/.test(document.querySelector('#status').innerText), undefined, { timeout: 240_000 });
    await waitForUmap(page);
    const other = await world(page);
    assert.notDeepEqual(other, first);
    // A value UMAP cannot take is not kept: the field shows the setting again.
    await page.fill('#umap-neighbors', '1');
    await page.locator('#umap-neighbors').press('Enter');
    await page.locator('#umap-seed').click();
    assert.equal(await page.locator('#umap-neighbors').inputValue(), '10');
  });

  test('a neighbour search still answers while UMAP runs', async () => {
    await page.locator('#umap-epochs').fill('');
    await page.locator('#umap-epochs').press('Enter');
    await page.locator('#umap-reduce').uncheck();
    await page.locator('#umap-rerun').click();
    await page.waitForFunction(() => /UMAP: epoch/.test(document.querySelector('#progress')?.innerText ?? ''), undefined, { timeout: 60_000 });
    const positions = await page.evaluate(() => Array.from(window.vecscapeTest.screenPositions().subarray(0, 2)));
    const box = await page.locator('#map').boundingBox();
    await page.mouse.click(box.x + positions[0], box.y + positions[1]);
    await page.locator('#neighbors').waitFor({ timeout: 20_000 });
    assert.ok(await page.locator('#progress').isVisible(), 'UMAP had finished before the search answered');
    await waitForUmap(page);
  });

  test('colour by faithfulness: a 0–1 scale, and the mean the status line gives is the one computed here', async () => {
    await waitForUmap(page);
    const FAITHFUL = /faithfulness ([\d.]+) \(mean share of each point's 10 nearest kept on the map\)/;
    const measured = async () => {
      await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('#status').innerText), FAITHFUL.source, { timeout: 120_000 });
      return Number((await page.locator('#status').innerText()).match(FAITHFUL)[1]);
    };
    await page.selectOption('#color-by', 'faithfulness');
    const mean = await measured();
    const truth = cosineNeighbours(vectors, 10);
    const expected = knnPreserved(truth, await world(page), 10);
    assert.ok(Math.abs(mean - expected) < 0.005, `page ${mean}, computed here ${expected.toFixed(4)}`);
    const legend = page.locator('#legend');
    assert.match(await legend.getAttribute('data-field'), /faithfulness/);
    assert.ok(await legend.locator('.legend-scale').isVisible());
    assert.match(await legend.locator('.legend-range').innerText(), /0[\s\S]*1/);
    // Another layout: measured again (the original space's neighbours are kept from before).
    await page.fill('#umap-epochs', '60');
    await page.locator('#umap-epochs').press('Enter');
    await page.locator('#umap-rerun').click();
    await page.waitForFunction(() => !/faithfulness [\d.]+ \(/.test(document.querySelector('#status').innerText), undefined, { timeout: 60_000 });
    await waitForUmap(page);
    const again = await measured();
    const expectedAgain = knnPreserved(truth, await world(page), 10);
    assert.ok(Math.abs(again - expectedAgain) < 0.005, `page ${again}, computed here ${expectedAgain.toFixed(4)}`);
    assert.equal(await page.locator('#color-by').inputValue(), 'faithfulness');
    console.log(`# faithfulness on ${ROWS} rows: ${mean} (500 epochs), ${again} (60 epochs)`);
  });
});

describe('UMAP as the default, and when it cannot run', () => {
  test('the demo (15,000 rows) shows PCA, then starts UMAP by itself; 500 rows stay on PCA', async () => {
    const page = await openApp(browser, server.url);
    try {
      assert.match(await page.locator('#status').innerText(), /PCA 2-D/);
      await page.waitForFunction(() => /UMAP: neighbours/.test(document.querySelector('#progress')?.innerText ?? ''), undefined, { timeout: 30_000 });
    } finally {
      await page.close();
    }
    const small = await openApp(browser, `${server.url}?maxRows=500`);
    try {
      await small.waitForSelector('#app[data-map=ready]', { timeout: 60_000 });
      await small.waitForTimeout(1500);
      assert.equal(await small.locator('#progress').count(), 0);
      assert.match(await small.locator('#status').innerText(), /500 points.*PCA 2-D/s);
    } finally {
      await small.close();
    }
  });

  test('too few rows for the neighbours: the reason is shown and the PCA layout stays', async () => {
    const page = await openApp(browser, `${server.url}?maxRows=12&projection=umap`);
    try {
      await page.waitForSelector('#error', { timeout: 30_000 });
      assert.match(await page.locator('#error').innerText(), /UMAP needs more rows than neighbours: 12 rows, 15 neighbours/);
      assert.match(await page.locator('#status').innerText(), /12 points.*PCA 2-D.*UMAP failed: UMAP needs more rows than neighbours/s);
      const pca = Array.from(await page.evaluate(() => window.vecscapeTest.cpuPca('auto')));
      assert.deepEqual(await world(page), pca);
    } finally {
      await page.close();
    }
  });
});

// With WebGPU present (SwiftShader): UMAP forms in the worker on the CPU path (`?backend=cpu`:
// the CPU renderer too) and with WebGPU live (`?backend=webgpu`: drawing, the exact neighbour
// graph and the other computations on it; the epochs in the worker).
for (const config of [
  { name: 'CPU path', query: 'backend=cpu', backend: /CPU \(wasm simd128\) · forced by \?backend=cpu/, graph: 'exact', epochs: 'CPU' },
  // The exact graph (all rows against all) and the epochs (umap_sgd.wgsl) on WebGPU.
  { name: 'WebGPU live', query: 'backend=webgpu', backend: /WebGPU/, graph: 'exact (WebGPU)', epochs: 'WebGPU' },
]) {
  describe(`UMAP with WebGPU present (${config.name})`, () => {
    let gpuBrowser;
    before(async () => { gpuBrowser = await launch({ webgpu: true }); });
    after(async () => { await gpuBrowser?.close(); });

    test('the points move as the epochs run, the layout keeps neighbours, faithfulness is coloured', async () => {
      const context = await recordingProgress(gpuBrowser);
      const page = await openApp(context, `${server.url}?${config.query}&maxRows=${ROWS}&projection=umap`);
      try {
        assert.match(await page.locator('#status').innerText(), config.backend);
        const pca = Array.from(await page.evaluate(() => window.vecscapeTest.cpuPca('auto')));
        await waitForUmap(page);
        const seen = await page.evaluate(() => window.__progress);
        assert.ok(seen.filter((t) => /UMAP: epoch \d+ \/ 500/.test(t)).length >= 2, seen.join(' | '));
        const status = await page.locator('#status').innerText();
        assert.equal(status.match(UMAP_DONE)[5], config.graph, status);
        assert.equal(status.match(UMAP_DONE)[7], config.epochs, status);
        const umap = await world(page);
        assert.notDeepEqual(umap, pca, 'the points did not move');
        const truth = cosineNeighbours(vectors, 10);
        const [kept, keptPca] = [knnPreserved(truth, umap, 10), knnPreserved(truth, pca, 10)];
        assert.ok(kept > 0.2 && kept > 3 * keptPca, `kNN@10 preserved: UMAP ${kept.toFixed(3)}, PCA ${keptPca.toFixed(3)}`);
        await page.selectOption('#color-by', 'faithfulness');
        await page.waitForFunction(() => /faithfulness [\d.]+ \(/.test(document.querySelector('#status').innerText), undefined, { timeout: 120_000 });
        assert.ok(await page.locator('#legend .legend-scale').isVisible());
        assert.deepEqual(pageErrors(page), []);
        console.log(`# ${config.name}: kNN@10 preserved UMAP ${kept.toFixed(3)} vs PCA ${keptPca.toFixed(3)}`);
      } finally {
        await context.close();
      }
    });
  });
}
