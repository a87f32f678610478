// Shared machinery: language, DOM helpers, formatting, the API client, reference data and
// the pieces every view uses (status notes, form fields, field errors).

// ---------------------------------------------------------------------------------------
// Language

function initialLang() {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'id' || fromUrl === 'en') return fromUrl;
  try {
    const stored = localStorage.getItem('jalin.lang');
    if (stored === 'id' || stored === 'en') return stored;
  } catch (_) { /* storage may be off */ }
  return 'id';
}

let lang = initialLang();

function t(key, ...args) {
  const s = (T[lang] && T[lang][key]) ?? T.id[key] ?? key;
  return s.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}

function storeLang() {
  try { localStorage.setItem('jalin.lang', lang); } catch (_) { /* ignore */ }
}

/** `url` (relative or absolute) with the current language in its query. */
function withLang(url, l = lang) {
  const u = new URL(url, location.origin);
  if (l === 'id') u.searchParams.delete('lang');
  else u.searchParams.set('lang', l);
  return u.pathname + u.search + u.hash;
}

function applyStaticText() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  }
  const other = lang === 'id' ? 'en' : 'id';
  const keyBox = document.getElementById('api-key-box');
  if (keyBox) keyBox.replaceWith(keyControl());
  const sw = document.getElementById('lang-switch');
  if (sw) {
    sw.textContent = t('switch_to');
    sw.lang = other;
    sw.hreflang = other;
    sw.href = withLang(location.href, other);
  }
  for (const a of document.querySelectorAll('a[data-nav]')) {
    a.href = withLang(a.getAttribute('data-page') || a.getAttribute('href').split('?')[0]);
  }
}

function setLang(l) {
  if (l === lang) return;
  lang = l;
  storeLang();
  history.replaceState(history.state, '', withLang(location.href));
  applyStaticText();
  route(true);
}

// ---------------------------------------------------------------------------------------
// DOM helpers: elements from tag, attributes and children; strings become text nodes.

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
}

function append(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

// ---------------------------------------------------------------------------------------
// Formatting

const locale = () => (lang === 'id' ? 'id-ID' : 'en-GB');
function num(x, digits = 0, minDigits = digits) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: minDigits }).format(x);
}
function signed(x, digits = 2) {
  const v = num(Math.abs(x), digits);
  return x < 0 ? `−${v}` : `+${v}`;
}
function idr(v) {
  if (!Number.isFinite(v)) return '–';
  const steps = lang === 'id'
    ? [[1e12, 'triliun'], [1e9, 'miliar'], [1e6, 'juta']]
    : [[1e12, 'trillion'], [1e9, 'billion'], [1e6, 'million']];
  for (const [f, word] of steps) if (Math.abs(v) >= f) return `Rp ${num(v / f, 1, 1)} ${word}`;
  return `Rp ${num(v)}`;
}
function qty(q) {
  if (!q) return null;
  const unit = UNIT_NAMES[lang][q.unit] ?? q.unit;
  const per = q.per ? `/${PERIODS[lang][q.per] ?? q.per}` : '';
  return `${num(q.qty, 2, 0)} ${unit}${per}`;
}
function price(p) {
  if (!p) return null;
  const range = p.min === p.max ? num(p.min) : `${num(p.min)}–${num(p.max)}`;
  return `Rp ${range}/${UNIT_NAMES[lang][p.per] ?? p.per}`;
}
function fmtDate(iso) {
  const d = new Date(`${iso}T00:00:00`);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(d);
}

// ---------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(status, code, message, field, rows, more) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
    // An import's bad rows (row, column, message), and how many more there were.
    this.rows = rows || null;
    this.more = more || 0;
  }
}

// The API key: kept in this tab's sessionStorage only (never in a URL), sent as a Bearer
// token by every request of every page.
function apiKey() {
  try { return sessionStorage.getItem('jalin.key') || ''; } catch (_) { return ''; }
}
function setApiKey(key) {
  try {
    if (key) sessionStorage.setItem('jalin.key', key);
    else sessionStorage.removeItem('jalin.key');
  } catch (_) { /* storage may be off */ }
}

