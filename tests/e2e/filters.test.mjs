// End-to-end: the filters — a histogram with a brush for each numeric column and the time, two
// sliders each — hide the points outside their ranges, compose with each other, restrict
// search ("within the filter") and travel in links. Data: a JSON Lines file made here.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  serve, launch, openApp, pageErrors, drawnRows,
} from '../../web/e2e/harness.mjs';

const ROWS = 400;
const DAY = 86_400;
const START = Date.UTC(2024, 0, 1) / 1000;
const rows = Array.from({ length: ROWS }, (_, i) => ({
  embedding: Array.from({ length: 8 }, (_, d) => Math.sin(i * 0.37 + d * 1.3) + (d === i % 8 ? 1 : 0)),
  text: `item ${i} ${i % 2 ? 'odd' : 'even'}`,
  label: i % 3 ? 'b' : 'a',
  score: i,
  date: new Date((START + i * DAY) * 1000).toISOString(),
}));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecscape-filters-'));
fs.writeFileSync(path.join(dir, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

let server;
before(async () => { server = await serve(undefined, { '/fixture/': dir }); });
after(async () => { await server?.close(); });

/** Set slider `cls` of filter `field` to `step` (0…1000) as a user dragging it would. */
async function slide(page, field, cls, step) {
  await page.evaluate(([f, c, s]) => {
    const input = document.querySelector(`#filters .filter[data-field="${f}"] input.${c}`);
    input.value = String(s);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, [field, cls, step]);
}

const CONFIGS = [
  { name: 'webgpu', webgpu: true, query: '?backend=webgpu&projection=pca' },
  { name: 'cpu', webgpu: true, query: '?backend=cpu&projection=pca' },
  { name: 'nogpu', webgpu: false, query: '?projection=pca' },
];

for (const config of CONFIGS) {
  describe(`filters (${config.name})`, () => {
    let browser;
    before(async () => { browser = await launch(config); });
    after(async () => { await browser?.close(); });

    test('sliders and the brush keep ranges; filters compose, restrict search and travel in links', async () => {
      const page = await openApp(browser, server.url + config.query + '&data=/fixture/rows.jsonl');
      await page.waitForSelector('#filters .filter[data-field="score"]');
      assert.deepEqual(await page.$$eval('#filters .filter', (els) => els.map((e) => e.dataset.field)), ['score', 'date']);
      await page.waitForSelector('#app[data-map=ready]', { timeout: 120_000 });
      const density = async () => Array.from(await page.evaluate(() => window.vecscapeTest.densityShown()));
      const whole = await density();
      assert.equal(whole[0], ROWS);
      // score ≥ 0 + 399 · 0.5 (step 500 of 1000).
      await slide(page, 'score', 'filter-lo', 500);
      await page.waitForSelector('#filters .filter[data-field="score"][data-narrowed="true"]');
      const byScore = rows.map((r, i) => (r.score >= 199.5 ? i : -1)).filter((i) => i >= 0);
      assert.deepEqual(await drawnRows(page), byScore);
      // The density and contours are redone for the points shown.
      const filtered = await density();
      assert.equal(filtered[0], byScore.length);
      assert.notEqual(filtered[1], whole[1]);
      // Brush across the time histogram from a quarter to three quarters of its width.
      const svg = page.locator('#filters .filter[data-field="date"] svg.histogram');
      const box = await svg.boundingBox();
      const [x0, x1] = [Math.round(box.x + box.width * 0.25), Math.round(box.x + box.width * 0.75)];
      const y = Math.round(box.y + box.height / 2);
      await page.mouse.move(x0, y);
      await page.mouse.down();
      await page.mouse.move(Math.round((x0 + x1) / 2), y);
      await page.mouse.move(x1, y);
      await page.mouse.up();
      await page.waitForSelector('#filters .filter[data-field="date"][data-narrowed="true"]');
      const [t0, t1] = [START, START + (ROWS - 1) * DAY];
      const at = (x) => t0 + (t1 - t0) * Math.min(1, Math.max(0, (x - box.x) / box.width));
      const [lo, hi] = [at(x0), at(x1)];
      const both = rows.map((r, i) => {
        const t = Date.parse(r.date) / 1000;
        return r.score >= 199.5 && t >= lo && t <= hi ? i : -1;
      }).filter((i) => i >= 0);
      const shown = await drawnRows(page);
      const sym = shown.filter((r) => !both.includes(r)).length + both.filter((r) => !shown.includes(r)).length;
      assert.ok(sym <= 1, `brush: ${shown.length} shown vs ${both.length} expected`);
      assert.ok(both.length > 40 && both.length < 200, `${both.length}`);
      // Search within the filter: "item" is in every text.
      await page.fill('#search', 'item');
      await page.press('#search', 'Enter');
      await page.waitForSelector('#search-results .results-title:has-text("within the filter")');
      assert.equal(Number(await page.getAttribute('#search-results .results-title', 'data-total')), shown.length);
      // The link carries the filters.
      await page.waitForTimeout(800);
      const hash = await page.evaluate(() => location.hash);
      const copy = await openApp(browser, server.url + config.query + '&data=/fixture/rows.jsonl' + hash);
      await copy.waitForSelector('#filters .filter[data-field="date"][data-narrowed="true"]');
      await copy.waitForSelector('#search-results .results-title');
      assert.deepEqual(await drawnRows(copy), shown);
      // Double-click keeps all again.
      await svg.dblclick();
      await page.waitForSelector('#filters .filter[data-field="date"][data-narrowed="false"]');
      assert.deepEqual(await drawnRows(page), byScore);
      assert.deepEqual(await density(), filtered);
      // All shown again: the map's own density, exactly.
      await slide(page, 'score', 'filter-lo', 0);
      await page.waitForSelector('#filters .filter[data-field="score"][data-narrowed="false"]');
      assert.deepEqual(await density(), whole);
      assert.deepEqual(pageErrors(page), []);
      assert.deepEqual(pageErrors(copy), []);
      await copy.close();
      await page.close();
    });
  });
}
