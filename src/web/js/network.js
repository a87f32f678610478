// The deal network map: provinces on a map of Indonesia, flows between them, the busiest firms.

// ---------------------------------------------------------------------------------------
// Deal network map

const MAP = { lon0: 94, lon1: 142, lat0: -12, lat1: 7, k: 20 };
const px = (lon) => (lon - MAP.lon0) * MAP.k;
const py = (lat) => (MAP.lat1 - lat) * MAP.k;
// Label placements for capitals that crowd each other: [dx, dy, anchor].
const LABEL_AT = {
  36: [-6, 11, 'end'], 31: [4, -8, 'start'], 91: [-7, 4, 'end'], 93: [-7, 4, 'end'], 32: [2, 14, 'middle'], 33: [0, -9, 'middle'],
  34: [0, 15, 'middle'], 35: [7, 4, 'start'], 51: [-6, 13, 'end'], 52: [6, 13, 'start'],
  18: [-7, -2, 'end'], 19: [7, 4, 'start'], 21: [7, -3, 'start'], 14: [0, -9, 'middle'],
  16: [7, 4, 'start'], 15: [7, 4, 'start'], 17: [-7, 4, 'end'], 13: [-7, 4, 'end'],
  63: [7, 8, 'start'], 62: [-7, 4, 'end'], 75: [0, -9, 'middle'], 71: [7, 4, 'start'],
  76: [-7, 4, 'end'], 73: [-7, 4, 'end'], 72: [7, 4, 'start'], 64: [-7, -3, 'end'],
};

