// End-to-end: the built app in headless Chromium, on each backend.
//   webgpu  — WebGPU on SwiftShader, compute there too (?backend=webgpu: SwiftShader is a CPU
//             emulation, which the page otherwise leaves to drawing; see the test below)
//   cpu     — the CPU rasteriser forced with ?backend=cpu (WebGPU present but unused)
//   nogpu   — a browser with no GPU at all: the app must fall back by itself
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  serve, launch, openApp, mapPixels, screenPositions, demoMeta, npyF32, differsFromBackground, demoVectors, cosineTopK, l2TopK, ROOT, pageErrors,
} from '../../web/e2e/harness.mjs';

const meta = demoMeta();
const vectors = demoVectors();
let server;
before(async () => { server = await serve(); });
after(async () => { await server?.close(); });

const CONFIGS = [
  // (PCA stays the layout: these tests check its positions; UMAP has its own tests.)
  { name: 'webgpu', webgpu: true, query: '?backend=webgpu&projection=pca', backend: 'webgpu', label: /^WebGPU.*forced by \?backend=webgpu/ },
  { name: 'cpu', webgpu: true, query: '?backend=cpu&projection=pca', backend: 'cpu', label: /^CPU \(wasm simd128\)/ },
  { name: 'nogpu', webgpu: false, query: '?projection=pca', backend: 'cpu', label: /^CPU \(wasm simd128\).*WebGPU unavailable/ },
];

/**
 * The values int8 storage keeps: per row, scale = max|x| / 127 and code = round(x / scale)
 * (half away from zero), in f32 arithmetic as the core does it; the value is code × scale.
 */
function int8Values({ rows, cols, data }) {
  const f = Math.fround;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * cols, (r + 1) * cols);
    const scale = f(row.reduce((m, v) => Math.max(m, Math.abs(v)), 0) / 127);
    const inv = scale > 0 ? f(1 / scale) : 0;
    for (let c = 0; c < cols; c++) {
      const x = f(row[c] * inv);
      const code = Math.max(-127, Math.min(127, Math.sign(x) * Math.round(Math.abs(x))));
      out[r * cols + c] = f(code * scale);
    }
  }
  return { rows, cols, data: out };
}

/** A point at least `gap` CSS px from every other point and from the map's edges. */
function isolatedPoint(positions, width, height, gap = 12) {
  const margin = 60;
  const order = positions.map((_, i) => i).sort((a, b) => (a * 7919) % 10007 - (b * 7919) % 10007);
  for (const i of order) {
    const [x, y] = positions[i];
    if (x < margin || y < margin || x > width - margin - 300 || y > height - margin - 120) continue;
    let ok = true;
    for (let j = 0; j < positions.length && ok; j++) {
      if (j !== i && Math.hypot(positions[j][0] - x, positions[j][1] - y) < gap) ok = false;
    }
    if (ok) return i;
  }
  return -1;
}

function assertPointsVisible(pixels, positions) {
  const inside = positions.filter(([x, y]) => x >= 2 && y >= 2 && x < pixels.width - 2 && y < pixels.height - 2);
  assert.ok(inside.length > 1000, `only ${inside.length} points on screen`);
  const sample = inside.filter((_, i) => i % Math.ceil(inside.length / 400) === 0);
  const lit = sample.filter(([x, y]) => differsFromBackground(pixels.at(x, y))).length;
  assert.ok(lit / sample.length > 0.95, `only ${lit}/${sample.length} sampled points drawn`);
  // Where no point is within 8 px, the background shows.
  let checked = 0;
  for (let y = 5; y < pixels.height - 5 && checked < 20; y += 37) {
    for (let x = 5; x < pixels.width - 5 && checked < 20; x += 41) {
      if (positions.some(([px, py]) => Math.abs(px - x) < 8 && Math.abs(py - y) < 8)) continue;
      assert.ok(!differsFromBackground(pixels.at(x, y), 6), `(${x}, ${y}) is not background: ${pixels.at(x, y)}`);
      checked++;
    }
  }
  assert.ok(checked > 0, 'no empty spot to check the background');
}

