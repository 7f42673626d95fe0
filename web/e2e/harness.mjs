// End-to-end harness: serves the built app (dist/) on loopback and launches Debian's Chromium
// through playwright-core, with or without WebGPU (SwiftShader).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');
export const ARTIFACTS = path.join(ROOT, 'target', 'e2e');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.npy': 'application/octet-stream',
  '.jsonl': 'application/x-ndjson',
  '.png': 'image/png',
};

/**
 * Serve `dir` on 127.0.0.1 at a free port. `mounts` maps URL prefixes ('/shared/') to other
 * directories (data for benchmarks).
 */
export async function serve(dir = DIST, mounts = {}) {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`${dir}/index.html missing: run \`trunk build --release --offline\` first`);
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const pathname = decodeURIComponent(url.pathname);
    const mount = Object.keys(mounts).find((prefix) => pathname.startsWith(prefix));
    const base = mount ? mounts[mount] : dir;
    let file = path.normalize(path.join(base, mount ? pathname.slice(mount.length) : pathname));
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-length': data.length,
      });
      res.end(data);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
];

/** Launch headless Chromium; `webgpu: false` starts it with no GPU at all. */
export async function launch({ webgpu }) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: webgpu ? [...BASE_FLAGS, ...WEBGPU_FLAGS] : [...BASE_FLAGS, '--disable-gpu'],
  });
}

/** Open the app and wait until it is ready; console errors are collected in `page.errors`,
 *  warnings (the page's and its worker's `log` records among them) in `page.warnings`. */
export async function openApp(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  page.errors = [];
  page.warnings = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(m.text());
    if (m.type() === 'warning') page.warnings.push(m.text());
  });
  await page.goto(url);
  await page.waitForSelector('#app[data-state="ready"]', { timeout: 180_000 });
  return page;
}

/** Screenshot of the map element, decoded: { width, height, at(x, y) -> [r, g, b, a] }. */
export async function mapPixels(page, saveAs) {
  const buffer = await page.locator('#map').screenshot();
  if (saveAs) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, saveAs), buffer);
  }
  return readPng(buffer);
}

/** A PNG file's pixels: { width, height, at(x, y) -> [r, g, b, a] }. */
export function readPng(buffer) {
  const png = PNG.sync.read(buffer);
  return {
    width: png.width,
    height: png.height,
    at(x, y) {
      const i = (Math.floor(y) * png.width + Math.floor(x)) * 4;
      return [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]];
    },
  };
}

/** Positions of all points in CSS pixels relative to the map: [[x, y], ...]. */
export async function screenPositions(page) {
  const flat = await page.evaluate(() => Array.from(window.vecscapeTest.screenPositions()));
  const out = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/** Rows of the built-in demo's metadata, read here independently of the app. */
export function demoMeta() {
  return fs
    .readFileSync(path.join(ROOT, 'web', 'demo', 'meta.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** A float32 C-order .npy file, built byte by byte as numpy writes version 1.0. */
export function npyF32(rows, cols, values) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + rows * cols * 4);
  Buffer.from('\x93NUMPY', 'latin1').copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  values.forEach((v, i) => out.writeFloatLE(v, 10 + header.length + 4 * i));
  return out;
}

export const BACKGROUND = [250, 250, 247];

export function differsFromBackground(px, threshold = 24) {
  return Math.abs(px[0] - BACKGROUND[0]) + Math.abs(px[1] - BACKGROUND[1]) + Math.abs(px[2] - BACKGROUND[2]) > threshold;
}

function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** The demo's vectors decoded here from the .npy bytes (little-endian f16, C order). */
export function demoVectors() {
  const bytes = fs.readFileSync(path.join(ROOT, 'web', 'demo', 'vectors.f16.npy'));
  const headerLen = bytes.readUInt16LE(8);
  const header = bytes.toString('latin1', 10, 10 + headerLen);
  if (!header.includes("'<f2'") || !header.includes("'fortran_order': False")) throw new Error(header);
  const [rows, cols] = header.match(/\((\d+), (\d+)\)/).slice(1).map(Number);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) data[i] = halfToFloat(bytes.readUInt16LE(10 + headerLen + 2 * i));
  return { rows, cols, data };
}

/** Exact cosine top-k of row `q` by brute force, leaving `q` out; lower id wins ties. */
export function cosineTopK({ rows, cols, data }, q, k) {
  const norm = (r) => Math.sqrt(data.subarray(r * cols, (r + 1) * cols).reduce((s, v) => s + v * v, 0));
  const qn = norm(q);
  const scored = [];
  for (let r = 0; r < rows; r++) {
    if (r === q) continue;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += data[r * cols + c] * data[q * cols + c];
    scored.push([dot / (norm(r) * qn), r]);
  }
  scored.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return scored.slice(0, k);
}

/** Exact squared-L2 top-k of row `q` by brute force, leaving `q` out; lower id wins ties. */
export function l2TopK({ rows, cols, data }, q, k) {
  const scored = [];
  for (let r = 0; r < rows; r++) {
    if (r === q) continue;
    let d2 = 0;
    for (let c = 0; c < cols; c++) {
      const diff = data[r * cols + c] - data[q * cols + c];
      d2 += diff * diff;
    }
    scored.push([d2, r]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return scored.slice(0, k);
}

/** The page's console errors, leaving out the 404s of optional files it probes (a grid.json
 *  beside the data, the favicon). */
export function pageErrors(page) {
  return page.errors.filter((e) => !/Failed to load resource: .*404/.test(e));
}

/** Every point's position in world units, interleaved x, y. */
export function worldPositions(page) {
  return page.evaluate(() => Array.from(window.vecscapeTest.worldPositions()));
}

/** The selected rows, ascending. */
export function selectedRows(page) {
  return page.evaluate(() => Array.from(window.vecscapeTest.selectedRows()));
}

/** The rows drawn at all (the filters, the legend and a selection laid out on its own hide the
 *  others). */
export async function drawnRows(page) {
  const rgba = await page.evaluate(() => Array.from(window.vecscapeTest.pointColors()));
  const out = [];
  for (let i = 0; i < rgba.length / 4; i++) if (rgba[i * 4 + 3] !== 0) out.push(i);
  return out;
}
