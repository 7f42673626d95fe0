// End-to-end: views you can link to. The view in the URL's hash (deflate + base64url JSON)
// restores exactly in a new page; panning replaces the entry, other changes push one (Back
// undoes them); a hash that does not parse, rows past the end and unknown fields leave notes.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import {
  serve, launch, openApp, screenPositions, demoMeta, mapPixels, pageErrors,
} from '../../web/e2e/harness.mjs';

const meta = demoMeta();
let server;
before(async () => { server = await serve(); });
after(async () => { await server?.close(); });

/** A hash as the page writes it, made here with zlib's raw deflate. */
function hashOf(view) {
  return '#v1.' + zlib.deflateRawSync(Buffer.from(JSON.stringify(view))).toString('base64url');
}

/** The view a hash holds, read here with zlib. */
function viewOf(hash) {
  assert.match(hash, /^#v1\.[A-Za-z0-9_-]+$/);
  return JSON.parse(zlib.inflateRawSync(Buffer.from(hash.slice(4), 'base64url')).toString('utf8'));
}

const CONFIGS = [
  { name: 'webgpu', webgpu: true, query: '?backend=webgpu&projection=pca' },
  { name: 'cpu', webgpu: true, query: '?backend=cpu&projection=pca' },
  { name: 'nogpu', webgpu: false, query: '?projection=pca' },
];

/** The panels over the map (legend, search results, selection), relative to it: their texts
 * say how long things took, which differs between two pages. */
function panelsOf(page) {
  return page.evaluate(() => {
    const map = document.querySelector('#map').getBoundingClientRect();
    return [...document.querySelectorAll('#map .legend, #map .side > *')].map((el) => {
      const r = el.getBoundingClientRect();
      return [r.left - map.left, r.top - map.top, r.right - map.left, r.bottom - map.top];
    });
  });
}

/** Share of sampled pixels two screenshots of the map agree on, outside `panels`. */
function agreement(a, b, panels) {
  let same = 0;
  let total = 0;
  const covered = (x, y) => panels.some(([x0, y0, x1, y1]) => x >= x0 - 2 && x <= x1 + 2 && y >= y0 - 2 && y <= y1 + 2);
  for (let y = 0; y < Math.min(a.height, b.height); y += 2) {
    for (let x = 0; x < Math.min(a.width, b.width); x += 2) {
      if (covered(x, y)) continue;
      const [p, q] = [a.at(x, y), b.at(x, y)];
      if (Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]) + Math.abs(p[2] - q[2]) <= 6) same++;
      total++;
    }
  }
  return same / total;
}