for (const cfg of CONFIGS) {
  describe(`backend ${cfg.name}`, () => {
    let browser;
    let page;
    before(async () => {
      browser = await launch({ webgpu: cfg.webgpu });
      page = await openApp(browser, server.url + cfg.query);
      // The pixel checks below look at points on a plain background: the map's own layers
      // (density bands, contour lines, labels) are tested on their own, then switched off.
      await page.waitForSelector('#app[data-map=ready]', { timeout: 180_000 });
      await page.locator('#layer-contours').uncheck();
      await page.locator('#layer-labels').uncheck();
      await page.locator('#layer-legend').uncheck();
    });
    after(async () => { await browser?.close(); });

    test('reaches ready with the demo and says which backend is live', async () => {
      const status = page.locator('#status');
      assert.equal(await status.getAttribute('data-backend'), cfg.backend);
      const text = await status.innerText();
      assert.match(text.trim(), cfg.label);
      assert.match(text, /15,000 points × 384 dims/);
      assert.equal(await page.locator('#progress').count(), 0, 'progress still shown');
    });

    test('the simd128 raster kernels and their scalar twins give identical bytes; the kNN kernels agree with their reference', async () => {
      assert.equal(await page.evaluate(() => window.vecscapeTest.rasterTwinsAgree()), true);
      // The kNN kernels as this build has them (simd128 here): every kernel (f32, f16, int8)
      // matches an f64 reference.
      assert.equal(await page.evaluate(() => window.vecscapeTest.knnKernelsAgree()), true);
    });

    test('draws the points where the data is', async () => {
      const positions = await screenPositions(page);
      assert.equal(positions.length, meta.length);
      const pixels = await mapPixels(page, `map-${cfg.name}.png`);
      assertPointsVisible(pixels, positions);
    });

    test('hovering a known point shows its text and category', async () => {
      const positions = await screenPositions(page);
      const box = await page.locator('#map').boundingBox();
      const row = isolatedPoint(positions, box.width, box.height);
      assert.ok(row >= 0, 'no isolated point found');
      await page.mouse.move(box.x + positions[row][0], box.y + positions[row][1]);
      const tooltip = page.locator('#tooltip');
      await tooltip.waitFor({ timeout: 10_000 });
      assert.equal(await tooltip.getAttribute('data-row'), String(row));
      assert.equal(await tooltip.locator('.tooltip-text').innerText(), meta[row].text);
      assert.equal(await tooltip.locator('.tooltip-category').innerText(), meta[row].label);
    });

    test('clicking a point lists its 10 exact nearest neighbours (cosine)', async () => {
      const positions = await screenPositions(page);
      const box = await page.locator('#map').boundingBox();
      const row = isolatedPoint(positions, box.width, box.height);
      assert.ok(row >= 0, 'no isolated point found');
      await page.mouse.click(box.x + positions[row][0], box.y + positions[row][1]);
      const panel = page.locator('#neighbors');
      await panel.waitFor({ timeout: 10_000 });
      assert.equal(await panel.getAttribute('data-row'), String(row));
      // On WebGPU the search runs on the GPU; otherwise on the wasm simd128 kernels.
      assert.equal(await panel.locator('.neighbors-title').getAttribute('data-device'), cfg.backend);
      const ids = await panel.locator('li').evaluateAll((items) => items.map((li) => Number(li.dataset.row)));
      const expected = cosineTopK(vectors, row, 10);
      assert.deepEqual(ids, expected.map(([, r]) => r));
      const scores = await panel.locator('li .score').allInnerTexts();
      scores.forEach((s, i) => assert.ok(Math.abs(Number(s) - expected[i][0]) < 5e-4, `${s} vs ${expected[i][0]}`));
      assert.equal(await panel.locator('li .text').first().innerText(), meta[expected[0][1]].text);
      // The clicked point is marked on the map.
      const marker = await page.locator('#selected-marker').boundingBox();
      // 16 px + 2 × 2 px border, pulled back 10 px: the ring's centre is the point.
      const mx = marker.x + marker.width / 2 - box.x;
      const my = marker.y + marker.height / 2 - box.y;
      assert.ok(Math.hypot(mx - positions[row][0], my - positions[row][1]) < 1.5, `marker at ${mx},${my}`);
      await panel.locator('.dismiss').click();
      assert.equal(await page.locator('#neighbors').count(), 0);
      await page.waitForFunction(() => !document.querySelector('#selected-marker'));
    });

    test('drag pans and the wheel zooms about the cursor', async () => {
      const box = await page.locator('#map').boundingBox();
      const before = await screenPositions(page);
      const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      await page.mouse.move(cx + 40, cy - 25, { steps: 4 });
      await page.mouse.up();
      const panned = await screenPositions(page);
      for (const i of [0, 123, 4567]) {
        assert.ok(Math.abs(panned[i][0] - before[i][0] - 40) < 0.01, `x of ${i}`);
        assert.ok(Math.abs(panned[i][1] - before[i][1] + 25) < 0.01, `y of ${i}`);
      }
      // Zoom in about the centre: distances from the anchor grow by the same factor for all points.
      await page.mouse.move(cx, cy);
      await page.mouse.wheel(0, -300);
      await page.waitForFunction(
        ([x0]) => Math.abs(window.vecscapeTest.screenPositions()[0] - x0) > 0.5, [panned[0][0]]);
      const zoomed = await screenPositions(page);
      // A zoom about a fixed point scales every distance by the same factor…
      const dist = (ps, i, j) => Math.hypot(ps[i][0] - ps[j][0], ps[i][1] - ps[j][1]);
      const factor = dist(zoomed, 0, 4567) / dist(panned, 0, 4567);
      assert.ok(factor > 1.2, `zoom factor ${factor}`);
      for (const [i, j] of [[0, 123], [123, 9000], [4567, 9000]]) {
        const f = dist(zoomed, i, j) / dist(panned, i, j);
        assert.ok(Math.abs(f - factor) < 1e-3, `factor between ${i} and ${j}: ${f} vs ${factor}`);
      }
      // …and that fixed point is the cursor (the browser may round it to a whole pixel).
      const fixed = [0, 1].map((k) => (zoomed[0][k] - factor * panned[0][k]) / (1 - factor));
      assert.ok(Math.hypot(fixed[0] - box.width / 2, fixed[1] - box.height / 2) < 1, `zoomed about ${fixed}`);
      assertPointsVisible(await mapPixels(page), zoomed);
      await page.locator('button', { hasText: 'Reset view' }).click();
      const reset = await screenPositions(page);
      assert.ok(Math.abs(reset[0][0] - before[0][0]) < 0.01 && Math.abs(reset[0][1] - before[0][1]) < 0.01,
        `reset ${reset[0]} vs before ${before[0]}; box ${JSON.stringify(box)} now ${JSON.stringify(await page.locator('#map').boundingBox())}`);
    });

    test('a two-finger pinch zooms', async () => {
      const before = await screenPositions(page);
      const box = await page.locator('#map').boundingBox();
      const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
      await page.evaluate(([x, y]) => {
        const map = document.querySelector('#map');
        const fire = (type, id, px) => map.dispatchEvent(new PointerEvent(type, {
          pointerId: id, clientX: px, clientY: y, bubbles: true, pointerType: 'touch', isPrimary: id === 1,
        }));
        fire('pointerdown', 1, x - 50);
        fire('pointerdown', 2, x + 50);
        fire('pointermove', 2, x + 100); // fingers 100 px apart → 150 px apart
        fire('pointerup', 1, x - 50);
        fire('pointerup', 2, x + 100);
      }, [cx, cy]);
      const after = await screenPositions(page);
      const spread = (ps) => Math.hypot(ps[0][0] - ps[4567][0], ps[0][1] - ps[4567][1]);
      assert.ok(Math.abs(spread(after) / spread(before) - 1.5) < 1e-3, `pinch factor ${spread(after) / spread(before)}`);
      await page.locator('button', { hasText: 'Reset view' }).click();
    });

    test('PCA runs on this backend: on WebGPU it matches its CPU twin, on the CPU it is the CPU fit', async () => {
      const device = cfg.backend === 'webgpu' ? 'WebGPU' : 'CPU';
      const text = await page.locator('#status').innerText();
      assert.match(text, new RegExp(`PCA 2-D \\(\\d+\\.\\d % of variance\\) on ${device} in \\d+ ms`));
      const [shown, twin] = await page.evaluate(async (solver) => [
        Array.from(window.vecscapeTest.worldPositions()),
        Array.from(await window.vecscapeTest.cpuPca(solver)),
      ], cfg.backend === 'webgpu' ? 'randomized' : 'auto');
      assert.equal(shown.length, twin.length);
      const scale = Math.max(...twin.map(Math.abs));
      let worst = 0;
      for (let i = 0; i < twin.length; i++) worst = Math.max(worst, Math.abs(shown[i] - twin[i]) / scale);
      if (cfg.backend === 'webgpu') {
        // Components within 1e-3 of the twin's; the products are summed in another order.
        assert.ok(worst < 2e-3, `GPU PCA vs its CPU twin: worst relative difference ${worst}`);
      } else {
        assert.equal(worst, 0, 'the CPU path is the CPU fit itself');
      }
    });

    test('the projection chooser re-projects (random projection on this backend) and returns to PCA', async () => {
      const pca = await page.evaluate(() => Array.from(window.vecscapeTest.worldPositions()));
      for (const [method, label] of [['gaussian-rp', 'Gaussian'], ['sparse-rp', 'sparse']]) {
        await page.selectOption('#projection', method);
        const device = cfg.backend === 'webgpu' ? 'WebGPU' : 'CPU';
        await page.waitForFunction(
          (re) => new RegExp(re).test(document.querySelector('#status').innerText),
          `${label} random projection 2-D on ${device} in \\d+ ms`, { timeout: 60_000 });
        const [shown, twin] = await page.evaluate(async (m) => [
          Array.from(window.vecscapeTest.worldPositions()),
          Array.from(await window.vecscapeTest.cpuRandomProjection(m)),
        ], method);
        assert.equal(shown.length, twin.length);
        const scale = Math.max(...twin.map(Math.abs));
        let worst = 0;
        for (let i = 0; i < twin.length; i++) worst = Math.max(worst, Math.abs(shown[i] - twin[i]) / scale);
        // The GPU's tiled product sums in another order than the CPU twin: 1e-4 relative.
        assert.ok(worst < 1e-4, `${method}: worst relative difference ${worst}`);
        if (cfg.backend !== 'webgpu') assert.equal(worst, 0, 'the CPU path is the twin itself');
        assert.ok(shown.some((v, i) => Math.abs(v - pca[i]) > 1e-3), 'positions did not change');
        assertPointsVisible(await mapPixels(page), await screenPositions(page));
      }
      await page.selectOption('#projection', 'pca');
      // On WebGPU this is the randomized solver on SwiftShader, a CPU emulation: tens of seconds.
      await page.waitForFunction(() => /PCA 2-D \(\d+\.\d % of variance\)/.test(document.querySelector('#status').innerText),
        undefined, { timeout: 180_000 });
      const back = await page.evaluate(() => Array.from(window.vecscapeTest.worldPositions()));
      assert.deepEqual(back, pca, 'PCA again gives the same layout');
      assert.equal(await page.locator('#projection option[value=precomputed]').evaluate((o) => o.disabled), true,
        'the demo has no precomputed x/y');
    });

    test('the metric chooser: L2 neighbours equal a brute force here, and the panel names the metric', async () => {
      await page.selectOption('#metric', 'l2');
      const positions = await screenPositions(page);
      const box = await page.locator('#map').boundingBox();
      const row = isolatedPoint(positions, box.width, box.height);
      await page.mouse.click(box.x + positions[row][0], box.y + positions[row][1]);
      const panel = page.locator('#neighbors');
      await panel.waitFor({ timeout: 10_000 });
      const title = panel.locator('.neighbors-title');
      assert.match(await title.innerText(), /10 nearest · l2, exact on (WebGPU|CPU)/);
      assert.equal(await title.getAttribute('data-device'), cfg.backend);
      const ids = await panel.locator('li').evaluateAll((items) => items.map((li) => Number(li.dataset.row)));
      const expected = l2TopK(vectors, row, 10);
      assert.deepEqual(ids, expected.map(([, r]) => r));
      const scores = await panel.locator('li .score').allInnerTexts();
      scores.forEach((s, i) => assert.ok(Math.abs(Number(s) - expected[i][0]) < 1e-3 * Math.max(1, expected[i][0]), `${s} vs ${expected[i][0]}`));
      await panel.locator('.dismiss').click();
      await page.selectOption('#metric', 'cosine');
    });

    test('the map: keyword labels that never overlap, a finer level when zoomed, layer toggles', async () => {
      const words = new Set(meta.flatMap((m) => m.text.toLowerCase().match(/[\p{L}\p{N}_]{2,}/gu) ?? []));
      await page.locator('#layer-labels').check();
      await page.waitForFunction(() => document.querySelectorAll('#labels .map-label:not(.leaving)').length > 3);
      const labels = () => page.locator('#labels .map-label:not(.leaving)').evaluateAll((els) => els.map((e) => {
        const r = e.getBoundingClientRect();
        return { text: e.textContent, html: e.innerHTML, level: Number(e.dataset.level), box: [r.left, r.top, r.right, r.bottom] };
      }));
      const first = await labels();
      assert.ok(first.length <= 24, `${first.length} labels, more than the slider allows`);
      const level0 = Number(await page.locator('#labels').getAttribute('data-level'));
      for (const l of first) {
        assert.equal(l.level, level0);
        assert.match(l.text, /^[\p{L}\p{N}_]+(-[\p{L}\p{N}_]+){0,3}$/u, 'up to 4 words joined by -');
        for (const w of l.text.split('-')) assert.ok(words.has(w), `"${w}" is not a word of the texts`);
        assert.equal(l.html, l.text, 'labels are text, not markup');
      }
      for (let i = 0; i < first.length; i++) {
        for (let j = i + 1; j < first.length; j++) {
          const [a, b] = [first[i].box, first[j].box];
          assert.ok(!(a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5),
            `"${first[i].text}" overlaps "${first[j].text}"`);
        }
      }
      // The slider limits how many are placed.
      await page.locator('#label-count').fill('3');
      await page.waitForFunction(() => document.querySelectorAll('#labels .map-label:not(.leaving)').length <= 3);
      await page.locator('#label-count').fill('24');
      // Zooming in about the centre moves to a finer quadtree level with other labels.
      const box = await page.locator('#map').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let i = 0; i < 8; i++) {
        await page.mouse.wheel(0, -400);
        if (Number(await page.locator('#labels').getAttribute('data-level')) > level0) break;
      }
      await page.waitForFunction((l0) => Number(document.querySelector('#labels').dataset.level) > l0, level0);
      await page.waitForFunction(() => document.querySelectorAll('#labels .map-label:not(.leaving)').length > 0);
      const zoomed = await labels();
      assert.ok(zoomed.every((l) => l.level > level0), 'labels of the finer level');
      // The coarser level's labels faded out and are gone.
      await page.waitForFunction((l0) => ![...document.querySelectorAll('#labels .map-label')]
        .some((e) => Number(e.dataset.level) === l0), level0, { timeout: 5_000 });
      await page.locator('button', { hasText: 'Reset view' }).click();
      await page.waitForFunction((l0) => Number(document.querySelector('#labels').dataset.level) === l0, level0);
      // The summaries export as WizMap's grid.json.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('#export-grid').click(),
      ]);
      const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
      assert.equal(download.suggestedFilename(), 'grid.json');
      assert.equal(exported.grid.length, 200);
      assert.equal(exported.totalPointSize, meta.length);
      const levels = Object.keys(exported.topic.data).map(Number);
      assert.ok(levels.includes(level0), `exported levels ${levels}`);
      const exportedNames = new Set(exported.topic.data[level0].map((t) => t[2]));
      for (const l of first) assert.ok(exportedNames.has(l.text), `"${l.text}" not in the export`);
      // The tile grid follows the level's tiles.
      await page.locator('#layer-grid').check();
      await page.locator('#tile-grid').waitFor();
      const size = await page.locator('#tile-grid').evaluate((e) => e.style.backgroundSize);
      assert.match(size, /^\d+(\.\d+)?px \d+(\.\d+)?px$/);
      await page.locator('#layer-grid').uncheck();
      await page.waitForFunction(() => !document.querySelector('#tile-grid'));
      // Density bands and contour lines: with points and labels hidden, the map is tinted where
      // the data is dense and plain without the contour layer.
      await page.locator('#layer-labels').uncheck();
      await page.locator('#layer-points').uncheck();
      await page.locator('#layer-contours').check();
      const tinted = async (debug = false) => {
        const pixels = await mapPixels(page);
        let n = 0;
        // Not the outermost rows and columns: the screenshot may take in a border there.
        for (let y = 4; y < pixels.height - 4; y += 9) {
          for (let x = 4; x < pixels.width - 4; x += 9) {
            if (differsFromBackground(pixels.at(x, y), 6)) {
              n++;
              if (debug && process.env.DEBUG_PIXELS) console.log('tinted', x, y, pixels.at(x, y));
            }
          }
        }
        return n;
      };
      const withContours = await tinted();
      await mapPixels(page, `contours-${cfg.name}.png`);
      await page.locator('#layer-contours').uncheck();
      const without = await tinted(true);
      assert.ok(withContours > 300, `only ${withContours} sampled pixels tinted by the density`);
      assert.equal(without, 0, 'nothing drawn with every layer off');
      await page.locator('#layer-points').check();
      const device = cfg.backend === 'webgpu' ? 'WebGPU' : 'CPU';
      assert.match(await page.locator('#status').innerText(),
        new RegExp(`map: levels \\d+–\\d+, 12 contours \\(density on ${device}\\) in \\d+ ms`));
    });

    test('colour by a field: the legend lists categories, a click hides one, a numeric field gets a scale', async () => {
      await page.locator('#layer-legend').check();
      const legend = page.locator('#legend');
      await legend.waitFor();
      assert.equal(await legend.getAttribute('data-field'), 'label');
      assert.equal(await page.locator('#color-by').inputValue(), 'cat:label');
      // Entries: the most frequent categories first, with their counts from the data.
      const counts = new Map();
      for (const m of meta) counts.set(m.label, (counts.get(m.label) ?? 0) + 1);
      const entries = await legend.locator('.legend-entry').evaluateAll((els) => els.map((e) => ({
        name: e.querySelector('.name').textContent, count: Number(e.querySelector('.count').textContent.replace(/,/g, '')),
      })));
      const expected = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40);
      assert.equal(entries.length, Math.min(40, counts.size));
      entries.forEach((e, i) => assert.equal(e.count, counts.get(e.name), e.name));
      assert.equal(entries[0].count, expected[0][1]);
      // Hide the largest category: its points vanish from the map, the others stay.
      await page.locator('#layer-legend').uncheck();
      const positions = await screenPositions(page);
      const box = await page.locator('#map').boundingBox();
      const big = entries[0].name;
      const isolated = (want) => {
        const rows = positions.map((_, i) => i).filter((i) => (meta[i].label === big) === want);
        return rows.find((i) => {
          const [x, y] = positions[i];
          if (x < 20 || y < 20 || x > box.width - 20 || y > box.height - 20) return false;
          return !positions.some(([px, py], j) => j !== i && Math.hypot(px - x, py - y) < 10);
        });
      };
      const hiddenRow = isolated(true);
      const keptRow = isolated(false);
      assert.ok(hiddenRow !== undefined && keptRow !== undefined, 'no isolated points to look at');
      await page.locator('#layer-legend').check();
      await page.locator(`#legend .legend-entry:has(.name:text-is("${big}"))`).click();
      await page.waitForSelector('#legend .legend-entry.off');
      await page.locator('#layer-legend').uncheck();
      await page.waitForFunction(() => !document.querySelector('#legend'));
      const pixels = await mapPixels(page);
      const at = (row) => pixels.at(positions[row][0], positions[row][1]);
      assert.ok(!differsFromBackground(at(hiddenRow), 6), `hidden row ${hiddenRow} still drawn: ${at(hiddenRow)}`);
      assert.ok(differsFromBackground(at(keptRow)), `row ${keptRow} vanished`);
      // Show it again.
      await page.locator('#layer-legend').check();
      await page.locator(`#legend .legend-entry:has(.name:text-is("${big}"))`).click();
      await page.waitForFunction(() => !document.querySelector('#legend .legend-entry.off'));
      // One colour: no legend.
      await page.selectOption('#color-by', 'none');
      await page.waitForFunction(() => !document.querySelector('#legend'));
      await page.selectOption('#color-by', 'cat:label');
      await legend.waitFor();
      await page.locator('#layer-legend').uncheck();
    });

    test('colour by faithfulness: a 0–1 scale, and the PCA layout keeps few of each point\'s neighbours', async () => {
      await page.locator('#layer-legend').check();
      await page.selectOption('#color-by', 'faithfulness');
      const FAITHFUL = /faithfulness ([\d.]+) \(mean share of each point's 10 nearest kept on the map\)/;
      await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('#status').innerText), FAITHFUL.source, { timeout: 180_000 });
      const mean = Number((await page.locator('#status').innerText()).match(FAITHFUL)[1]);
      // On the 15,000 demo glosses a linear layout keeps well under a tenth (UMAP: 0.11–0.15).
      assert.ok(mean > 0 && mean < 0.08, `PCA faithfulness ${mean}`);
      const legend = page.locator('#legend');
      await page.waitForFunction(() => /faithfulness/.test(document.querySelector('#legend')?.dataset.field ?? ''));
      assert.ok(await legend.locator('.legend-scale').isVisible());
      assert.match(await legend.locator('.legend-range').innerText(), /0[\s\S]*1/);
      // The points are still drawn (in the scale's colours); the screenshot is kept to look at.
      const pixels = await mapPixels(page, `faithfulness-${cfg.name}.png`);
      const drawn = (await screenPositions(page)).slice(0, 500)
        .filter(([x, y]) => x > 0 && y > 0 && x < pixels.width && y < pixels.height)
        .filter(([x, y]) => differsFromBackground(pixels.at(x, y))).length;
      assert.ok(drawn > 200, `${drawn} of 500 points drawn`);
      await page.selectOption('#color-by', 'cat:label');
      await page.waitForFunction(() => document.querySelector('#legend')?.dataset.field === 'label');
      await page.locator('#layer-legend').uncheck();
    });

    test('a truncated .npy shows an error naming the file and keeps the map', async () => {
      const good = npyF32(2, 3, [1, 2, 3, 4, 5, 6]);
      const truncated = good.subarray(0, good.length - 7);
      await page.setInputFiles('#file-input', [
        { name: 'broken.npy', mimeType: 'application/octet-stream', buffer: truncated },
      ]);
      const error = page.locator('#error');
      await error.waitFor({ timeout: 10_000 });
      const message = await error.innerText();
      assert.match(message, /broken\.npy: byte 128: data truncated/);
      assert.equal(await page.locator('#app').getAttribute('data-state'), 'ready');
      assert.match(await page.locator('#status').innerText(), /15,000 points/);
      assertPointsVisible(await mapPixels(page), await screenPositions(page));
      await page.locator('#error .dismiss').click();
    });

    test('a JSONL line that is not JSON names the file, line and column', async () => {
      const vectors = npyF32(2, 3, [1, 2, 3, 4, 5, 6]);
      const jsonl = Buffer.from('{"text":"fine"}\n{"text": nope}\n');
      await page.setInputFiles('#file-input', [
        { name: 'v.npy', mimeType: 'application/octet-stream', buffer: vectors },
        { name: 'bad.jsonl', mimeType: 'application/x-ndjson', buffer: jsonl },
      ]);
      const error = page.locator('#error');
      await error.waitFor({ timeout: 10_000 });
      assert.match(await error.innerText(), /bad\.jsonl: line 2, column 11: not valid JSON: expected ident/);
      assert.match(await page.locator('#status').innerText(), /15,000 points/);
      await page.locator('#error .dismiss').click();
    });

    // Last: it leaves this page on the CPU.
    test('memory: ?storage=f16 keeps the same neighbours (the demo is f16), the chooser moves to int8 and its neighbours are exact for the codes', async () => {
      const url = server.url + (cfg.query ? `${cfg.query}&` : '?') + 'storage=f16';
      const p = await openApp(browser, url);
      try {
        const status = p.locator('#status');
        assert.match(await status.innerText(), /15,000 points × 384 dims · f16, 11\.5 MB/);
        assert.equal(await p.locator('#storage').inputValue(), 'f16');
        const click = async (reference) => {
          const positions = await screenPositions(p);
          const box = await p.locator('#map').boundingBox();
          const row = isolatedPoint(positions, box.width, box.height);
          assert.ok(row >= 0, 'no isolated point found');
          await p.mouse.click(box.x + positions[row][0], box.y + positions[row][1]);
          const panel = p.locator('#neighbors');
          await panel.waitFor({ timeout: 10_000 });
          assert.equal(await panel.locator('.neighbors-title').getAttribute('data-device'), cfg.backend);
          const ids = await panel.locator('li').evaluateAll((items) => items.map((li) => Number(li.dataset.row)));
          const expected = cosineTopK(reference, row, 10);
          assert.deepEqual(ids, expected.map(([, r]) => r));
          const scores = await panel.locator('li .score').allInnerTexts();
          scores.forEach((s, i) => assert.ok(Math.abs(Number(s) - expected[i][0]) < 5e-4, `${s} vs ${expected[i][0]}`));
          await panel.locator('.dismiss').click();
        };
        await click(vectors);
        await p.locator('#storage').selectOption('int8');
        await p.waitForFunction(() => /int8, 5\.8 MB/.test(document.querySelector('#status').textContent));
        await click(int8Values(vectors));
        assert.deepEqual(p.errors, []);
      } finally {
        await p.close();
      }
    });

    test('a lost WebGPU device: drawing and search go on on the CPU, nothing is lost', { skip: cfg.backend !== 'webgpu' }, async () => {
      // Let pending resize notices land first (headless Chromium delivers them with the next
      // rendered frame, e.g. after the error banner above went away).
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const positions = await screenPositions(page);
      assert.equal(await page.evaluate(() => window.vecscapeTest.loseGpuDevice()), true);
      await page.waitForSelector('#status[data-backend="cpu"]', { timeout: 20_000 });
      assert.match(await page.locator('#status').innerText(), /^CPU \(wasm simd128\) · the WebGPU device was lost \(Destroyed/);
      // The worker's own notice reaches the console through its logger.
      for (let i = 0; i < 50 && !page.warnings.some((w) => /vecscape_worker::compute: the worker's WebGPU device was lost/.test(w)); i++) {
        await page.waitForTimeout(100);
      }
      assert.ok(page.warnings.some((w) => /vecscape_worker::compute: the worker's WebGPU device was lost/.test(w)), page.warnings.join(' | '));
      // Same data, same view, same map.
      const sizes = () => page.evaluate(() => ['#map-gpu', '#map-cpu', '#map'].map((sel) => {
        const el = document.querySelector(sel);
        return `${sel} ${el.width}x${el.height} css ${el.clientWidth}x${el.clientHeight}`;
      }).join('; '));
      assert.deepEqual(await screenPositions(page), positions, await sizes());
      assert.equal(await page.getAttribute('#app', 'data-map'), 'ready');
      assert.match(await page.locator('#status').innerText(), /15,000 points/);
      assertPointsVisible(await mapPixels(page), positions);
      // Neighbours now come from the CPU, and are still exact.
      const box = await page.locator('#map').boundingBox();
      const row = isolatedPoint(positions, box.width, box.height);
      await page.mouse.click(box.x + positions[row][0], box.y + positions[row][1]);
      const panel = page.locator('#neighbors');
      await panel.waitFor({ timeout: 10_000 });
      assert.equal(await panel.locator('.neighbors-title').getAttribute('data-device'), 'cpu');
      const ids = await panel.locator('li').evaluateAll((items) => items.map((li) => Number(li.dataset.row)));
      assert.deepEqual(ids, cosineTopK(vectors, row, 10).map(([, r]) => r));
      await panel.locator('.dismiss').click();
    });
  });
}

describe('a CPU-emulated WebGPU adapter draws but leaves compute to the CPU', () => {
  let browser;
  before(async () => { browser = await launch({ webgpu: true }); });
  after(async () => { await browser?.close(); });

  test('without ?backend=webgpu the status says so and neighbours are found on the CPU, exactly', async () => {
    const page = await openApp(browser, server.url + '?projection=pca');
    try {
      const status = page.locator('#status');
      assert.equal(await status.getAttribute('data-backend'), 'webgpu');
      const text = await status.innerText();
      assert.match(text, /^WebGPU .*compute on the CPU: the WebGPU adapter is a CPU emulation \(\?backend=webgpu uses it\)/);
      assert.match(text, /PCA 2-D \([\d.]+ % of variance\) on CPU/);
      const positions = await screenPositions(page);
      const box = await page.locator('#map').boundingBox();
      const row = isolatedPoint(positions, box.width, box.height);
      assert.ok(row >= 0, 'no isolated point found');
      await page.mouse.click(box.x + positions[row][0], box.y + positions[row][1]);
      const panel = page.locator('#neighbors');
      await panel.waitFor({ timeout: 10_000 });
      assert.equal(await panel.locator('.neighbors-title').getAttribute('data-device'), 'cpu');
      const ids = await panel.locator('li').evaluateAll((items) => items.map((li) => Number(li.dataset.row)));
      assert.deepEqual(ids, cosineTopK(vectors, row, 10).map(([, r]) => r));
      await page.waitForSelector('#app[data-map=ready]', { timeout: 180_000 });
      assert.match(await status.innerText(), /map: levels .*density on CPU/);
      // (A new browser asks for /favicon.ico once; the server has none.)
      assert.deepEqual(pageErrors(page), []);
    } finally {
      await page.close();
    }
  });
});

describe('a load that a newer load replaces', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch({ webgpu: false });
    page = await openApp(browser, server.url + '?backend=cpu');
  });
  after(async () => { await browser?.close(); });

  test('a load cancelled by a second load shows the second file and no error', async () => {
    // The first file (300,000 × 64 f32, 77 MB) is still being read when the second is opened.
    const rows = 300_000;
    const values = new Float32Array(rows * 64);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 0.37) + (i % 64) * 0.01;
    // Over playwright's 50 MB limit for a buffer: handed over as a file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecscape-e2e-'));
    const bigPath = path.join(dir, 'first-big.npy');
    fs.writeFileSync(bigPath, npyF32(rows, 64, values));
    const small = npyF32(50, 3, Array.from({ length: 150 }, (_, i) => Math.cos(i)));
    await page.setInputFiles('#file-input', bigPath);
    await page.waitForSelector('#progress', { timeout: 20_000 });
    await page.setInputFiles('#file-input', [
      { name: 'second-small.npy', mimeType: 'application/octet-stream', buffer: small },
    ]);
    await page.waitForFunction(() => /second-small\.npy · 50 points × 3 dims/.test(document.querySelector('#status').textContent), null, { timeout: 60_000 });
    await page.waitForSelector('#app[data-state=ready]');
    // Longer than the first file would take to finish: it must never replace the second.
    await page.waitForTimeout(6_000);
    assert.match(await page.locator('#status').innerText(), /second-small\.npy · 50 points × 3 dims/);
    assert.doesNotMatch(await page.locator('#status').innerText(), /first-big/);
    assert.equal(await page.locator('#error').count(), 0);
    assert.equal(await page.locator('#progress').count(), 0);
    assert.equal((await screenPositions(page)).length, 50);
    assert.deepEqual(pageErrors(page), []);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('Cancel on the progress bar', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch({ webgpu: false });
    page = await openApp(browser, server.url + '?backend=cpu&projection=pca');
    await page.waitForSelector('#app[data-map=ready]', { timeout: 120_000 });
  });
  after(async () => { await browser?.close(); });

  const world = () => page.evaluate(() => Array.from(window.vecscapeTest.worldPositions()));

  test('a cancelled UMAP puts the points back; a cancelled load keeps the map; the next load works', async () => {
    const pca = await world();
    const status = await page.locator('#status').innerText();
    // UMAP's epochs move the points; Cancel puts them back and the chooser says PCA again.
    await page.selectOption('#projection', 'umap');
    await page.waitForSelector('#progress:has-text("epoch")', { timeout: 120_000 });
    await page.waitForFunction((p) => window.vecscapeTest.worldPositions().some((v, i) => v !== p[i]), pca);
    assert.notDeepEqual(await world(), pca);
    await page.click('#cancel');
    await page.waitForSelector('#progress', { state: 'detached' });
    assert.deepEqual(await world(), pca);
    assert.equal(await page.inputValue('#projection'), 'pca');
    assert.match(await page.textContent('#link-note'), /Cancelled the projection/);
    await page.waitForSelector('#app[data-map=ready]', { timeout: 60_000 });
    // A long load cancelled: the demo stays, and the load never shows later.
    const rows = 300_000;
    const values = new Float32Array(rows * 64);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 0.37) + (i % 64) * 0.01;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecscape-e2e-'));
    const bigPath = path.join(dir, 'cancelled-big.npy');
    fs.writeFileSync(bigPath, npyF32(rows, 64, values));
    await page.setInputFiles('#file-input', bigPath);
    await page.waitForSelector('#progress', { timeout: 20_000 });
    await page.click('#cancel');
    await page.waitForSelector('#progress', { state: 'detached' });
    assert.match(await page.textContent('#link-note'), /Cancelled the load/);
    await page.waitForSelector('#app[data-state=ready]');
    await page.waitForTimeout(4_000);
    assert.equal(await page.locator('#status').innerText(), status);
    assert.deepEqual(await world(), pca);
    assert.equal(await page.locator('#error').count(), 0);
    // The next load works.
    const small = npyF32(50, 3, Array.from({ length: 150 }, (_, i) => Math.cos(i)));
    await page.setInputFiles('#file-input', [
      { name: 'after-cancel.npy', mimeType: 'application/octet-stream', buffer: small },
    ]);
    await page.waitForFunction(() => /after-cancel\.npy · 50 points × 3 dims/.test(document.querySelector('#status').textContent), null, { timeout: 60_000 });
    assert.equal((await world()).length, 100);
    assert.deepEqual(pageErrors(page), []);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('text from data is shown as text, never as HTML', () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch({ webgpu: false });
    page = await openApp(browser, server.url + '?backend=cpu');
  });
  after(async () => { await browser?.close(); });

  test('a label with markup appears literally', async () => {
    const markup = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    const vectors = npyF32(3, 4, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.5]);
    const jsonl = Buffer.from(
      [markup, 'second', 'third'].map((t) => JSON.stringify({ text: t, label: `<i>${t}</i>` })).join('\n'),
    );
    await page.setInputFiles('#file-input', [
      { name: 'x.npy', mimeType: 'application/octet-stream', buffer: vectors },
      { name: 'x.jsonl', mimeType: 'application/x-ndjson', buffer: jsonl },
    ]);
    await page.waitForFunction(() => document.querySelector('#status')?.innerText.includes('3 points'));
    const positions = await screenPositions(page);
    const box = await page.locator('#map').boundingBox();
    await page.mouse.move(box.x + positions[0][0], box.y + positions[0][1]);
    const tooltip = page.locator('#tooltip');
    await tooltip.waitFor({ timeout: 10_000 });
    assert.equal(await tooltip.locator('.tooltip-text').innerText(), markup);
    assert.equal(await tooltip.locator('img, b, i').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  test('a TF Projector bundle (tensors.tsv + metadata.tsv) opens', async () => {
    await page.setInputFiles('#file-input', [
      { name: 'tensors.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from('0.5\t-1\n2\t0.25\n3\t4\n1\t1\n') },
      { name: 'metadata.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from('word\tlabel\napple\tfruit\nkale\tveg\npear\tfruit\nleek\tveg\n') },
    ]);
    await page.waitForFunction(() => document.querySelector('#status')?.innerText.includes('4 points × 2 dims'));
    assert.match(await page.locator('#status').innerText(), /tensors\.tsv · 4 points × 2 dims/);
  });

  test('a CSV with a non-number where a number belongs names line and column', async () => {
    await page.setInputFiles('#file-input', [
      { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('text,x,y\na,1,2\nb,3,oops\n') },
    ]);
    const error = page.locator('#error');
    await error.waitFor({ timeout: 10_000 });
    assert.match(await error.innerText(), /bad\.csv: line 3, column 3: expected a number, found 'oops'/);
    assert.match(await page.locator('#status').innerText(), /4 points/);
    await page.locator('#error .dismiss').click();
  });
});

describe('?data= opens another file by URL', () => {
  let browser;
  before(async () => { browser = await launch({ webgpu: false }); });
  after(async () => { await browser?.close(); });

  test('vectors without metadata load, rows are named by number', async () => {
    const page = await openApp(browser, server.url + '?data=demo/vectors.f16.npy');
    assert.match(await page.locator('#status').innerText(), /vectors\.f16\.npy · 15,000 points × 384 dims/);
    await page.close();
  });

  test('a missing URL shows the HTTP error and names it', async () => {
    const page = await browser.newPage();
    await page.goto(server.url + '?data=demo/missing.npy');
    await page.waitForSelector('#app[data-state="failed"]', { timeout: 60_000 });
    assert.match(await page.locator('#error').innerText(), /demo\/missing\.npy: HTTP 404/);
    await page.close();
  });

  test('a missing ?grid= names the URL; the data still opens and the map is built in the page', async () => {
    const page = await openApp(browser, server.url + '?grid=demo/missing-grid.json');
    assert.match(await page.locator('#error').innerText(), /demo\/missing-grid\.json: HTTP 404/);
    await page.waitForSelector('#app[data-map=ready]', { timeout: 180_000 });
    assert.match(await page.locator('#status').innerText(), /15,000 points × 384 dims.*map: levels/s);
    await page.close();
  });
});

describe('a file over the memory budget (?memoryBudget=4M): the banner offers what fits', () => {
  let browser;
  before(async () => { browser = await launch({ webgpu: false }); });
  after(async () => { await browser?.close(); });

  test('the demo (23 MB as f32) is refused before allocating; "Load the first 2,730 rows" loads them; a picked file loads as f16', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url + '?backend=cpu&memoryBudget=4M');
    await page.waitForSelector('#app[data-state="failed"]', { timeout: 60_000 });
    const banner = page.locator('#error');
    // 15,000 × 384 × 4 bytes = 23 MB; int8 would still take 5.8 MB, so no storage is offered;
    // 4 MiB holds 2,730 rows of 1,536 bytes.
    assert.match(await banner.locator('.error-text').innerText(), /vectors\.f16\.npy: 15000 × 384 vectors need 23\.0 MB as f32, more than the memory budget of 4\.2 MB; load at most 2730 rows/);
    assert.equal(await page.locator('#budget-storage').count(), 0);
    assert.equal(await page.locator('#budget-rows').innerText(), 'Load the first 2,730 rows');
    await page.locator('#budget-rows').click();
    await page.waitForSelector('#app[data-state="ready"]', { timeout: 60_000 });
    assert.match(await page.locator('#status').innerText(), /vectors\.f16\.npy · 2,730 points × 384 dims · f32/);
    assert.equal(await page.locator('#error').count(), 0);
    // The status grows as the map's summaries arrive: wait for them so nothing is still on its way.
    await page.waitForFunction(() => document.querySelector('#status').innerText.includes('map: levels'), undefined, { timeout: 60_000 });
    const shownPoints = await page.evaluate(() => window.vecscapeTest.worldPositions().length);

    // A picked file of 3,000 × 384 f32 (4.6 MB): refused, what was shown stays; as f16 (2.3 MB) it fits.
    const values = Array.from({ length: 3000 * 384 }, (_, i) => Math.sin(i * 0.37) + ((i / 384) | 0) % 7);
    await page.setInputFiles('#file-input', [{ name: 'big.npy', mimeType: 'application/octet-stream', buffer: npyF32(3000, 384, values) }]);
    await banner.waitFor({ timeout: 30_000 });
    assert.match(await banner.locator('.error-text').innerText(), /big\.npy: 3000 × 384 vectors need 4\.6 MB as f32, more than the memory budget of 4\.2 MB; keep them as f16 \(2\.3 MB/);
    // What was shown stays: the same file in the status line, the same points on the map.
    assert.match(await page.locator('#status').innerText(), /vectors\.f16\.npy · 2,730 points × 384 dims/);
    assert.equal(await page.evaluate(() => window.vecscapeTest.worldPositions().length), shownPoints);
    assert.equal(await page.locator('#budget-storage').innerText(), 'Load as f16');
    assert.equal(await page.locator('#budget-rows').innerText(), 'Load the first 2,730 rows');
    await page.locator('#budget-storage').click();
    await page.waitForFunction(() => /big\.npy · 3,000 points × 384 dims · f16/.test(document.querySelector('#status').innerText), undefined, { timeout: 60_000 });
    assert.equal(await page.locator('#error').count(), 0);
    assert.equal(await page.locator('#storage').inputValue(), 'f16');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('a decoder that panics on a damaged file: the worker is replaced, the data shown opened again', () => {
  let browser;
  before(async () => { browser = await launch({ webgpu: false }); });
  after(async () => { await browser?.close(); });

  test('the banner names the file and why; the demo is reopened and answers a search', async () => {
    const page = await openApp(browser, server.url + '?backend=cpu&projection=pca');
    const status = () => page.locator('#status').innerText();
    await page.waitForFunction(() => document.querySelector('#status').innerText.includes('map: levels'), undefined, { timeout: 60_000 });
    // Found by fuzzing (fuzz/regressions/parquet/): a dictionary index past its dictionary panics
    // inside the parquet crate's decoder, which ends the worker's wasm instance.
    const damaged = fs.readFileSync(path.join(ROOT, 'fuzz', 'regressions', 'parquet', 'dictionary-index-past-dictionary')).subarray(1);
    await page.setInputFiles('#file-input', [{ name: 'damaged.parquet', mimeType: 'application/octet-stream', buffer: damaged }]);
    const banner = page.locator('#error');
    await banner.waitFor({ timeout: 30_000 });
    assert.match(
      await banner.locator('.error-text').innerText(),
      /^damaged\.parquet: the reader stopped on this file \(range start index 220 out of range for slice of length 130\)/,
    );
    await page.waitForFunction(() => /The compute worker stopped and was started again/.test(document.querySelector('#link-note')?.innerText ?? ''), undefined, { timeout: 30_000 });
    // The demo is opened again in the new worker: the same points, and the worker answers.
    await page.waitForFunction(() => document.querySelector('#app')?.dataset.state === 'ready'
      && document.querySelector('#status').innerText.includes('map: levels'), undefined, { timeout: 120_000 });
    assert.match(await status(), /vectors\.f16\.npy · 15,000 points × 384 dims/);
    assert.equal(await page.evaluate(() => window.vecscapeTest.worldPositions().length), 30_000);
    await page.fill('#search', 'eagle');
    await page.press('#search', 'Enter');
    await page.waitForSelector('#search-results .results-title:has-text("eagle")', { timeout: 30_000 });
    assert.ok(await page.locator('#results-list li').count() > 0);
    // The banner still says what happened.
    assert.match(await banner.locator('.error-text').innerText(), /^damaged\.parquet: the reader stopped/);
    await page.close();
  });
});

describe('every format the core reads opens in the page', () => {
  let browser;
  let page;
  const columnar = (name) => fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'columnar', name));
  const expected = JSON.parse(columnar('expected.json'));
  before(async () => {
    browser = await launch({ webgpu: false });
    page = await openApp(browser, server.url + '?backend=cpu');
  });
  after(async () => { await browser?.close(); });

  const status = () => page.locator('#status').innerText();
  const waitStatus = (text) => page.waitForFunction((t) => document.querySelector('#status')?.innerText.includes(t), text, { timeout: 30_000 });

  test('Parquet: vectors from the list column, text and label from the others (text stays text)', async () => {
    await page.setInputFiles('#file-input', [{ name: 'snappy.parquet', mimeType: 'application/octet-stream', buffer: columnar('snappy.parquet') }]);
    await waitStatus('snappy.parquet · 13 points × 5 dims');
    const positions = await screenPositions(page);
    assert.equal(positions.length, 13);
    const box = await page.locator('#map').boundingBox();
    // The point farthest from all others, so the tooltip is unambiguous.
    const spread = positions.map(([x, y], i) => [Math.min(...positions.filter((_, j) => j !== i).map(([a, b]) => Math.hypot(a - x, b - y))), i]);
    const [, row] = spread.sort((a, b) => b[0] - a[0])[0];
    await page.mouse.move(box.x + positions[row][0], box.y + positions[row][1]);
    const tooltip = page.locator('#tooltip');
    await tooltip.waitFor({ timeout: 10_000 });
    assert.equal(await tooltip.locator('.tooltip-text').innerText(), expected.text[row]);
    assert.equal(await tooltip.locator('.tooltip-category').innerText(), expected.label[row]);
    assert.equal(await tooltip.locator('b').count(), 0);
  });

  test('Arrow IPC (Feather v2, LZ4) opens', async () => {
    await page.setInputFiles('#file-input', [{ name: 'lz4.feather', mimeType: 'application/octet-stream', buffer: columnar('lz4.feather') }]);
    await waitStatus('lz4.feather · 13 points × 5 dims');
  });

  test('ZSTD Parquet (pyarrow, polars) and ZSTD Arrow IPC open with the Snappy file\'s layout', async () => {
    const world = () => page.evaluate(() => Array.from(window.vecscapeTest.worldPositions()));
    await page.setInputFiles('#file-input', [{ name: 'snappy.parquet', mimeType: 'application/octet-stream', buffer: columnar('snappy.parquet') }]);
    await waitStatus('snappy.parquet · 13 points × 5 dims');
    const snappy = await world();
    for (const name of ['zstd.parquet', 'polars_zstd.parquet', 'zstd.feather']) {
      await page.setInputFiles('#file-input', [{ name, mimeType: 'application/octet-stream', buffer: columnar(name) }]);
      await waitStatus(`${name} · 13 points × 5 dims`);
      assert.deepEqual(await world(), snappy, name);
    }
    assert.equal(await page.locator('#error').count(), 0);
  });

  test('a file with invalid rows is refused with their count; the banner loads it without them, texts aligned', async () => {
    await page.setInputFiles('#file-input', [{ name: 'snappy.parquet', mimeType: 'application/octet-stream', buffer: columnar('snappy.parquet') }]);
    await waitStatus('snappy.parquet · 13 points × 5 dims');
    // pyarrow wrote NaN (row 1), a null vector (3), infinity (4) and a short vector (6).
    await page.setInputFiles('#file-input', [{ name: 'invalid_rows.parquet', mimeType: 'application/octet-stream', buffer: columnar('invalid_rows.parquet') }]);
    const banner = page.locator('#error');
    await banner.waitFor({ timeout: 30_000 });
    const message = await banner.locator('.error-text').innerText();
    assert.ok(message.startsWith("invalid_rows.parquet: column 'embedding', row 1, element 1"), message);
    assert.ok(message.includes('4 rows are invalid (rows 1, 3, 4, 6)'), message);
    // What was shown stays.
    assert.ok((await page.locator('#status').innerText()).includes('snappy.parquet · 13 points'));
    const button = page.locator('#skip-invalid');
    assert.equal(await button.innerText(), 'Load without the 4 invalid rows');
    await button.click();
    await waitStatus('invalid_rows.parquet · 4 points × 3 dims');
    assert.ok((await page.locator('#status').innerText()).includes('skipped 4 invalid rows (1, 3, 4, 6)'));
    assert.equal(await page.locator('#error').count(), 0);
    // Each point shows its own row's text: rows a, c, f and h remain, in order.
    const positions = await screenPositions(page);
    assert.equal(positions.length, 4);
    const box = await page.locator('#map').boundingBox();
    const texts = [];
    for (const [x, y] of positions) {
      await page.mouse.move(box.x + x, box.y + y);
      const tooltip = page.locator('#tooltip');
      await tooltip.waitFor({ timeout: 10_000 });
      texts[Number(await tooltip.getAttribute('data-row'))] = await tooltip.locator('.tooltip-text').innerText();
      await page.mouse.move(box.x + 2, box.y + 2);
    }
    assert.deepEqual(texts, ['row a', 'row c', 'row f', 'row h']);
    await page.screenshot({ path: 'target/e2e/invalid-rows-skipped.png' });
  });

  test('raw float32 with a projector_config.json naming its shape', async () => {
    const config = JSON.stringify({ embeddings: [{ tensorName: 't', tensorShape: [4, 2], tensorPath: 'tensors.bytes', metadataPath: 'metadata.tsv' }] });
    const raw = Buffer.alloc(32);
    [0.5, -1, 2, 0.25, 3, 4, 1, 1].forEach((v, i) => raw.writeFloatLE(v, 4 * i));
    await page.setInputFiles('#file-input', [
      { name: 'projector_config.json', mimeType: 'application/json', buffer: Buffer.from(config) },
      { name: 'tensors.bytes', mimeType: 'application/octet-stream', buffer: raw },
      { name: 'metadata.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from('a\nb\nc\nd\n') },
    ]);
    await waitStatus('tensors.bytes · 4 points × 2 dims');
  });

  test('a numeric field colours the points on a continuous scale with its range in the legend', async () => {
    const vectors = npyF32(4, 3, [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
    const jsonl = Buffer.from([1, 2.5, 3, 4].map((v, i) => JSON.stringify({ text: `row ${i}`, score: v })).join('\n'));
    await page.setInputFiles('#file-input', [
      { name: 'v.npy', mimeType: 'application/octet-stream', buffer: vectors },
      { name: 'scores.jsonl', mimeType: 'application/x-ndjson', buffer: jsonl },
    ]);
    await waitStatus('v.npy · 4 points × 3 dims');
    await page.selectOption('#color-by', 'num:score');
    const legend = page.locator('#legend');
    await legend.waitFor();
    assert.equal(await legend.getAttribute('data-field'), 'score');
    assert.equal(await legend.locator('.min').innerText(), '1');
    assert.equal(await legend.locator('.max').innerText(), '4');
    await page.locator('#layer-legend').uncheck();
    await page.locator('#layer-contours').uncheck();
    await page.waitForFunction(() => !document.querySelector('#legend'));
    const p = await screenPositions(page);
    const pixels = await mapPixels(page);
    const low = pixels.at(p[0][0], p[0][1]);
    const high = pixels.at(p[3][0], p[3][1]);
    // The scale runs from dark purple (68, 1, 84) to yellow (253, 231, 37), blended at 200/255.
    assert.ok(low[0] < 120 && low[1] < 90 && low[2] > 80, `lowest score drawn ${low}`);
    assert.ok(high[0] > 200 && high[1] > 200 && high[2] < 110, `highest score drawn ${high}`);
    await page.locator('#layer-legend').check();
    await page.locator('#layer-contours').check();
  });

  test('the time slider shows one period at a time (points and density), and plays', async () => {
    const n = 120;
    const values = [];
    const rows = [];
    for (let i = 0; i < n; i++) {
      const early = i < n / 2;
      const jitter = [Math.sin(i * 1.7) * 0.05, Math.cos(i * 2.3) * 0.05, Math.sin(i * 0.9) * 0.05];
      values.push(...(early ? [1, 0, 0] : [0, 1, 0]).map((v, k) => v + jitter[k]));
      rows.push(JSON.stringify({ text: `${early ? 'old' : 'new'} ${i}`, time: early ? `2001-03-${String(1 + (i % 28)).padStart(2, '0')}` : `2020-06-${String(1 + (i % 28)).padStart(2, '0')}` }));
    }
    await page.setInputFiles('#file-input', [
      { name: 't.npy', mimeType: 'application/octet-stream', buffer: npyF32(n, 3, values) },
      { name: 'times.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(rows.join('\n')) },
    ]);
    await waitStatus('t.npy · 120 points × 3 dims');
    await page.waitForSelector('#app[data-map=ready]');
    await page.locator('#time-controls').waitFor();
    assert.equal(await page.locator('#time-label').innerText(), 'all times');
    await page.locator('#layer-legend').uncheck();
    await page.locator('#layer-labels').uncheck();
    const p = await screenPositions(page);
    const tinted = (pixels, [x, y]) => differsFromBackground(pixels.at(x, y), 6);
    // First period: only the 2001 points, and the density only around them.
    await page.locator('#time-slider').fill('0');
    await page.waitForFunction(() => /^2001-03-01 – .* · 60 points$/.test(document.querySelector('#time-label').innerText));
    let pixels = await mapPixels(page);
    assert.ok(tinted(pixels, p[0]), 'an early point is drawn');
    assert.ok(!tinted(pixels, p[n - 1]), 'a late point is hidden, and no density is drawn around it');
    // Last period: the other way round.
    await page.locator('#time-slider').fill('11');
    await page.waitForFunction(() => / · 60 points$/.test(document.querySelector('#time-label').innerText)
      && document.querySelector('#time-label').innerText.includes('2020-06'));
    pixels = await mapPixels(page);
    assert.ok(!tinted(pixels, p[0]), 'an early point is hidden');
    assert.ok(tinted(pixels, p[n - 1]), 'a late point is drawn');
    // All times again.
    await page.locator('#time-slider').fill('12');
    await page.waitForFunction(() => document.querySelector('#time-label').innerText === 'all times');
    pixels = await mapPixels(page);
    assert.ok(tinted(pixels, p[0]) && tinted(pixels, p[n - 1]));
    // Play steps through the periods; pause stops.
    await page.locator('#time-play').click();
    await page.waitForFunction(() => document.querySelector('#time-slider').value !== '12', null, { timeout: 10_000 });
    await page.locator('#time-play', { hasText: 'Pause' }).click();
    await page.locator('#time-play', { hasText: 'Play' }).waitFor();
    await page.locator('#layer-legend').check();
    await page.locator('#layer-labels').check();
  });

  test("WizMap's data.ndjson is drawn at its own coordinates", async () => {
    const rows = [[0, 0, 'origin'], [10, 0, 'east'], [0, 10, 'north'], [10, 10, 'north-east'], [5, 5, 'middle']];
    await page.setInputFiles('#file-input', [{ name: 'data.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')) }]);
    await waitStatus('data.ndjson · 5 points × 2 dims · f32, 40 bytes · precomputed x/y');
    const p = await screenPositions(page);
    assert.ok(p[1][0] > p[0][0] + 50, 'east is right of the origin');
    assert.ok(Math.abs(p[1][1] - p[0][1]) < 1, 'east is level with the origin');
    assert.ok(p[2][1] < p[0][1] - 50, 'north is above the origin');
    assert.ok(Math.abs(p[4][0] - (p[0][0] + p[1][0]) / 2) < 1, 'the middle is halfway');
  });

  test("WizMap's data.ndjson + grid.json: its own topics and density are shown, as text", async () => {
    const rows = [];
    for (let i = 0; i < 40; i++) rows.push([1 + (i % 7) * 0.3, 1 + Math.floor(i / 7) * 0.3, `south-west ${i}`]);
    for (let i = 0; i < 40; i++) rows.push([8 + (i % 7) * 0.3, 8 + Math.floor(i / 7) * 0.3, `north-east ${i}`]);
    const n = 30;
    const grid = [];
    for (let j = 0; j < n; j++) {
      const row = [];
      for (let i = 0; i < n; i++) {
        const [x, y] = [-1 + (12 * i) / (n - 1), -1 + (12 * j) / (n - 1)];
        row.push(Math.exp(-((x - 2) ** 2 + (y - 2) ** 2) / 2) + Math.exp(-((x - 9) ** 2 + (y - 9) ** 2) / 2));
      }
      grid.push(row);
    }
    const topic = {
      extent: [[0, 0], [16, 16]],
      range: [1, 1, 9.8, 9.8],
      data: {
        2: [[2, 2, 'given-topic-<b>bold</b>'], [10, 10, 'other-corner']],
        3: [[3, 3, 'given-topic-<b>bold</b>'], [9, 9, 'other-corner']],
        4: [[1.5, 1.5, 'given-topic-<b>bold</b>'], [8.5, 8.5, 'other-corner']],
      },
    };
    const gridJson = { grid, xRange: [-1, 11], yRange: [-1, 11], padded: true, sampleSize: 80, totalPointSize: 80, topic, embeddingName: 'test' };
    await page.setInputFiles('#file-input', [
      { name: 'data.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')) },
      { name: 'grid.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(gridJson)) },
    ]);
    await waitStatus("map: 3 levels from grid.json (WizMap's topics and density)");
    // The overlay follows on the next frame: wait for the given topic (the previous data's
    // labels may still be up for that frame).
    const shown = () => page.locator('#labels .map-label:not(.leaving)').allTextContents();
    await page.waitForFunction(() => [...document.querySelectorAll('#labels .map-label:not(.leaving)')]
      .some((l) => l.textContent === 'given-topic-<b>bold</b>'), undefined, { timeout: 10_000 })
      .catch(async () => assert.fail(`labels: ${await shown()}`));
    assert.equal(await page.locator('#labels b').count(), 0, 'markup in a topic is not HTML');
    // The given density is drawn: the bands tint the map near the first bump.
    const p = await screenPositions(page);
    const pixels = await mapPixels(page);
    const [x, y] = [p[24][0] + 6, p[24][1] + 6];
    assert.ok(differsFromBackground(pixels.at(x, y), 6), `no band at ${x},${y}: ${pixels.at(x, y)}`);
    // A broken grid.json names itself and the place; the map stays.
    await page.setInputFiles('#file-input', [
      { name: 'data.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')) },
      { name: 'grid.json', mimeType: 'application/json', buffer: Buffer.from('{"grid": [[1, 2], [3]], "xRange": [0, 1], "yRange": [0, 1], "topic": {"extent": [[0, 0], [1, 1]], "data": {}}}') },
    ]);
    const error = page.locator('#error');
    await error.waitFor({ timeout: 10_000 });
    assert.match(await error.innerText(), /grid\.json: grid row 1: expected 2 values \(a square grid\), found 1/);
    assert.match(await status(), /map: 3 levels from grid\.json/);
    await page.locator('#error .dismiss').click();
  });

  test('a header claiming 10^12 values is refused before allocating; the map stays', async () => {
    await page.waitForSelector('#app[data-map=ready]', { timeout: 180_000 });
    const before = await status();
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }";
    header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
    const npy = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([header.length & 255, header.length >> 8]), Buffer.from(header, 'latin1')]);
    await page.setInputFiles('#file-input', [{ name: 'huge.npy', mimeType: 'application/octet-stream', buffer: npy }]);
    const error = page.locator('#error');
    await error.waitFor({ timeout: 10_000 });
    assert.match(await error.innerText(), /huge\.npy: 1000000 × 1000000 vectors need 4\.0 TB as f32, more than the memory budget of 2\.1 GB; load at most 536 rows \(`\?maxRows=` in the page/);
    assert.equal(await status(), before);
    await page.locator('#error .dismiss').click();
  });

  test('?maxRows= keeps the first rows', async () => {
    const small = await openApp(browser, server.url + '?backend=cpu&maxRows=250');
    assert.match(await small.locator('#status').innerText(), /vectors\.f16\.npy · 250 points × 384 dims/);
    await small.close();
  });
});