/**
 * A request to the API. `body`: a value sent as JSON, or a Blob/ArrayBuffer sent as it is
 * with `contentType`; `headers`: extra headers; `raw`: answer the Response itself.
 */
async function api(path, { method = 'GET', body, raw = false, contentType, headers: extra } = {}) {
  const headers = { accept: 'application/json', ...(extra || {}) };
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  let payload;
  if (body instanceof Blob || body instanceof ArrayBuffer) {
    payload = body;
    headers['content-type'] = contentType || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload });
  } catch (_) {
    throw new ApiError(0, 'network', t('error_network'));
  }
  if (!res.ok) {
    let err = null;
    let whole = null;
    try { whole = await res.json(); err = whole.error; } catch (_) { /* not JSON */ }
    throw new ApiError(res.status, err?.code ?? 'http', err?.message ?? `HTTP ${res.status}`, err?.field, whole?.rows, whole?.more);
  }
  return raw ? res : res.json();
}

/** The header's API key control: a disclosure with a password field, shared by all pages. */
function keyControl() {
  const input = h('input', { type: 'password', id: 'api-key', autocomplete: 'off', spellcheck: 'false' });
  const summary = h('summary', { id: 'api-key-summary' });
  const note = h('p', { class: 'hint', role: 'status' });
  const label = () => { summary.textContent = apiKey() ? t('key_set') : t('key_summary'); };
  const form = h('form', { class: 'key-form', novalidate: true },
    h('label', { for: 'api-key' }, t('key_label')), input,
    h('p', { class: 'hint' }, t('key_hint')),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', id: 'api-key-save' }, t('key_save')),
      h('button', { type: 'button', class: 'secondary', id: 'api-key-clear', onclick: () => {
        setApiKey('');
        input.value = '';
        note.textContent = t('key_cleared');
        label();
        route(true);
      } }, t('key_clear'))),
    note);
  const box = h('details', { class: 'key', id: 'api-key-box' }, summary, form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setApiKey(input.value.trim());
    input.value = '';
    announce(apiKey() ? t('key_saved') : t('key_cleared'));
    label();
    box.open = false;
    route(true);
  });
  label();
  return box;
}

let provincesP = null;
let commoditiesP = null;
const ref = { provinces: [], byCode: new Map(), commodities: new Map() };

function loadReference() {
  if (!provincesP) {
    provincesP = api('/v1/provinces').then((ps) => {
      ref.provinces = ps;
      ref.byCode = new Map(ps.map((p) => [p.code, p]));
      return ps;
    }).catch((e) => { provincesP = null; throw e; });
  }
  if (!commoditiesP) {
    commoditiesP = api('/v1/commodities').then((cs) => {
      ref.commodities = new Map(cs.map((c) => [c.key, c]));
      return cs;
    }).catch((e) => { commoditiesP = null; throw e; });
  }
  return Promise.all([provincesP, commoditiesP]);
}

const provName = (code) => ref.byCode.get(code)?.name ?? code;
const provShort = (code) => {
  const p = ref.byCode.get(code);
  if (!p) return code;
  if (p.abbrev && p.abbrev.length <= 9) return p.abbrev;
  return p.abbrev ? p.abbrev.split(' ')[0] : p.capital || p.name;
};
function commodityName(key, fallback) {
  const c = ref.commodities.get(key);
  if (!c) return fallback ?? key;
  return lang === 'en' ? c.name_en : c.name_id;
}
/**
 * A `<datalist>` of the catalog's commodity names, for typing suggestions. Given the `input`
 * it serves, it also offers, as the user types, the KBKI goods whose names hold the words
 * typed (`GET /v1/catalog?q=`: BPS's 27 k names, with how many listings each has), so any
 * product can be picked by its official name; search understands every one of them.
 */