function hull(points) {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper = [];
  for (const p of pts.reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

const networkPage = {
  title: () => t('network_h'),
  seq: 0,
  flows: null,

  render(main, params) {
    const prov = h('select', { name: 'province', id: 'n-province' }, provinceOptions('', { empty: t('all') }));
    const top = h('select', { name: 'top', id: 'n-top' },
      ['25', '50', '100', '200', 'all'].map((v) => h('option', { value: v }, v === 'all' ? t('top_all') : v)));
    const form = h('form', { class: 'panel inline-form', action: '/network', method: 'get' },
      field(t('highlight'), prov), field(t('top'), top),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, t('show'))));
    const apply = submitTo(form, '/network', (p) => { if (p.get('top') === '50') p.delete('top'); });
    prov.addEventListener('change', apply);
    top.addEventListener('change', apply);
    this.form = form;
    this.out = h('div', { class: 'network-out' });
    main.append(
      h('h1', { tabindex: '-1' }, t('network_h')),
      h('p', { class: 'lead' }, t('network_lead')),
      form, this.out);
    this.flows = null;
    this.update(params);
  },

  async update(params) {
    const focus = ref.byCode.has(params.get('province')) ? params.get('province') : '';
    const topP = params.get('top') ?? '50';
    this.form.elements.province.value = focus;
    this.form.elements.top.value = ['25', '50', '100', '200', 'all'].includes(topP) ? topP : '50';
    const seq = ++this.seq;
    if (!this.flows) {
      this.out.replaceChildren(loadingNote());
      try {
        const data = await api('/v1/flows');
        if (seq !== this.seq) return;
        this.flows = Array.isArray(data?.flows) ? data.flows : [];
      } catch (e) {
        if (seq !== this.seq) return;
        this.out.replaceChildren(h('p', { class: 'status empty' }, t('flows_error', e.status ? `HTTP ${e.status}` : e.message)));
        return;
      }
    }
    this.draw(focus, this.form.elements.top.value);
  },

  draw(focus, topV) {
    const all = this.flows.filter((f) => ref.byCode.has(f.from) && ref.byCode.has(f.to) && f.value_idr > 0);
    if (!all.length) { this.out.replaceChildren(h('p', { class: 'status empty' }, t('flows_none'))); return; }
    const between = all.filter((f) => f.from !== f.to).sort((a, b) => b.value_idr - a.value_idr);
    if (!between.length) { this.out.replaceChildren(h('p', { class: 'status empty' }, t('flows_none'))); return; }
    const within = new Map(all.filter((f) => f.from === f.to).map((f) => [f.from, f]));
    const touching = focus ? between.filter((f) => f.from === focus || f.to === focus) : between;
    const n = topV === 'all' ? touching.length : Number(topV);
    const shown = touching.slice(0, n);
    const vmax = Math.max(...between.map((f) => f.value_idr));
    const totals = new Map();
    for (const f of all) {
      totals.set(f.from, (totals.get(f.from) ?? 0) + f.value_idr);
      if (f.to !== f.from) totals.set(f.to, (totals.get(f.to) ?? 0) + f.value_idr);
    }
    const tmax = Math.max(...totals.values());
    const W = px(MAP.lon1);
    const H = py(MAP.lat0);

    const graticule = [];
    for (let lon = 95; lon <= 140; lon += 5) {
      graticule.push(s('line', { x1: px(lon), y1: 0, x2: px(lon), y2: H, class: 'grat' }));
      graticule.push(s('text', { x: px(lon) + 3, y: H - 4, class: 'grat-label' }, `${lon}°${lang === 'id' ? 'BT' : 'E'}`));
    }
    for (const lat of [5, 0, -5, -10]) {
      graticule.push(s('line', { x1: 0, y1: py(lat), x2: W, y2: py(lat), class: lat === 0 ? 'grat equator' : 'grat' }));
      const name = lat === 0 ? `0° ${t('equator')}` : `${Math.abs(lat)}°${lat > 0 ? (lang === 'id' ? 'LU' : 'N') : (lang === 'id' ? 'LS' : 'S')}`;
      graticule.push(s('text', { x: 4, y: py(lat) - 3, class: 'grat-label' }, name));
    }

    const groups = new Map();
    for (const p of ref.provinces) {
      if (!groups.has(p.island_group)) groups.set(p.island_group, []);
      groups.get(p.island_group).push([px(p.lon), py(p.lat)]);
    }
    const land = [...groups.values()].map((pts) => {
      const hp = hull(pts);
      return hp.length === 1
        ? s('circle', { cx: hp[0][0], cy: hp[0][1], r: 14, class: 'land' })
        : s('polygon', { points: hp.map((p) => p.join(',')).join(' '), class: 'land' });
    });

    const lines = shown.slice().reverse().map((f) => {
      const a = ref.byCode.get(f.from);
      const b = ref.byCode.get(f.to);
      const x1 = px(a.lon); const y1 = py(a.lat); const x2 = px(b.lon); const y2 = py(b.lat);
      const dx = x2 - x1; const dy = y2 - y1;
      const cx = (x1 + x2) / 2 - dy * 0.18; const cy = (y1 + y2) / 2 + dx * 0.18;
      const w = 0.8 + 11 * Math.sqrt(f.value_idr / vmax);
      const dir = !focus ? '' : f.from === focus ? ' out' : ' in';
      const label = `${provName(f.from)} ${t('sells_to')} ${provName(f.to)}: ${idr(f.value_idr)}${Number.isFinite(f.deals) ? ` (${t('deals_n', num(f.deals))})` : ''}`;
      return s('path', { d: `M${x1.toFixed(1)},${y1.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}`, class: `flow${dir}`, 'stroke-width': w.toFixed(2), 'data-from': f.from, 'data-to': f.to },
        s('title', null, label));
    });

    const nodes = ref.provinces.map((p) => {
      const x = px(p.lon); const y = py(p.lat);
      const tot = totals.get(p.code) ?? 0;
      const r = 2.5 + 7 * Math.sqrt(tot / tmax);
      const [ldx, ldy, anchor] = LABEL_AT[p.code] ?? [7, 4, 'start'];
      const w = within.get(p.code);
      const tip = [`${p.name} (${p.capital})`];
      if (tot) tip.push(idr(tot));
      if (w) tip.push(t('within', idr(w.value_idr)));
      return s('g', { class: `node${focus === p.code ? ' focus' : ''}${focus && focus !== p.code && !shown.some((f) => f.from === p.code || f.to === p.code) ? ' dim' : ''}`, 'data-code': p.code },
        s('title', null, tip.join(' · ')),
        s('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: r.toFixed(1) }),
        s('text', { x: (x + ldx).toFixed(1), y: (y + ldy).toFixed(1), 'text-anchor': anchor }, provShort(p.code)));
    });

    const titleId = nextId('map-title');
    const descId = nextId('map-desc');
    const svgEl = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'map', role: 'img', 'aria-labelledby': `${titleId} ${descId}` },
      s('title', { id: titleId }, t('map_title')),
      s('desc', { id: descId }, t('map_desc')),
      s('g', { class: 'graticule' }, graticule),
      s('g', { class: 'lands' }, land),
      s('g', { class: 'flows' }, lines),
      s('g', { class: 'nodes' }, nodes));

    const legend = focus ? h('p', { class: 'legend' },
      h('span', { class: 'swatch out', 'aria-hidden': 'true' }), t('sold'), ' ',
      h('span', { class: 'swatch in', 'aria-hidden': 'true' }), t('bought')) : null;

    const hasDeals = shown.some((f) => Number.isFinite(f.deals));
    const rows = shown.slice(0, 50).map((f, i) => h('tr', null,
      h('td', { class: 'num' }, String(i + 1)),
      h('th', { scope: 'row' }, provName(f.from)),
      h('td', null, provName(f.to)),
      h('td', { class: 'num' }, idr(f.value_idr)),
      hasDeals ? h('td', { class: 'num' }, Number.isFinite(f.deals) ? num(f.deals) : '–') : null));
    const table = h('table', { class: 'plain flows-table' },
      h('caption', null, t('flows_h')),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col', class: 'num' }, '#'),
        h('th', { scope: 'col' }, t('flow_from')),
        h('th', { scope: 'col' }, t('flow_to')),
        h('th', { scope: 'col', class: 'num' }, t('flow_value')),
        hasDeals ? h('th', { scope: 'col', class: 'num' }, t('flow_deals')) : null)),
      h('tbody', null, rows));

    this.out.replaceChildren(h('figure', { class: 'map-figure', tabindex: '0', 'aria-label': t('map_title') }, svgEl, legend), h('div', { class: 'table-wrap' }, table));
    announce(`${t('flows_h')}: ${shown.length}${focus ? ` · ${provName(focus)}` : ''}`);
  },
};

const notFoundPage = {
  title: () => t('not_found_h'),
  render(main) {
    main.append(h('h1', { tabindex: '-1' }, t('not_found_h')), h('p', null, t('not_found_p')));
  },
};

