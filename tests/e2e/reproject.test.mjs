// End-to-end: a selection laid out on its own ("Lay out on its own: PCA / UMAP" in the selection
// panel) is shown in place of the map — only its rows drawn, picked, searched and exported, its
// own map and labels — and Back (the button or Backspace) returns to the layout it came from,
// exactly. The PCA is checked against scikit-learn's PCA of the same rows.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  serve, launch, openApp, mapPixels, screenPositions, demoMeta, ROOT, pageErrors, drawnRows, selectedRows, worldPositions,
} from '../../web/e2e/harness.mjs';

const meta = demoMeta();
// Plants and animals: a selection whose own PCA separates what the whole map's mixes.
const CHOSEN = meta.map((m, i) => (m.label === 'noun.plant' || m.label === 'noun.animal' ? i : -1)).filter((i) => i >= 0);

/** scikit-learn's 2-D PCA of the demo's rows `rows` (the f16 values as f32). */
function sklearnPca(rows) {
  const script = [
    'import sys, json, numpy as np',
    'from sklearn.decomposition import PCA',
    'x = np.load(sys.argv[1]).astype(np.float32)[json.loads(sys.argv[2])]',
    'print(json.dumps(PCA(2, svd_solver="full").fit_transform(x.astype(np.float64)).tolist()))',
  ].join('\n');
  const out = execFileSync(path.join(ROOT, '.venv', 'bin', 'python'),
    ['-c', script, path.join(ROOT, 'web', 'demo', 'vectors.f16.npy'), JSON.stringify(rows)], { maxBuffer: 1 << 28 });
  return JSON.parse(out);
}

/** Least squares of y on x: slope and R². */
function fit(x, y) {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return { slope: sxy / sxx, r2: (sxy * sxy) / (sxx * syy) };
}

async function select(page, rows) {
  await page.evaluate((r) => window.vecscapeTest.selectRows(new Uint32Array(r)), rows);
  await page.waitForSelector(`#selection[data-count="${rows.length}"]`);
}

/** Click `selector` and read the CSV download as records (Python's csv module). */
async function exportCsv(page) {
  await page.selectOption('#export-format', 'csv');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vecscape-subset-')), download.suggestedFilename());
  await download.saveAs(file);
  const script = 'import sys, json, csv; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))))';
  return JSON.parse(execFileSync(path.join(ROOT, '.venv', 'bin', 'python'), ['-c', script, file], { maxBuffer: 1 << 28 }));
}

const words = (text) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

let server;
before(async () => { server = await serve(); });
after(async () => { await server?.close(); });