function commodityList(id, input) {
  const names = [...ref.commodities.values()].map((c) => (lang === 'en' ? c.name_en : c.name_id));
  const curated = [...new Set(names)].sort((a, b) => a.localeCompare(b, locale())).map((n) => h('option', { value: n }));
  const list = h('datalist', { id }, curated);
  if (!input) return list;
  let timer = null;
  let asked = '';
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 3 || q === asked) return;
    timer = setTimeout(async () => {
      asked = q;
      let found;
      try {
        found = await api(`/v1/catalog?q=${encodeURIComponent(q)}&limit=12`);
      } catch (_) {
        return; // suggestions are a convenience: the search itself reports errors
      }
      if (input.value.trim() !== q) return;
      const kbki = found.entries
        .filter((e) => e.level !== 'section' && e.level !== 'division')
        .map((e) => h('option', {
          value: e.name_id,
          label: `KBKI ${e.code} · ${e.listings} ${t('suggest_listings')}`,
          'data-kbki': e.code,
        }));
      list.replaceChildren(...kbki, ...curated);
    }, 150);
  });
  return list;
}

function sortedProvinces() {
  return [...ref.provinces].sort((a, b) => a.name.localeCompare(b.name, locale()));
}

function provinceOptions(selected, { empty, capital = true } = {}) {
  const opts = [];
  if (empty) opts.push(h('option', { value: '' }, empty));
  for (const p of sortedProvinces()) {
    opts.push(h('option', { value: p.code, selected: p.code === selected }, capital ? `${p.name} — ${p.capital}` : p.name));
  }
  return opts;
}

// ---------------------------------------------------------------------------------------
// Shared pieces of views

function status(text, kind = '') {
  return h('p', { class: `status ${kind}`.trim() }, text);
}

function loadingNote() {
  return h('p', { class: 'status loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('loading'));
}

function errorNote(e) {
  const msg = e instanceof ApiError && e.code === 'network' ? e.message
    : e instanceof ApiError ? e.message : t('error_generic', String(e && e.message || e));
  return h('p', { class: 'status error', role: 'alert' }, msg);
}

/** A labelled field: `<div class="field"><label>…</label>control<p hint/><p error/></div>`. */
function field(label, control, { hint, cls } = {}) {
  const id = control.id || (control.id = nextId('f'));
  const parts = [h('label', { for: id }, label), control];
  const described = [];
  if (hint) {
    const hid = `${id}-hint`;
    parts.push(h('p', { class: 'hint', id: hid }, hint));
    described.push(hid);
  }
  const eid = `${id}-error`;
  parts.push(h('p', { class: 'field-error', id: eid, hidden: true }));
  described.push(eid);
  control.setAttribute('aria-describedby', described.join(' '));
  return h('div', { class: `field ${cls || ''}`.trim() }, parts);
}

function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) { el.hidden = true; el.textContent = ''; }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** Shows `message` under the control `el`, marks it invalid and focuses it. */
function showFieldError(el, message) {
  if (!el) return false;
  const holder = el.closest('.field, fieldset');
  const box = holder && holder.querySelector('.field-error');
  if (!box) return false;
  box.textContent = message;
  box.hidden = false;
  if (el.matches('input, select, textarea')) el.setAttribute('aria-invalid', 'true');
  el.focus();
  return true;
}

function paramsOf(form) {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData(form)) {
    if (typeof v === 'string' && v.trim() !== '') p.append(k, v.trim());
  }
  return p;
}

/**
 * Makes `form` write its fields into the URL of `path` (then the view reads them). Returns
 * a function that does the same without a new history entry, for selects that apply on
 * change.
 */
function submitTo(form, path, extra) {
  const go = (replace) => {
    const p = paramsOf(form);
    if (extra) extra(p);
    const qs = p.toString();
    navigate(qs ? `${path}?${qs}` : path, { replace, keepScroll: replace });
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go(false);
  });
  return () => go(true);
}

/** Says `text` to screen readers through the page's live region. */
function announce(text) {
  const box = document.getElementById('announcer');
  if (!box) return;
  box.textContent = '';
  setTimeout(() => { box.textContent = text; }, 50);
}

