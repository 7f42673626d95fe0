// <vecscape-map>: vecscape's map as a custom element, from this one ES module.
//
//   <script type="module" src="widget/vecscape-map.js"></script>
//   <vecscape-map src="data/vectors.npy" meta="data/meta.jsonl" projection="umap"
//                 color-by="label" style="height:480px"></vecscape-map>
//
// Each element runs its own instance of the app's wasm (compiled once per page) and its own
// compute worker, inside a shadow root (no CSS leaks in or out). It starts when it is scrolled
// near the viewport. Data URLs resolve against the page; each URL is fetched once per page,
// however many elements show it. README.md beside this file lists the attributes, events and
// methods.

const HERE = new URL('./', import.meta.url);
let assets = HERE;

/** Where the element's wasm, worker and styles are (default: beside this module). */
export function configure({ assets: base } = {}) {
  if (base) assets = new URL(base, document.baseURI);
}

const ATTRIBUTES = ['src', 'meta', 'grid', 'projection', 'color-by', 'view', 'backend', 'labels', 'contours', 'toolbar', 'app'];
const SWITCH = ['', 'true', 'false', 'on', 'off', 'yes', 'no', '1', '0'];
/** Attributes that take one of a few values; others are ignored with a warning. */
const CHOICES = {
  projection: ['pca', 'umap', 'gaussian-rp', 'sparse-rp', 'precomputed'],
  backend: ['auto', 'cpu'],
  toolbar: ['full', 'compact', 'none'],
  labels: SWITCH,
  contours: SWITCH,
};
/** The app's names for the settings (those of its query string). */
const PARAM = { 'color-by': 'color' };
const DATA = ['src', 'meta', 'grid'];

const once = (make) => {
  let value = null;
  return () => (value ??= make());
};

/** The app's wasm, compiled once (streaming) for every element of the page. */
const compiled = once(() => {
  const url = new URL('vecscape_widget_bg.wasm', assets);
  return WebAssembly.compileStreaming(fetch(url)).catch(async (e) => {
    // A server that does not say application/wasm: compile from the bytes.
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    if (String(e).includes('MIME')) return WebAssembly.compile(await response.arrayBuffer());
    throw e;
  });
});

/** The element's own box, applied before anything loads (so it takes its place in the page at
 * once: it starts only when scrolled into view). Sized by the page's CSS; the page's inherited
 * styles (font, colour, …) stop here. */
const HOST_CSS = `
:host { all: initial; display: block; position: relative; height: 420px; min-height: 160px;
  border: 1px solid #d9dbe1; border-radius: 8px; overflow: hidden; contain: content; }
:host([hidden]) { display: none; }
:host(:fullscreen) { height: 100vh; border-radius: 0; }
.vecscape-root { height: 100%; }
`;
const hostSheet = new CSSStyleSheet();
hostSheet.replaceSync(HOST_CSS);

/** The app's styles, one sheet shared by every shadow root. */
const styles = once(async () => {
  const url = new URL('vecscape-map.css', assets);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(await response.text());
  return sheet;
});

/** The compute worker's script: a same-origin blob that loads the worker from `assets`. */
const workerUrl = once(() => {
  const glue = new URL('vecscape_worker.js', assets).href;
  const wasm = new URL('vecscape_worker_bg.wasm', assets).href;
  const source = `importScripts(${JSON.stringify(glue)});\nwasm_bindgen({ module_or_path: ${JSON.stringify(wasm)} });\n`;
  return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
});

/** Every data URL fetched by this page, once: absolute URL -> Promise<Blob>. */
const fetched = new Map();
function fetchOnce(url) {
  if (!fetched.has(url)) {
    const blob = fetch(url).then((r) => {
      if (!r.ok) throw new Error(`${url}: HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`);
      return r.blob();
    });
    // A failed fetch may be tried again (another element, a changed attribute).
    blob.catch(() => fetched.delete(url));
    fetched.set(url, blob);
  }
  return fetched.get(url);
}

const fileName = (url) => decodeURIComponent(new URL(url).pathname.split('/').pop() || 'data');

let instances = 0;

export class VecscapeMap extends HTMLElement {
  static observedAttributes = ATTRIBUTES;

  #shadow;
  #container;
  #widget = null;
  #starting = false;
  #observer = null;
  #loads = 0;
  #readyWaiters = [];

