// End-to-end: search by words and by meaning, the results list, "show all", lasso, rectangle
// and category selection with the selection panel, export in every format, and the keyboard —
// in headless Chromium on each backend (see app.test.mjs for the three configurations).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  serve, launch, openApp, mapPixels, screenPositions, demoMeta, demoVectors, cosineTopK, ROOT, differsFromBackground, readPng, pageErrors, selectedRows,
} from '../../web/e2e/harness.mjs';

/** Click `selector` and save the download it starts; returns its path. */
async function downloadFrom(page, selector) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vecscape-export-')), download.suggestedFilename());
  await download.saveAs(file);
  return file;
}

/** A file read by pyarrow / Python's csv module, as JSON records. */
function readWithPython(file, kind) {
  const script = kind === 'parquet'
    ? 'import sys, json, pyarrow.parquet as pq; print(json.dumps(pq.read_table(sys.argv[1]).to_pylist()))'
    : 'import sys, json, csv; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))))';
  return JSON.parse(execFileSync(path.join(ROOT, '.venv', 'bin', 'python'), ['-c', script, file], { maxBuffer: 1 << 28 }));
}

const meta = demoMeta();
const vectors = demoVectors();
let server;
before(async () => { server = await serve(); });
after(async () => { await server?.close(); });

const CONFIGS = [
  { name: 'webgpu', webgpu: true, query: '?backend=webgpu&projection=pca' },
  { name: 'cpu', webgpu: true, query: '?backend=cpu&projection=pca' },
  { name: 'nogpu', webgpu: false, query: '?projection=pca' },
];

