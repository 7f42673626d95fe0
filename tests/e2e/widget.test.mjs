// End-to-end: the `<vecscape-map>` element and the static build served from a sub-path.
// dist/ is served under /docs/explorer/ only (anything asked for outside it is a 404), with the
// docs page (examples/docs-page: two elements on different data and an iframe of the app) and
// the cases page (tests/e2e/widget-cases: bad input, the same data twice, styles). Then a page
// bundled by esbuild from the package installed with `npm install ./dist/widget`.
// Both browser configurations: WebGPU (SwiftShader) and no GPU at all (WASM SIMD).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import {
  serve, launch, ROOT, DIST, ARTIFACTS, readPng, differsFromBackground, demoMeta, demoVectors, cosineTopK,
} from '../../web/e2e/harness.mjs';

const BASE = '/docs/explorer/';
const CASES = path.join(ROOT, 'tests', 'e2e', 'widget-cases');
const meta = demoMeta();
let server;
let outside;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'widget', 'vecscape-map.js')), 'dist/widget missing: run scripts/build-widget.sh');
  // The site's root holds nothing of vecscape: a request that escapes the sub-path 404s.
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'vecscape-site-'));
  fs.writeFileSync(path.join(outside, 'index.html'), '<!DOCTYPE html><title>another site</title>');
  server = await serve(outside, { [`${BASE}cases/`]: CASES, [BASE]: DIST });
});
after(async () => {
  await server?.close();
  fs.rmSync(outside, { recursive: true, force: true });
});