  constructor() {
    super();
    this.#shadow = this.attachShadow({ mode: 'open' });
    this.#shadow.adoptedStyleSheets = [hostSheet];
    this.#container = document.createElement('div');
    this.#container.className = 'vecscape-root';
    this.#shadow.append(this.#container);
    this.addEventListener('ready', () => this.#settle(null));
    // The data could not be shown: calls waiting for it fail with the same message.
    this.addEventListener('error', (e) => {
      setTimeout(() => {
        if (this.state === 'error') this.#settle(new Error(e.detail?.message ?? 'vecscape failed'));
      }, 0);
    });
  }

  connectedCallback() {
    if (this.#widget || this.#starting) return;
    // Start when scrolled near the viewport.
    this.#observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          this.#observer?.disconnect();
          this.#observer = null;
          this.#start();
        }
      },
      { rootMargin: '200px' },
    );
    this.#observer.observe(this);
  }

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.#observer = null;
    // Moved within the page: it comes back at once. Removed: its worker ends.
    queueMicrotask(() => {
      if (!this.isConnected && this.#widget) {
        this.#widget.destroy();
        this.#widget = null;
        this.#container.replaceChildren();
      }
    });
  }

  attributeChangedCallback(name, old, value) {
    this.#check(name, value);
    if (!this.#widget) return;
    // Setting a setting again re-applies it (the view may have changed it since); the same
    // data is not loaded again.
    if (DATA.includes(name)) {
      if (old !== value) this.#load();
    } else if (name === 'backend') {
      if (old !== value) this.#restart();
    } else if (name !== 'app') this.#widget.set(PARAM[name] ?? name, this.#valid(name, value));
  }

  /** `loading`, `ready` or `error` (none before it starts). */
  get state() {
    return this.getAttribute('state');
  }

  /** Search by words (or a pasted vector): `{ query, total, hits: [{ row, score, text }] }`. */
  async search(text) {
    return (await this.#ready()).search(String(text ?? ''));
  }

  /** Select exactly these rows (an empty list clears the selection). */
  select(rows) {
    this.#widget?.select(Uint32Array.from(rows ?? [], Number));
  }

  /** The selected rows. */
  get selection() {
    return this.#widget ? Array.from(this.#widget.selection()) : [];
  }

  /** The view, as the full app's address writes it after `#`. */
  get view() {
    return this.#widget?.view() || this.getAttribute('view') || '';
  }

  set view(hash) {
    if (this.#widget) this.#widget.set_view(String(hash ?? ''));
    else this.setAttribute('view', String(hash ?? ''));
  }

  /** The `k` exact nearest rows to `row` in the original space: `[{ row, score, text }]`. */
  async neighbors(row, k = 10) {
    return (await this.#ready()).neighbors(Number(row) >>> 0, Number(k) >>> 0);
  }

  /** The full app's address showing this view ("Open in vecscape"). */
  get appLink() {
    return this.#widget?.app_link() ?? null;
  }

  #valid(name, value) {
    const choices = CHOICES[name];
    if (value === null || !choices) return value;
    const v = value.trim().toLowerCase();
    return choices.includes(v) ? v : null;
  }

  #check(name, value) {
    if (value !== null && CHOICES[name] && this.#valid(name, value) === null) {
      console.warn(`<vecscape-map>: ${name}="${value}" ignored: expected one of ${CHOICES[name].filter(Boolean).join(', ')}`);
    }
  }

  #params() {
    const params = {};
    for (const name of ATTRIBUTES) {
      if (DATA.includes(name) || name === 'app') continue;
      const value = this.#valid(name, this.getAttribute(name));
      if (value !== null) params[PARAM[name] ?? name] = value;
    }
    return params;
  }

  #ready() {
    if (this.#widget && this.state === 'ready') return Promise.resolve(this.#widget);
    if (this.state === 'error') return Promise.reject(new Error('the map could not show its data'));
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  #settle(error) {
    const waiters = this.#readyWaiters.splice(0);
    for (const w of waiters) (error ? w.reject(error) : w.resolve(this.#widget));
  }

  async #start() {
    this.#starting = true;
    this.setAttribute('state', 'loading');
    try {
      const [module, sheet] = await Promise.all([compiled(), styles()]);
      this.#shadow.adoptedStyleSheets = [hostSheet, sheet];
      // A fresh copy of the glue module per element: each has its own wasm instance.
      const glue = await import(new URL(`vecscape_widget.js?instance=${++instances}`, assets).href);
      await glue.default({ module_or_path: module });
      const app = this.getAttribute('app');
      this.#widget = glue.mount(this, this.#shadow, this.#container, {
        workerUrl: workerUrl(),
        appUrl: new URL(app ?? '../index.html', app ? document.baseURI : HERE).href,
        toolbar: this.#valid('toolbar', this.getAttribute('toolbar')) ?? 'compact',
        params: this.#params(),
      });
      this.#load();
    } catch (e) {
      this.#failToStart(e);
    } finally {
      this.#starting = false;
    }
  }

  #restart() {
    this.#widget?.destroy();
    this.#widget = null;
    this.#container.replaceChildren();
    this.#start();
  }

  /** The app could not start: say why inside the element. */
  #failToStart(e) {
    const message = `vecscape could not start: ${e?.message ?? e}`;
    const box = document.createElement('div');
    box.className = 'start-error';
    box.setAttribute('role', 'alert');
    box.textContent = message;
    box.style.cssText = 'padding:1rem;color:#b42318;background:#fef3f2;font:14px system-ui,sans-serif';
    this.#container.replaceChildren(box);
    this.setAttribute('state', 'error');
    this.dispatchEvent(new CustomEvent('error', { detail: { message }, bubbles: true, composed: true }));
    this.#settle(new Error(message));
  }

  /** Fetch the data (once per URL for the page) and give it to the app. */
  async #load() {
    const load = ++this.#loads;
    const widget = this.#widget;
    const src = this.getAttribute('src');
    if (!src) {
      widget.fail('<vecscape-map> has no src: give the URL of a vector file (.npy, .csv, .tsv, .jsonl, WizMap data.ndjson)');
      return;
    }
    const url = (a) => (this.getAttribute(a) ? new URL(this.getAttribute(a), document.baseURI).href : null);
    const urls = DATA.map(url);
    try {
      const blobs = await Promise.all(urls.map((u) => (u ? fetchOnce(u) : null)));
      if (load !== this.#loads || widget !== this.#widget) return;
      const files = urls.flatMap((u, i) => (u ? [new File([blobs[i]], fileName(u))] : []));
      widget.open(files, urls[0], urls[1] ?? undefined, urls[2] ?? undefined);
    } catch (e) {
      if (load === this.#loads && widget === this.#widget) widget.fail(String(e?.message ?? e));
    }
  }
}

if (!customElements.get('vecscape-map')) customElements.define('vecscape-map', VecscapeMap);