/** Positions as [x, y] pairs. */
async function worldPairs(page) {
  const flat = await worldPositions(page);
  const out = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

const CONFIGS = [
  { name: 'nogpu', webgpu: false, query: '?projection=pca', r2: 0.9999 },
  // The WebGPU PCA is the randomized solver: the same plane, a little less exactly.
  { name: 'webgpu', webgpu: true, query: '?backend=webgpu&projection=pca', r2: 0.995 },
];

for (const config of CONFIGS) {
  describe(`a selection laid out on its own (${config.name})`, () => {
    let browser;
    let page;
    before(async () => {
      browser = await launch({ webgpu: config.webgpu });
      page = await openApp(browser, server.url + config.query);
      await page.waitForSelector('#app[data-map=ready]', { timeout: 180_000 });
    });
    after(async () => { await browser?.close(); });

    test('PCA of the selected rows, in place: only they are drawn, picked, searched and exported; Back restores', async () => {
      const before = await worldPairs(page);
      await select(page, CHOSEN);
      await page.click('#selection-pca');
      await page.waitForSelector(`#subset[data-rows="${CHOSEN.length}"][data-depth="1"]`, { timeout: 120_000 });
      await page.waitForSelector('#app[data-map=ready]', { timeout: 180_000 });
      await page.waitForTimeout(300);
      await mapPixels(page, `reproject-${config.name}-pca.png`);
      // Only the chosen rows are drawn; the selection is gone (they are all shown in full).
      assert.deepEqual(await drawnRows(page), CHOSEN);
      assert.deepEqual(await selectedRows(page), []);
      const after = await worldPairs(page);
      // The other rows kept their places; the chosen ones are scikit-learn's PCA of just them,
      // up to one scale for both axes, signs and a shift.
      for (let i = 0; i < before.length; i++) {
        if (!CHOSEN.includes(i)) assert.deepEqual(after[i], before[i], `row ${i} moved`);
      }
      const ref = sklearnPca(CHOSEN);
      const fx = fit(ref.map((p) => p[0]), CHOSEN.map((r) => after[r][0]));
      const fy = fit(ref.map((p) => p[1]), CHOSEN.map((r) => after[r][1]));
      assert.ok(fx.r2 > config.r2 && fy.r2 > config.r2, `R² ${fx.r2} ${fy.r2}`);
      assert.ok(Math.abs(Math.abs(fx.slope) / Math.abs(fy.slope) - 1) < 0.02, `scales ${fx.slope} ${fy.slope}`);
      // Placed in the whole layout's box, filling it on one axis.
      const box = (pts) => pts.reduce((b, [x, y]) => [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)], [Infinity, Infinity, -Infinity, -Infinity]);
      const whole = box(before);
      const mine = box(CHOSEN.map((r) => after[r]));
      const eps = 1e-3 * Math.max(whole[2] - whole[0], whole[3] - whole[1]);
      assert.ok(mine[0] >= whole[0] - eps && mine[1] >= whole[1] - eps && mine[2] <= whole[2] + eps && mine[3] <= whole[3] + eps, `${mine} outside ${whole}`);
      assert.ok(Math.abs((mine[2] - mine[0]) - (whole[2] - whole[0])) < eps || Math.abs((mine[3] - mine[1]) - (whole[3] - whole[1])) < eps);
      // The map is of these rows: every label's words come from their texts.
      const vocabulary = new Set(CHOSEN.flatMap((r) => words(meta[r].text)));
      const labels = await page.$$eval('#labels .map-label:not(.leaving)', (els) => els.map((e) => e.textContent));
      assert.ok(labels.length >= 3, `labels: ${labels}`);
      for (const label of labels) for (const w of words(label)) assert.ok(vocabulary.has(w), `label word "${w}" is not in the selection's texts`);
      // A hidden point is not picked: hover where one lies far from every shown point.
      const screen = await screenPositions(page);
      const shown = CHOSEN.map((r) => screen[r]);
      const box2 = await page.locator('#map').boundingBox();
      const lonely = screen.findIndex((p, i) => !CHOSEN.includes(i) && p[0] > 40 && p[1] > 40 && p[0] < box2.width - 300 && p[1] < box2.height - 60
        && shown.every((q) => Math.hypot(q[0] - p[0], q[1] - p[1]) > 20));
      if (lonely >= 0) {
        await page.mouse.move(box2.x + screen[lonely][0], box2.y + screen[lonely][1]);
        await page.waitForTimeout(250);
        assert.equal(await page.locator('#tooltip').count(), 0, `hidden row ${lonely} was picked`);
      }
      // Search runs among the rows shown.
      await page.fill('#search', 'tree');
      await page.waitForSelector('#search-results .results-title', { timeout: 30_000 });
      const expected = CHOSEN.filter((r) => [...words(meta[r].text), ...words(meta[r].label)].some((w) => w.startsWith('tree'))).length;
      await page.waitForFunction((n) => Number(document.querySelector('#search-results .results-title')?.dataset.total) === n, expected, { timeout: 30_000 });
      await page.keyboard.press('Escape');
      // "Export all" writes the rows shown, with their positions as drawn.
      const exported = await exportCsv(page);
      assert.deepEqual(exported.map((r) => Number(r.row)), CHOSEN);
      for (const r of exported.slice(0, 50)) {
        assert.ok(Math.abs(Number(r.x) - after[Number(r.row)][0]) < 1e-4 && Math.abs(Number(r.y) - after[Number(r.row)][1]) < 1e-4, JSON.stringify(r));
      }

      // A selection of the selection, laid out again: two steps back.
      const inner = CHOSEN.filter((r) => meta[r].label === 'noun.plant');
      await select(page, inner);
      await page.click('#selection-pca');
      await page.waitForSelector(`#subset[data-rows="${inner.length}"][data-depth="2"]`, { timeout: 120_000 });
      assert.deepEqual(await drawnRows(page), inner);
      await page.click('#subset-back');
      await page.waitForSelector(`#subset[data-rows="${CHOSEN.length}"][data-depth="1"]`);
      assert.deepEqual(await worldPairs(page), after);
      assert.deepEqual(await selectedRows(page), inner);
      // Backspace goes back to the whole map: the same positions, the rows shown selected.
      await page.keyboard.press('Escape');
      await page.keyboard.press('Backspace');
      await page.waitForSelector('#subset', { state: 'detached' });
      assert.deepEqual(await worldPairs(page), before);
      assert.deepEqual(await selectedRows(page), CHOSEN);
      assert.equal((await drawnRows(page)).length, meta.length);
      await page.waitForSelector('#app[data-map=ready]', { timeout: 180_000 });
      // The worker has the whole layout again.
      await page.keyboard.press('Escape');
      const all = await exportCsv(page);
      assert.equal(all.length, meta.length);
      for (const r of all.filter((_, i) => i % 500 === 0)) {
        assert.ok(Math.abs(Number(r.x) - before[Number(r.row)][0]) < 1e-4, JSON.stringify(r));
      }
      assert.deepEqual(pageErrors(page), []);
    });

    test('UMAP of the selected rows forms in place; too small a selection is refused with a message', async () => {
      const before = await worldPairs(page);
      await select(page, CHOSEN);
      await page.click('#selection-umap');
      await page.waitForSelector(`#subset[data-rows="${CHOSEN.length}"]`, { timeout: 300_000 });
      await page.waitForSelector('#app[data-map=ready]', { timeout: 300_000 });
      await page.waitForTimeout(300);
      await mapPixels(page, `reproject-${config.name}-umap.png`);
      assert.match(await page.textContent('#subset'), /UMAP/);
      const after = await worldPairs(page);
      assert.ok(CHOSEN.every((r) => Number.isFinite(after[r][0]) && Number.isFinite(after[r][1])));
      assert.ok(CHOSEN.some((r) => after[r][0] !== before[r][0]));
      assert.deepEqual(await drawnRows(page), CHOSEN);
      await page.click('#subset-back');
      await page.waitForSelector('#subset', { state: 'detached' });
      assert.deepEqual(await worldPairs(page), before);
      // Two points cannot be laid out on their own: the message says so and nothing moves.
      await select(page, [0, 1]);
      await page.click('#selection-pca');
      await page.waitForSelector('#error:has-text("at least 3")', { timeout: 30_000 });
      assert.equal(await page.locator('#subset').count(), 0);
      assert.deepEqual(await worldPairs(page), before);
      assert.equal((await drawnRows(page)).length, meta.length);
    });
  });
}