/** Words as the index folds them: NFD, combining marks dropped, lower case, letters and digits. */
function words(text) {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** The reference: rows whose text or label has a word starting with each of `prefixes`. */
function prefixMatches(prefixes) {
  const out = [];
  meta.forEach((m, row) => {
    const ws = [...words(m.text), ...words(m.label)];
    if (prefixes.every((p) => ws.some((w) => w.startsWith(p)))) out.push(row);
  });
  return out;
}

/** Even-odd point in polygon (the reference for the lasso). */
function inPolygon([x, y], poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

async function mapBox(page) {
  return page.locator('#map').boundingBox();
}

/** Draw a lasso through `poly` (CSS px on the map) with `modifier` held; returns the polygon as
 *  the page received it (the mouse moves to whole pixels of the page). */
async function drawLasso(page, poly, modifier) {
  const box = await mapBox(page);
  const at = poly.map(([x, y]) => [Math.round(box.x + x), Math.round(box.y + y)]);
  if (modifier) await page.keyboard.down(modifier);
  await page.mouse.move(...at[0]);
  await page.mouse.down();
  for (const p of at.slice(1)) await page.mouse.move(...p);
  await page.mouse.up();
  if (modifier) await page.keyboard.up(modifier);
  return at.map(([x, y]) => [x - box.x, y - box.y]);
}

/** Rows drawn in full colour (not faded towards the background: a faded colour has every
 *  channel ≥ 205, the palette's colours each have one below 200). */
async function fullColourRows(page) {
  const rgba = await page.evaluate(() => Array.from(window.vecscapeTest.pointColors()));
  const out = [];
  for (let i = 0; i < rgba.length / 4; i++) {
    const c = rgba.slice(i * 4, i * 4 + 4);
    if (c[3] !== 0 && Math.min(c[0], c[1], c[2]) < 203) out.push(i);
  }
  return out;
}

async function searchFor(page, text) {
  await page.fill('#search', text);
  await page.press('#search', 'Enter');
}

async function resultRows(page) {
  return page.$$eval('#results-list li', (lis) => lis.map((li) => Number(li.dataset.row)));
}

function star(cx, cy, r, points = 7) {
  const out = [];
  for (let i = 0; i < points * 2; i++) {
    const a = (Math.PI * i) / points;
    const rr = i % 2 ? r * 0.45 : r;
    out.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
  }
  return out;
}

for (const config of CONFIGS) {
  describe(`explore on ${config.name}`, () => {
    let browser;
    let page;
    before(async () => {
      browser = await launch(config);
      page = await openApp(browser, server.url + config.query);
    });
    after(async () => { await browser?.close(); });

    test('words: prefixes, case and accents fold; the count and the list match a scan of the texts', async () => {
      const expected = prefixMatches(['bird']);
      assert.ok(expected.length > 20, `only ${expected.length} reference matches`);
      await searchFor(page, 'BIRD');
      await page.waitForSelector(`#search-results .results-title[data-total="${expected.length}"]`, { timeout: 30_000 });
      const listed = await resultRows(page);
      assert.equal(listed.length, Math.min(100, expected.length));
      const set = new Set(expected);
      assert.ok(listed.every((r) => set.has(r)), 'a listed row does not match');
      // Two prefixes: both must match.
      const both = prefixMatches(['bird', 'sing']);
      await searchFor(page, 'bird sing');
      await page.waitForSelector(`#search-results .results-title[data-total="${both.length}"]`, { timeout: 30_000 });
      assert.deepEqual((await resultRows(page)).sort((a, b) => a - b), both.slice(0, 100));
      // Accents fold: "Bírd" finds the same rows as "bird".
      await searchFor(page, 'Bírd');
      await page.waitForSelector(`#search-results .results-title[data-total="${expected.length}"]`, { timeout: 30_000 });
      assert.deepEqual(pageErrors(page), []);
    });

    test('"show all" dims every row but the matches, and the map shows it', async () => {
      const expected = prefixMatches(['bird']);
      await searchFor(page, 'bird');
      await page.waitForSelector(`#search-results .results-title[data-total="${expected.length}"]`, { timeout: 30_000 });
      await page.locator('#search').blur();
      await page.keyboard.press('0');
      await page.waitForTimeout(300);
      const before = await mapPixels(page, `explore-${config.name}-before-show-all.png`);
      await page.check('#show-matches');
      await page.waitForFunction((n) => {
        const c = window.vecscapeTest.pointColors();
        let full = 0;
        for (let i = 0; i < c.length; i += 4) if (c[i + 3] && Math.min(c[i], c[i + 1], c[i + 2]) < 203) full++;
        return full === n;
      }, expected.length, { timeout: 10_000 });
      assert.deepEqual(await fullColourRows(page), expected);
      await page.waitForTimeout(300);
      const after = await mapPixels(page, `explore-${config.name}-show-all.png`);
      // Far fewer saturated pixels (points in their colours; the density bands and labels are
      // grey or pale blue) once all but the matches are faded.
      const strong = (px) => {
        let n = 0;
        for (let y = 0; y < px.height; y += 2) for (let x = 0; x < px.width * 0.68; x += 2) {
          const [r, g, b] = px.at(x, y);
          if (Math.max(r, g, b) - Math.min(r, g, b) > 80) n++;
        }
        return n;
      };
      assert.ok(strong(after) < strong(before) * 0.5, `strong pixels ${strong(before)} → ${strong(after)}`);
      await page.uncheck('#show-matches');
      await page.waitForFunction(() => {
        const c = window.vecscapeTest.pointColors();
        for (let i = 0; i < c.length; i += 4) if (c[i + 3] && Math.min(c[i], c[i + 1], c[i + 2]) >= 203) return false;
        return true;
      }, null, { timeout: 10_000 });
    });

    test('hovering a result marks its point; clicking flies the view to it', async () => {
      await searchFor(page, 'eagle');
      // The list of this search, not the last one's.
      await page.waitForSelector('#search-results .results-title:has-text("eagle")', { timeout: 30_000 });
      await page.waitForSelector('#results-list li', { timeout: 30_000 });
      const first = page.locator('#results-list li').first();
      const row = Number(await first.getAttribute('data-row'));
      await first.hover();
      // The ring moves to the hovered result's point (at the next frame).
      await page.waitForFunction((r) => {
        const marker = document.querySelector('#selected-marker')?.getBoundingClientRect();
        if (!marker) return false;
        const m = document.querySelector('#map').getBoundingClientRect();
        const p = window.vecscapeTest.screenPositions();
        return Math.hypot(marker.x + marker.width / 2 - m.x - p[2 * r], marker.y + marker.height / 2 - m.y - p[2 * r + 1]) < 6;
      }, row, { timeout: 10_000 });
      await first.click();
      await page.waitForFunction((r) => {
        const p = window.vecscapeTest.screenPositions();
        const m = document.querySelector('#map').getBoundingClientRect();
        return Math.abs(p[2 * r] - m.width / 2) < 2 && Math.abs(p[2 * r + 1] - m.height / 2) < 2;
      }, row, { timeout: 10_000 });
    });

    test('by meaning: a pasted vector, a result\'s neighbours, and bad vectors named inline', async () => {
      const row = 1234;
      const v = Array.from(vectors.data.subarray(row * vectors.cols, (row + 1) * vectors.cols));
      await searchFor(page, JSON.stringify(v));
      await page.waitForSelector('#search-results .results-title:has-text("nearest to the pasted vector")', { timeout: 60_000 });
      const listed = await resultRows(page);
      const reference = [row, ...cosineTopK(vectors, row, 99).map((n) => n[1])];
      assert.equal(listed[0], row);
      // Ties aside, the order is numpy's (cosine); compare the first 20.
      assert.deepEqual(listed.slice(0, 20), reference.slice(0, 20));
      // "≈" on a result: its own neighbours, itself left out.
      const other = listed[3];
      await page.locator(`#results-list li[data-row="${other}"] button.near`).click();
      await page.waitForSelector(`#search-results .results-title:has-text("nearest to row ${other}")`, { timeout: 60_000 });
      assert.deepEqual((await resultRows(page)).slice(0, 10), cosineTopK(vectors, other, 10).map((n) => n[1]));
      // Wrong dimension, and a non-number: an inline message says what was expected.
      await searchFor(page, '[0.1, 0.2, 0.3]');
      await page.waitForSelector('#search-error');
      assert.match(await page.textContent('#search-error'), /expected 384 numbers.*got 3/);
      await searchFor(page, `[${v.slice(0, 5).join(', ')}, <img src=x onerror=alert(1)>]`);
      await page.waitForSelector('#search-error:has-text("position 6")');
      const message = await page.textContent('#search-error');
      assert.match(message, /"<img"/);
      assert.equal(await page.locator('#search-results img').count(), 0);
      // Markup searched as words shows literally.
      await searchFor(page, '<img src=x onerror=alert(1)>');
      await page.waitForSelector('#search-results .results-title:has-text("<img src=x onerror=alert(1)>")', { timeout: 30_000 });
      assert.equal(await page.locator('#search-results img').count(), 0);
      assert.deepEqual(pageErrors(page), []);
    });

    test('PNG export is the view as drawn, labels and legend included', async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('0');
      await page.waitForSelector('#app[data-map=ready]', { timeout: 180_000 });
      await page.waitForTimeout(400);
      const shot = await mapPixels(page, `explore-${config.name}-shot.png`);
      const file = await downloadFrom(page, '#export-png');
      fs.copyFileSync(file, path.join(ROOT, 'target', 'e2e', `explore-${config.name}-export.png`));
      const png = readPng(fs.readFileSync(file));
      // The canvas's backing store and the element's box may round differently by a pixel.
      assert.ok(Math.abs(png.width - shot.width) <= 1 && Math.abs(png.height - shot.height) <= 1,
        `${png.width}×${png.height} vs ${shot.width}×${shot.height}`);
      // Where the screenshot shows points or contours, so does the PNG (labels are drawn
      // with the same font, so most label pixels agree too).
      let same = 0;
      let lit = 0;
      const [w, h] = [Math.min(png.width, shot.width), Math.min(png.height, shot.height)];
      for (let y = 0; y < h; y += 4) for (let x = 0; x < w; x += 4) {
        const a = png.at(x, y);
        const b = shot.at(x, y);
        if (differsFromBackground(a)) lit++;
        if (Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]) < 40) same++;
      }
      const total = Math.ceil(h / 4) * Math.ceil(w / 4);
      assert.ok(lit > total * 0.05, `only ${lit} of ${total} PNG pixels drawn`);
      assert.ok(same > total * 0.93, `only ${same} of ${total} pixels agree with the screenshot`);
    });

    test('lasso (Shift-drag) selects the points inside it; Alt removes; the panel sums it up; Esc clears', async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('0');
      await page.waitForTimeout(200);
      const box = await mapBox(page);
      const poly = await drawLasso(page, star(box.width * 0.4, box.height * 0.5, Math.min(box.width, box.height) * 0.3), 'Shift');
      await page.waitForSelector('#selection');
      const positions = await screenPositions(page);
      const expected = positions.map((p, i) => (inPolygon(p, poly) ? i : -1)).filter((i) => i >= 0);
      assert.ok(expected.length > 100, `only ${expected.length} points in the lasso`);
      const got = await selectedRows(page);
      const sym = got.filter((r) => !expected.includes(r)).length + expected.filter((r) => !got.includes(r)).length;
      assert.ok(sym <= 1, `lasso differs from the reference by ${sym} rows (${got.length} vs ${expected.length})`);
      assert.equal(Number(await page.getAttribute('#selection', 'data-count')), got.length);
      // The category breakdown adds up, and keywords arrive from the worker.
      const counts = await page.$$eval('#selection-categories .count', (els) => els.map((e) => Number(e.textContent.replace(/,/g, ''))));
      const labels = new Map();
      for (const r of got) labels.set(meta[r].label, (labels.get(meta[r].label) ?? 0) + 1);
      assert.deepEqual(counts, [...labels.values()].sort((a, b) => b - a).slice(0, 8));
      await page.waitForSelector('#selection-keywords[data-ready="true"]', { timeout: 30_000 });
      assert.ok((await page.locator('#selection-keywords .keyword').count()) >= 5);
      await mapPixels(page, `explore-${config.name}-lasso.png`);
      // Everything outside is dimmed.
      assert.deepEqual(await fullColourRows(page), [...got].sort((a, b) => a - b));
      // Alt-drag a smaller lasso inside: those rows leave the selection.
      const inner = await drawLasso(page, star(box.width * 0.4, box.height * 0.5, Math.min(box.width, box.height) * 0.1, 5), 'Alt');
      await page.waitForFunction((n) => Number(document.querySelector('#selection')?.dataset.count) < n, got.length);
      const removed = positions.map((p, i) => (inPolygon(p, inner) ? i : -1)).filter((i) => i >= 0);
      const left = await selectedRows(page);
      assert.ok(left.filter((r) => removed.includes(r)).length <= 1, 'rows inside the Alt lasso stayed selected');
      assert.ok(Math.abs(left.length - got.filter((r) => !removed.includes(r)).length) <= 1);
      // "Nearest to the mean" searches by meaning.
      await page.click('#selection-neighbours');
      await page.waitForSelector('#search-results .results-title:has-text("mean of the")', { timeout: 60_000 });
      await page.keyboard.press('Escape');
      await page.waitForSelector('#selection', { state: 'detached' });
      assert.deepEqual(await selectedRows(page), []);
      assert.deepEqual(pageErrors(page), []);
    });


    test('each format holds the selected rows, their metadata, map x/y and (asked for) the vectors', async () => {
      const rows = [3, 17, 1234, 14999];
      await page.evaluate((r) => window.vecscapeTest.selectRows(new Uint32Array(r)), rows);
      await page.waitForSelector('#selection[data-count="4"]');
      const world = await page.evaluate(() => Array.from(window.vecscapeTest.worldPositions()));
      const check = (records, { vectorsToo, strings }) => {
        assert.equal(records.length, rows.length);
        records.forEach((rec, i) => {
          const r = rows[i];
          assert.equal(Number(rec.row), r);
          assert.equal(rec.text, meta[r].text);
          assert.equal(rec.label, meta[r].label);
          assert.ok(Math.abs(Number(rec.x) - world[2 * r]) < 1e-5, `x of row ${r}`);
          assert.ok(Math.abs(Number(rec.y) - world[2 * r + 1]) < 1e-5, `y of row ${r}`);
          if (vectorsToo) {
            const v = strings ? JSON.parse(rec.vector) : rec.vector;
            assert.equal(v.length, vectors.cols);
            const expected = vectors.data.subarray(r * vectors.cols, (r + 1) * vectors.cols);
            assert.ok(v.every((x, c) => Math.abs(x - expected[c]) < 1e-6), `vector of row ${r}`);
          } else {
            assert.equal(rec.vector, undefined);
          }
        });
      };
      await page.selectOption('#export-format', 'jsonl');
      const jsonl = await downloadFrom(page, '#export');
      assert.match(path.basename(jsonl), /-selection\.jsonl$/);
      check(fs.readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l)), { vectorsToo: false });
      await page.check('#export-vectors');
      await page.selectOption('#export-format', 'json');
      check(JSON.parse(fs.readFileSync(await downloadFrom(page, '#export'), 'utf8')), { vectorsToo: true });
      await page.selectOption('#export-format', 'parquet');
      check(readWithPython(await downloadFrom(page, '#export'), 'parquet'), { vectorsToo: true });
      await page.selectOption('#export-format', 'csv');
      check(readWithPython(await downloadFrom(page, '#export'), 'csv'), { vectorsToo: true, strings: true });
      assert.match(await page.textContent('#export-note'), /4 rows/);
      // Nothing selected: every row.
      await page.keyboard.press('Escape');
      await page.uncheck('#export-vectors');
      const all = readWithPython(await downloadFrom(page, '#export'), 'csv');
      assert.equal(all.length, meta.length);
      assert.equal(all[14999].text, meta[14999].text);
      assert.deepEqual(pageErrors(page), []);
    });

    test('the rectangle tool selects the points in the rectangle', async () => {
      await page.click('#tool-rect');
      assert.equal(await page.getAttribute('#tool-rect', 'aria-pressed'), 'true');
      const box = await mapBox(page);
      // Whole pixels of the page, as the mouse moves.
      const A = [Math.round(box.x + box.width * 0.25), Math.round(box.y + box.height * 0.3)];
      const B = [Math.round(box.x + box.width * 0.5), Math.round(box.y + box.height * 0.7)];
      const a = [A[0] - box.x, A[1] - box.y];
      const b = [B[0] - box.x, B[1] - box.y];
      await page.mouse.move(...A);
      await page.mouse.down();
      await page.mouse.move(Math.round((A[0] + B[0]) / 2), Math.round((A[1] + B[1]) / 2));
      await page.mouse.move(...B);
      await page.mouse.up();
      await page.waitForSelector('#selection');
      const positions = await screenPositions(page);
      const expected = positions
        .map(([x, y], i) => (x >= a[0] && x <= b[0] && y >= a[1] && y <= b[1] ? i : -1))
        .filter((i) => i >= 0);
      const got = await selectedRows(page);
      const extra = got.filter((r) => !expected.includes(r));
      const missing = expected.filter((r) => !got.includes(r));
      assert.ok(extra.length + missing.length <= 1,
        `rectangle ${JSON.stringify([a, b])} differs: extra ${JSON.stringify(extra.slice(0, 5).map((r) => positions[r]))} missing ${JSON.stringify(missing.slice(0, 5).map((r) => positions[r]))}`);
      await page.click('#tool-pan');
      await page.keyboard.press('Escape');
    });

    test('Shift-click on a legend category selects its rows; Alt-click removes them', async () => {
      const entry = page.locator('#legend .legend-entry').first();
      const name = await entry.locator('.name').textContent();
      const rows = meta.map((m, i) => (m.label === name ? i : -1)).filter((i) => i >= 0);
      await entry.click({ modifiers: ['Shift'] });
      await page.waitForSelector('#selection');
      assert.equal(await page.getAttribute('#selection', 'data-count'), String(rows.length));
      assert.deepEqual(await selectedRows(page), rows);
      await entry.click({ modifiers: ['Alt'] });
      await page.waitForSelector('#selection', { state: 'detached' });
    });

    test('keyboard: / focuses the search, + zooms, arrows pan, 0 resets', async () => {
      await page.click('#status');
      await page.keyboard.press('/');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'search');
      await page.keyboard.press('Escape');
      assert.notEqual(await page.evaluate(() => document.activeElement?.id), 'search');
      // From the fitted view (the tests before may have moved it).
      await page.keyboard.press('0');
      await page.waitForTimeout(100);
      const start = await screenPositions(page);
      const spread = (ps) => Math.hypot(ps[10][0] - ps[20][0], ps[10][1] - ps[20][1]);
      await page.keyboard.press('+');
      await page.waitForTimeout(100);
      assert.ok(spread(await screenPositions(page)) > spread(start) * 1.2);
      await page.keyboard.press('0');
      await page.keyboard.press('ArrowLeft');
      await page.waitForTimeout(100);
      const moved = await screenPositions(page);
      assert.ok(Math.abs(moved[10][0] - start[10][0] - 60) < 1, `${moved[10][0]} vs ${start[10][0]}`);
      await page.keyboard.press('0');
      await page.waitForTimeout(100);
      assert.ok(Math.abs((await screenPositions(page))[10][0] - start[10][0]) < 0.5);
      // Every control has an accessible name.
      const unnamed = await page.$$eval('button, input, select', (els) => els
        .filter((el) => el.offsetParent !== null)
        .filter((el) => !(el.getAttribute('aria-label') || el.labels?.[0]?.textContent.trim() || el.textContent.trim() || el.title))
        .map((el) => el.outerHTML.slice(0, 80)));
      assert.deepEqual(unnamed, []);
    });
  });
}