/** The view a hash holds (with or without `#`), read here with zlib. */
function viewOf(hash) {
  const h = hash.replace(/^#/, '');
  assert.match(h, /^v1\.[A-Za-z0-9_-]+$/);
  return JSON.parse(zlib.inflateRawSync(Buffer.from(h.slice(3), 'base64url')).toString('utf8'));
}

const hashOf = (view) => 'v1.' + zlib.deflateRawSync(Buffer.from(JSON.stringify(view))).toString('base64url');

/** A page that records failed requests, console errors and warnings, and every element event. */
async function openPage(browser, url, setup = async () => {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  page.errors = [];
  page.warnings = [];
  page.failed = [];
  page.requests = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(m.text());
    if (m.type() === 'warning') page.warnings.push(m.text());
  });
  page.on('request', (r) => {
    let main = false;
    try { main = r.frame() === page.mainFrame(); } catch { /* a worker's request */ }
    page.requests.push({ url: r.url(), main });
  });
  page.on('response', (r) => {
    if (r.status() >= 400) page.failed.push(`${r.status()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => page.failed.push(`failed ${r.url()}`));
  await page.addInitScript(() => {
    window.__events = [];
    for (const type of ['ready', 'error', 'hover', 'select', 'viewchange']) {
      document.addEventListener(type, (e) => {
        if (e.target?.tagName !== 'VECSCAPE-MAP') return;
        const d = e.detail ?? {};
        const detail = { ...d };
        if (d.rows && typeof d.rows === 'object') detail.rows = Array.from(d.rows);
        window.__events.push({ type, id: e.target.id, detail });
      }, true);
    }
  });
  await setup(page);
  await page.goto(url);
  return page;
}

const events = (page, id, type) => page.evaluate(([i, t]) => window.__events.filter((e) => e.id === i && e.type === t), [id, type]);

/** Wait until element `id` shows its data with `projection` settled and its map built. */
async function settled(page, id, projection, timeout = 240_000) {
  await page.waitForFunction(([i, p]) => {
    const el = document.getElementById(i);
    const app = el?.shadowRoot?.querySelector('#app');
    return el?.getAttribute('state') === 'ready' && app?.dataset.map === 'ready'
      && (!p || app.dataset.projection === p) && !el.shadowRoot.querySelector('#progress');
  }, [id, projection], { timeout, polling: 250 });
}

/** Share of sampled pixels of a screenshot that differ from the map's background. */
async function inkOf(locator, saveAs) {
  const buffer = await locator.screenshot();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, saveAs), buffer);
  const png = readPng(buffer);
  let ink = 0;
  let total = 0;
  for (let y = 0; y < png.height; y += 3) {
    for (let x = 0; x < png.width; x += 3) {
      total++;
      if (differsFromBackground(png.at(x, y))) ink++;
    }
  }
  return ink / total;
}

/** Where on element `id` the pointer is over a point (a hover event says which), else null. */
async function findPoint(page, id) {
  const box = await page.locator(`#${id} >> #map`).boundingBox();
  for (let gy = 0.3; gy <= 0.7; gy += 0.05) {
    for (let gx = 0.3; gx <= 0.7; gx += 0.05) {
      const x = box.x + box.width * gx;
      const y = box.y + box.height * gy;
      await page.mouse.move(x, y);
      await page.waitForTimeout(40);
      const hovers = await events(page, id, 'hover');
      const last = hovers.at(-1);
      if (last?.detail.row !== null && last?.detail.row !== undefined) return { x, y, row: last.detail.row, detail: last.detail };
    }
  }
  return null;
}

const CONFIGS = [
  { name: 'webgpu', webgpu: true },
  { name: 'cpu', webgpu: false },
];

for (const config of CONFIGS) {
  describe(`<vecscape-map> (${config.name})`, () => {
    let browser;
    before(async () => { browser = await launch({ webgpu: config.webgpu }); });
    after(async () => { await browser?.close(); });

    test('the docs page under /docs/explorer/: both maps and the iframe show their data, events and the JS API', async () => {
      const page = await openPage(browser, `${server.url}docs/explorer/examples/docs-page/`);
      await settled(page, 'wordnet', 'umap');
      // The second map is out of view: it has not started, nor fetched its data.
      assert.equal(await page.locator('#fortunes').getAttribute('state'), null);
      // (The iframe below opens the same file in the app; only the page's own fetches count.)
      assert.ok(!page.requests.some((r) => r.main && new URL(r.url).pathname.endsWith('/fortunes.f16.npy')),
        'the second map fetched before it was scrolled into view');

      const ready = (await events(page, 'wordnet', 'ready'))[0];
      assert.equal(ready.detail.rows, meta.length);
      assert.equal(ready.detail.name, 'vectors.f16.npy');
      const wordnetInk = await inkOf(page.locator('#wordnet'), `widget-${config.name}-wordnet.png`);
      assert.ok(wordnetInk > 0.05, `the first map is nearly blank (${wordnetInk})`);
      // Labels are drawn (text nodes inside the shadow root).
      const labels = await page.evaluate(() => [...document.querySelector('#wordnet').shadowRoot.querySelectorAll('.map-label')].map((l) => l.textContent));
      assert.ok(labels.length >= 3, `labels: ${labels}`);

      // hover: the text of the row under the pointer, as the metadata file has it.
      const point = await findPoint(page, 'wordnet');
      assert.ok(point, 'no point found under the pointer');
      assert.equal(point.detail.text, meta[point.row].text);
      assert.equal(point.detail.category, meta[point.row].label);

      // click: the row and its exact neighbours (brute force here).
      await page.mouse.click(point.x, point.y);
      await page.waitForFunction(() => window.__events.some((e) => e.id === 'wordnet' && e.type === 'select' && e.detail.source === 'click'), null, { timeout: 60_000 });
      const click = (await events(page, 'wordnet', 'select')).find((e) => e.detail.source === 'click');
      const vectors = demoVectors();
      const clicked = click.detail.rows[0];
      const expected = cosineTopK(vectors, clicked, 10).map(([, r]) => r);
      assert.deepEqual(click.detail.neighbors.map((n) => n.row), expected);
      assert.equal(click.detail.texts[0], meta[clicked].text);

      // el.neighbors(row, k)
      const found = await page.evaluate(() => document.querySelector('#wordnet').neighbors(42, 7));
      assert.deepEqual(found.map((n) => n.row), cosineTopK(vectors, 42, 7).map(([, r]) => r));
      for (const n of found) assert.equal(n.text, meta[n.row].text);

      // el.search(text): every hit's text has the word; the total counts them all.
      const result = await page.evaluate(() => document.querySelector('#wordnet').search('violin'));
      const withWord = meta.filter((m) => /\bviolin/i.test(m.text)).length;
      assert.ok(result.total >= 1 && result.total === Math.min(result.total, withWord + 5), JSON.stringify(result).slice(0, 300));
      for (const h of result.hits) assert.match(h.text, /violin/i);
      assert.ok(await page.locator('#wordnet >> #search-results').isVisible(), 'the results are not listed in the map');

      // el.select(rows), el.selection and the select event.
      await page.evaluate(() => document.querySelector('#wordnet').select([5, 3, 11]));
      await page.waitForFunction(() => window.__events.some((e) => e.id === 'wordnet' && e.type === 'select' && e.detail.source === 'selection'));
      const selected = (await events(page, 'wordnet', 'select')).filter((e) => e.detail.source === 'selection').at(-1);
      assert.deepEqual(selected.detail.rows, [3, 5, 11]);
      assert.deepEqual(selected.detail.texts, [3, 5, 11].map((r) => meta[r].text));
      assert.deepEqual(await page.evaluate(() => document.querySelector('#wordnet').selection), [3, 5, 11]);

      // viewchange: a zoom on the map; el.view is the same view.
      const box = await page.locator('#wordnet >> #map').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -600);
      await page.waitForFunction(() => window.__events.some((e) => e.id === 'wordnet' && e.type === 'viewchange' && e.detail.zoom > 1.2), null, { timeout: 20_000 });
      const change = (await events(page, 'wordnet', 'viewchange')).at(-1);
      const described = viewOf(change.detail.view);
      assert.ok(described.zoom > 1.2);
      assert.equal(described.projection, 'umap');
      assert.deepEqual(described.selection, [[3, 1], [5, 1], [11, 1]]);
      assert.equal(described.data.vectors, new URL('docs/explorer/demo/vectors.f16.npy', server.url).href);
      assert.equal(await page.evaluate(() => document.querySelector('#wordnet').view), change.detail.view);

      // el.view = …: another zoom and colour; "Open in vecscape" carries the view to the app.
      const wanted = hashOf({ zoom: 3, center: described.center, color: 'none' });
      await page.evaluate((h) => { document.querySelector('#wordnet').view = h; }, wanted);
      await page.waitForFunction(() => {
        const el = document.querySelector('#wordnet');
        return el.shadowRoot.querySelector('#color-by').value === 'none';
      });
      const after = viewOf(await page.evaluate(() => document.querySelector('#wordnet').view));
      assert.ok(Math.abs(after.zoom - 3) < 1e-3, JSON.stringify(after));
      assert.equal(after.color, 'none');
      const appLink = await page.evaluate(() => document.querySelector('#wordnet').appLink);
      assert.ok(appLink.startsWith(new URL('docs/explorer/index.html#v1.', server.url).href), appLink);
      assert.equal(viewOf(appLink.split('#')[1]).color, 'none');

      // Attribute changes re-apply: colour, labels, toolbar, projection.
      await page.evaluate(() => document.querySelector('#wordnet').setAttribute('color-by', 'label'));
      await page.waitForFunction(() => document.querySelector('#wordnet').shadowRoot.querySelector('#color-by').value === 'cat:label');
      await page.evaluate(() => document.querySelector('#wordnet').setAttribute('labels', 'false'));
      await page.waitForFunction(() => document.querySelector('#wordnet').shadowRoot.querySelectorAll('.map-label').length === 0);
      await page.evaluate(() => document.querySelector('#wordnet').setAttribute('toolbar', 'full'));
      await page.waitForFunction(() => !!document.querySelector('#wordnet').shadowRoot.querySelector('#projection'));
      await page.evaluate(() => document.querySelector('#wordnet').setAttribute('toolbar', 'none'));
      await page.waitForFunction(() => !document.querySelector('#wordnet').shadowRoot.querySelector('.toolbar'));
      await page.evaluate(() => document.querySelector('#wordnet').setAttribute('projection', 'pca'));
      await settled(page, 'wordnet', 'pca', 60_000);

      // The page's styles on `canvas` and `.label` do not reach inside; its fonts do not either.
      const inside = await page.evaluate(() => {
        const root = document.querySelector('#wordnet').shadowRoot;
        const canvas = [...root.querySelectorAll('canvas')].find((c) => c.offsetWidth > 0);
        const s = getComputedStyle(canvas);
        return { outline: s.outlineStyle, font: getComputedStyle(root.querySelector('#app')).fontFamily };
      });
      assert.equal(inside.outline, 'none');
      assert.ok(!/Georgia/.test(inside.font), inside.font);

      // The second map, once scrolled to: its own data, and not the first one's state.
      await page.locator('#fortunes').scrollIntoViewIfNeeded();
      await settled(page, 'fortunes', 'pca');
      const fortunes = (await events(page, 'fortunes', 'ready'))[0];
      assert.equal(fortunes.detail.rows, 2537);
      assert.equal(await page.evaluate(() => document.querySelector('#fortunes').shadowRoot.querySelector('.toolbar')), null);
      assert.deepEqual(await page.evaluate(() => document.querySelector('#fortunes').selection), []);
      const fortunesInk = await inkOf(page.locator('#fortunes'), `widget-${config.name}-fortunes.png`);
      assert.ok(fortunesInk > 0.03, `the second map is nearly blank (${fortunesInk})`);

      // The iframe: the app itself, with the view in its address (a search for "love").
      await page.locator('#app-frame').scrollIntoViewIfNeeded();
      const frame = page.frameLocator('#app-frame');
      await frame.locator('#app[data-state="ready"]').waitFor({ timeout: 180_000 });
      await frame.locator('#search-results').waitFor({ timeout: 60_000 });
      assert.equal(await frame.locator('#search').inputValue(), 'love');
      // `?toolbar=compact`: the compact toolbar, whose "Open in vecscape" is the whole app.
      assert.equal(await frame.locator('#projection').count(), 0);
      const whole = new URL(await frame.locator('#open-app').getAttribute('href'));
      assert.equal(whole.searchParams.get('toolbar'), null);
      assert.equal(whole.searchParams.get('meta'), 'examples/docs-page/data/fortunes.jsonl');
      const frameInk = await inkOf(page.locator('#app-frame'), `widget-${config.name}-iframe.png`);
      assert.ok(frameInk > 0.05, `the iframe is nearly blank (${frameInk})`);

      assert.deepEqual(page.failed, []);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('bad input stays inside its element; the same data is fetched once; unknown values warn', async () => {
      const page = await openPage(browser, `${server.url}docs/explorer/cases/`);
      for (const id of ['missing', 'broken', 'nosrc']) {
        await page.waitForFunction((i) => document.getElementById(i)?.getAttribute('state') === 'error', id, { timeout: 120_000 });
      }
      const error = async (id) => (await events(page, id, 'error')).map((e) => e.detail.message).join(' | ');
      assert.match(await error('missing'), /no-such-file\.npy: HTTP 404/);
      assert.match(await error('broken'), /broken\.npy/);
      assert.match(await error('nosrc'), /no src/);
      // Each says why inside itself (as text), and the page around is untouched.
      const shown = await page.evaluate(() => document.querySelector('#missing').shadowRoot.querySelector('#error').textContent);
      assert.match(shown, /no-such-file\.npy: HTTP 404/);
      assert.equal(await page.locator('#page-text').innerText(), 'The page goes on.');
      // The same URL twice: one fetch between them.
      await settled(page, 'same-a', null);
      await settled(page, 'same-b', null);
      const fetches = page.requests.filter((r) => r.url.endsWith('/fortunes.f16.npy'));
      assert.equal(fetches.length, 1, JSON.stringify(fetches));
      // Both show the data, each its own instance: selecting in one leaves the other alone.
      await page.evaluate(() => document.querySelector('#same-a').select([1, 2]));
      await page.waitForTimeout(200);
      assert.deepEqual(await page.evaluate(() => document.querySelector('#same-b').selection), []);
      // Unknown attribute values: ignored, with a warning naming them.
      assert.ok(page.warnings.some((w) => w.includes('projection="tsne"')), page.warnings.join('\n'));
      assert.ok(page.warnings.some((w) => w.includes('toolbar="huge"')), page.warnings.join('\n'));
      assert.ok(page.warnings.some((w) => w.includes('color-by="colour"')), page.warnings.join('\n'));
      // The elements' styles stay inside: the page's button keeps the browser's look.
      const button = await page.evaluate(() => getComputedStyle(document.querySelector('#page-button')).borderRadius);
      assert.notEqual(button, '6px');
      // Only the deliberate 404 failed.
      assert.deepEqual(page.failed.filter((f) => !f.includes('no-such-file.npy')), []);
      await page.close();
    });

    test('grid, backend and contours; an element made by script; a changed src', async () => {
      // WizMap's data.ndjson (x, y, text) and a grid.json with its own topics, served here.
      const rows = [];
      for (let i = 0; i < 40; i++) rows.push([1 + (i % 7) * 0.3, 1 + Math.floor(i / 7) * 0.3, `south-west ${i}`]);
      for (let i = 0; i < 40; i++) rows.push([8 + (i % 7) * 0.3, 8 + Math.floor(i / 7) * 0.3, `north-east ${i}`]);
      const n = 30;
      const grid = Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, i) => {
        const [x, y] = [-1 + (12 * i) / (n - 1), -1 + (12 * j) / (n - 1)];
        return Math.exp(-((x - 2) ** 2 + (y - 2) ** 2) / 2) + Math.exp(-((x - 9) ** 2 + (y - 9) ** 2) / 2);
      }));
      const topic = {
        extent: [[0, 0], [16, 16]],
        range: [1, 1, 9.8, 9.8],
        data: { 2: [[2, 2, 'given-topic-<b>bold</b>'], [10, 10, 'other-corner']], 3: [[3, 3, 'given-topic-<b>bold</b>'], [9, 9, 'other-corner']] },
      };
      const files = {
        'data.ndjson': rows.map((r) => JSON.stringify(r)).join('\n'),
        'grid.json': JSON.stringify({ grid, xRange: [-1, 11], yRange: [-1, 11], padded: true, sampleSize: 80, totalPointSize: 80, topic, embeddingName: 'test' }),
      };
      files['page.html'] = '<!DOCTYPE html><link rel="icon" href="data:,"><script type="module" src="../../widget/vecscape-map.js"></script><p>A page.</p>';
      const page = await openPage(browser, `${server.url}docs/explorer/cases/wiz/page.html`, (p) => p.route('**/cases/wiz/*', (route) => {
        const name = new URL(route.request().url()).pathname.split('/').pop();
        return route.fulfill({ contentType: name.endsWith('.html') ? 'text/html' : 'application/octet-stream', body: files[name] });
      }));
      await page.evaluate(() => {
        const el = document.createElement('vecscape-map');
        el.id = 'wizmap';
        for (const [k, v] of Object.entries({ src: 'data.ndjson', grid: 'grid.json', toolbar: 'full', backend: 'cpu', contours: 'false', style: 'height:300px' })) el.setAttribute(k, v);
        document.body.prepend(el);
      });
      await settled(page, 'wizmap', null);
      const inside = (sel) => page.evaluate((s) => document.querySelector('#wizmap').shadowRoot.querySelector(s)?.outerHTML ?? null, sel);
      // grid: WizMap's own topics (as text) and levels; backend="cpu": drawn on the CPU.
      await page.waitForFunction(() => /map: 2 levels from grid\.json/.test(document.querySelector('#wizmap').shadowRoot.querySelector('#status').innerText));
      await page.waitForFunction(() => [...document.querySelector('#wizmap').shadowRoot.querySelectorAll('.map-label')].some((l) => l.textContent === 'given-topic-<b>bold</b>'));
      assert.equal(await page.evaluate(() => document.querySelector('#wizmap').shadowRoot.querySelectorAll('.map-label b').length), 0);
      assert.match(await inside('#status'), /data-backend="cpu"/);
      // contours="false": the layer is off (the full toolbar's checkbox says so).
      assert.equal(await page.evaluate(() => document.querySelector('#wizmap').shadowRoot.querySelector('#layer-contours').checked), false);
      await page.evaluate(() => document.querySelector('#wizmap').setAttribute('contours', 'true'));
      await page.waitForFunction(() => document.querySelector('#wizmap').shadowRoot.querySelector('#layer-contours').checked);
      // backend="auto": the element starts again, on WebGPU where the browser has it.
      await page.evaluate(() => document.querySelector('#wizmap').setAttribute('backend', 'auto'));
      await page.waitForFunction((want) => document.querySelector('#wizmap').shadowRoot?.querySelector('#status')?.dataset.backend === want
        && document.querySelector('#wizmap').getAttribute('state') === 'ready', config.webgpu ? 'webgpu' : 'cpu', { timeout: 120_000 });
      // A changed src: the new data replaces the old.
      await page.evaluate(() => document.querySelector('#wizmap').setAttribute('src', '../../examples/docs-page/data/fortunes.f16.npy'));
      await page.waitForFunction(() => window.__events.filter((e) => e.id === 'wizmap' && e.type === 'ready').some((e) => e.detail.rows === 2537), null, { timeout: 120_000 });
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  });
}

describe("the app's Share menu", () => {
  test('its element snippet, pasted into another page, shows the same data and view; its iframe names the address', async () => {
    const browser = await launch({ webgpu: false });
    try {
      const page = await openPage(browser, `${server.url}docs/explorer/index.html?projection=pca`);
      await page.waitForSelector('#app[data-state="ready"][data-map="ready"]', { timeout: 180_000 });
      await page.selectOption('#color-by', 'none');
      await page.click('#share');
      const element = await page.inputValue('#share-element');
      const iframe = await page.inputValue('#share-iframe');
      const link = await page.inputValue('#share-link');
      assert.equal(link, page.url());
      assert.match(link, /#v1\./);
      const framed = new URL(link);
      framed.searchParams.set('toolbar', 'compact');
      assert.ok(iframe.startsWith(`<iframe src="${framed.href.replaceAll('&', '&amp;')}"`), iframe);
      assert.match(element, /^<script type="module" src="http:\/\/[^"]+\/docs\/explorer\/widget\/vecscape-map\.js"><\/script>\n<vecscape-map src="[^"]+\/docs\/explorer\/demo\/vectors\.f16\.npy" meta="[^"]+\/demo\/meta\.jsonl" view="v1\.[A-Za-z0-9_-]+"/);
      const view = viewOf(element.match(/view="([^"]+)"/)[1]);
      assert.equal(view.color, 'none');
      assert.equal(view.projection, 'pca');
      // Pasted into a page of another site (here: another path of the same server).
      const other = await openPage(browser, `${server.url}elsewhere/snippet.html`, (p) => p.route('**/elsewhere/snippet.html',
        (route) => route.fulfill({ contentType: 'text/html', body: `<!DOCTYPE html><link rel="icon" href="data:,">${element}` })));
      await other.waitForFunction(() => document.querySelector('vecscape-map')?.getAttribute('state') === 'ready', null, { timeout: 120_000 });
      await other.waitForFunction(() => document.querySelector('vecscape-map').shadowRoot.querySelector('#color-by')?.value === 'none', null, { timeout: 60_000 });
      const ready = (await other.evaluate(() => window.__events.filter((e) => e.type === 'ready')))[0];
      assert.equal(ready.detail.rows, meta.length);
      assert.deepEqual(other.errors, []);
    } finally {
      await browser.close();
    }
  });
});

describe('<vecscape-map> bundled by esbuild from the installed package', () => {
  test('a page importing "vecscape-map" shows its map', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecscape-bundle-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'docs-site', private: true, type: 'module' }));
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(DIST, 'widget')], { cwd: dir, stdio: 'pipe' });
      fs.writeFileSync(path.join(dir, 'entry.js'),
        "import { configure, VecscapeMap } from 'vecscape-map';\n" +
        "configure({ assets: './assets/' });\n" +
        "window.bundled = typeof VecscapeMap === 'function';\n");
      const esbuild = await import('../../web/e2e/node_modules/esbuild/lib/main.js');
      await esbuild.build({
        entryPoints: [path.join(dir, 'entry.js')], bundle: true, format: 'esm', outfile: path.join(dir, 'site', 'bundle.js'), logLevel: 'silent',
        absWorkingDir: dir,
      });
      // A bundler leaves the wasm, worker and styles to the site: copied beside the bundle.
      const assets = path.join(dir, 'site', 'assets');
      fs.mkdirSync(assets, { recursive: true });
      for (const f of fs.readdirSync(path.join(DIST, 'widget'))) {
        if (f !== 'vecscape-map.js') fs.copyFileSync(path.join(DIST, 'widget', f), path.join(assets, f));
      }
      fs.writeFileSync(path.join(dir, 'site', 'index.html'),
        '<!DOCTYPE html><link rel="icon" href="data:,"><script type="module" src="bundle.js"></script>' +
        '<vecscape-map id="bundled" src="/data/fortunes.f16.npy" meta="/data/fortunes.jsonl" projection="pca" style="height:360px"></vecscape-map>');
      const site = await serve(path.join(dir, 'site'), { '/data/': path.join(ROOT, 'examples', 'docs-page', 'data') });
      const browser = await launch({ webgpu: false });
      try {
        const page = await openPage(browser, site.url);
        await settled(page, 'bundled', 'pca', 120_000);
        assert.equal(await page.evaluate(() => window.bundled), true);
        const ink = await inkOf(page.locator('#bundled'), 'widget-bundled.png');
        assert.ok(ink > 0.03, `the bundled map is nearly blank (${ink})`);
        assert.deepEqual(page.failed, []);
        assert.deepEqual(page.errors, []);
      } finally {
        await browser.close();
        await site.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('<vecscape-map> size', () => {
  test("the widget's wasm (the app's and its worker's) is at most 1 MB gzipped", () => {
    const dir = path.join(DIST, 'widget');
    const wasm = fs.readdirSync(dir).filter((f) => f.endsWith('.wasm'));
    assert.deepEqual(wasm.sort(), ['vecscape_widget_bg.wasm', 'vecscape_worker_bg.wasm']);
    const sizes = wasm.map((f) => zlib.gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }).length);
    const total = sizes.reduce((a, b) => a + b, 0);
    console.log(`widget wasm gzipped: ${wasm.map((f, i) => `${f} ${sizes[i]}`).join(', ')}; total ${total} bytes`);
    assert.ok(total <= 1_000_000, `${total} bytes gzipped`);
  });
});