for (const config of CONFIGS) {
  describe(`a view in a link (${config.name})`, () => {
    let browser;
    before(async () => { browser = await launch(config); });
    after(async () => { await browser?.close(); });

    test('a view restores exactly from its link (the same picture), and Back undoes a colour change and a search', async () => {
      const page = await openApp(browser, server.url + config.query);
      await page.waitForSelector('#app[data-map=ready]', { timeout: 180_000 });
      await page.waitForTimeout(600);
      // about:blank and the page: its start-up replaced its entry rather than pushing one.
      const fresh = await page.evaluate(() => history.length);
      await page.fill('#search', 'bird');
      await page.press('#search', 'Enter');
      await page.waitForSelector('#search-results .results-title');
      const entry = page.locator('#legend .legend-entry').nth(2);
      const name = await entry.locator('.name').textContent();
      await entry.click({ modifiers: ['Shift'] });
      await page.waitForSelector('#selection');
      await page.locator('#search').blur();
      await page.keyboard.press('+');
      await page.keyboard.press('+');
      await page.keyboard.press('ArrowLeft');
      await page.waitForFunction(() => location.hash.startsWith('#v1.'));
      await page.waitForTimeout(800);
      const hash = await page.evaluate(() => location.hash);
      const view = viewOf(hash);
      assert.equal(view.query, 'bird');
      assert.equal(view.projection, 'pca');
      assert.ok(view.zoom > 1.5, `zoom ${view.zoom}`);
      const rows = meta.map((m, i) => (m.label === name ? i : -1)).filter((i) => i >= 0);
      assert.deepEqual(view.selection.flatMap(([a, n]) => Array.from({ length: n }, (_, i) => a + i)), rows);
      const positions = await screenPositions(page);

      const copy = await openApp(browser, server.url + config.query + hash);
      await copy.waitForSelector(`#selection[data-count="${rows.length}"]`, { timeout: 60_000 });
      await copy.waitForSelector('#search-results .results-title');
      assert.equal(await copy.inputValue('#search'), 'bird');
      assert.equal(await copy.textContent('#search-results .results-title'), await page.textContent('#search-results .results-title'));
      assert.deepEqual(await copy.evaluate(() => Array.from(window.vecscapeTest.selectedRows())), rows);
      assert.equal(await copy.inputValue('#color-by'), await page.inputValue('#color-by'));
      await copy.waitForTimeout(300);
      const restored = await screenPositions(copy);
      for (const r of [0, 100, 5000, 14999]) {
        assert.ok(Math.hypot(restored[r][0] - positions[r][0], restored[r][1] - positions[r][1]) < 0.5,
          `row ${r}: ${restored[r]} vs ${positions[r]}`);
      }
      assert.equal(await copy.locator('#link-note').count(), 0);
      // The same picture of the map (both drawn by the CPU rasteriser, or both by WebGPU).
      await copy.waitForSelector('#app[data-map=ready]', { timeout: 180_000 });
      await copy.waitForTimeout(700);
      const [shot, copied] = [await mapPixels(page, `link-${config.name}-view.png`), await mapPixels(copy, `link-${config.name}-copy.png`)];
      const panels = [...await panelsOf(page), ...await panelsOf(copy)];
      const agree = agreement(shot, copied, panels);
      assert.ok(agree > 0.995, `the copied link's map agrees on ${(agree * 100).toFixed(2)} % of pixels`);
      // Opening the link made no history entry of its own.
      assert.equal(await copy.evaluate(() => history.length), fresh);

      // A new search is a step Back undoes; panning is not.
      const before = await page.evaluate(() => history.length);
      await page.fill('#search', 'eagle');
      await page.press('#search', 'Enter');
      await page.waitForSelector('#search-results .results-title:has-text("eagle")');
      await page.waitForFunction((h) => location.hash !== h, hash);
      await page.waitForTimeout(600);
      assert.equal(await page.evaluate(() => history.length), before + 1);
      await page.goBack();
      await page.waitForSelector('#search-results .results-title:has-text("bird")');
      assert.equal(await page.inputValue('#search'), 'bird');
      assert.deepEqual(await page.evaluate(() => Array.from(window.vecscapeTest.selectedRows())), rows);
      // A colour change is a step Back undoes: the colour chooser and the points' colours.
      const colours = () => page.evaluate(() => Array.from(window.vecscapeTest.pointColors()));
      const [colourKey, coloured] = [await page.inputValue('#color-by'), await colours()];
      const other = await page.$$eval('#color-by option', (os, k) => os.map((o) => o.value).find((v) => v !== k && v !== 'faithfulness'), colourKey);
      await page.selectOption('#color-by', other);
      await page.waitForFunction((h) => location.hash !== h, hash);
      await page.waitForTimeout(600);
      assert.notDeepEqual(await colours(), coloured);
      await page.goBack();
      await page.waitForFunction((k) => document.querySelector('#color-by').value === k, colourKey);
      assert.deepEqual(await colours(), coloured);
      await page.waitForTimeout(600);

      assert.deepEqual(pageErrors(page), []);
      assert.deepEqual(pageErrors(copy), []);
      await copy.close();
      await page.close();
    });
  });
}

describe('views in links', () => {
  let browser;
  before(async () => { browser = await launch({ webgpu: false }); });
  after(async () => { await browser?.close(); });

  test('a hash that does not parse restores the default view with a note', async () => {
    const page = await openApp(browser, server.url + '?projection=pca#v1.@@not-base64@@');
    await page.waitForSelector('#link-note');
    assert.match(await page.textContent('#link-note'), /could not be read/);
    assert.ok((await screenPositions(page)).length === meta.length);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  test('rows past the end, unknown fields and unknown categories are ignored with notes; the rest is restored', async () => {
    const hash = hashOf({ selection: [[14990, 20]], colour: 'x', query: '<img src=x onerror=alert(1)> bird', hidden: ['no.such'], color: 'cat:label' });
    const page = await openApp(browser, server.url + '?projection=pca' + hash);
    await page.waitForSelector('#selection[data-count="10"]', { timeout: 60_000 });
    const note = await page.textContent('#link-note');
    assert.match(note, /10 selected rows in the link are past the end/);
    assert.match(note, /"colour" is unknown/);
    assert.match(note, /no category "no\.such"/);
    assert.deepEqual(await page.evaluate(() => Array.from(window.vecscapeTest.selectedRows())),
      Array.from({ length: 10 }, (_, i) => 14990 + i));
    await page.waitForSelector('#search-results .results-title');
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});
