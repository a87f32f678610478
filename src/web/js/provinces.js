// Provinces: each province's comparative advantages, the corridor between two provinces, and
// where a province is expected to buy a commodity (the supply model, GET /v1/supply).

// ---------------------------------------------------------------------------------------
// Provinces: advantages and corridors

const provincesPage = {
  title: () => t('provinces_h'),
  seq: 0,

  render(main, params) {
    const code = h('select', { name: 'code', id: 'p-code' }, provinceOptions(''));
    const advForm = h('form', { class: 'panel inline-form', action: '/provinces', method: 'get' },
      field(t('adv_province'), code),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, t('show'))));
    code.addEventListener('change', () => applyAdv());
    const from = h('select', { name: 'from', id: 'p-from' }, provinceOptions('', { capital: false }));
    const to = h('select', { name: 'to', id: 'p-to' }, provinceOptions('', { capital: false }));
    const swap = h('button', { type: 'button', class: 'secondary icon', title: t('swap'), 'aria-label': t('swap') }, '⇄');
    swap.addEventListener('click', () => {
      const a = from.value;
      from.value = to.value;
      to.value = a;
      corForm.requestSubmit();
    });
    const corForm = h('form', { class: 'panel inline-form', action: '/provinces', method: 'get', 'aria-label': t('corridor_legend') },
      field(t('from'), from), h('div', { class: 'field swap' }, swap), field(t('to'), to),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary', id: 'p-corridor-submit' }, t('show_corridor'))));
    const merge = (form, keep) => (p) => {
      const cur = new URLSearchParams(location.search);
      for (const k of keep) if (cur.get(k) && !p.get(k)) p.set(k, cur.get(k));
    };
    const applyAdv = submitTo(advForm, '/provinces', merge(advForm, ['from', 'to']));
    submitTo(corForm, '/provinces', merge(corForm, ['code']));
    this.code = code;
    this.from = from;
    this.to = to;
    this.adv = h('section', { class: 'adv' });
    this.cor = h('section', { class: 'corridor' });
    const measured = [...ref.commodities.values()].filter((c) => c.coverage)
      .sort((a, b) => commodityName(a.key).localeCompare(commodityName(b.key), locale()));
    const supC = h('select', { name: 'commodity', id: 's-commodity' },
      measured.map((c) => h('option', { value: c.key }, `${commodityName(c.key)} (${c.coverage.coverage === 'full' ? 'BPS' : t('partial')} ${c.coverage.year})`)));
    const supTo = h('select', { name: 'buyer', id: 's-to' }, provinceOptions('', { capital: false }));
    const supForm = h('form', { class: 'panel inline-form', action: '/provinces', method: 'get', 'aria-label': t('supply_legend') },
      field(t('supply_commodity'), supC), field(t('supply_to'), supTo),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary', id: 's-submit' }, t('show_supply'))));
    submitTo(supForm, '/provinces', merge(supForm, ['code', 'from', 'to']));
    this.supC = supC;
    this.supTo = supTo;
    this.sup = h('section', { class: 'supply' });
    main.append(
      h('h1', { tabindex: '-1' }, t('provinces_h')),
      h('p', { class: 'lead' }, t('provinces_lead')),
      h('div', { class: 'two-col' },
        h('div', null, advForm, this.adv),
        h('div', null, corForm, this.cor)),
      h('h2', null, t('supply_legend')),
      h('p', { class: 'muted' }, t('supply_lead')),
      supForm, this.sup);
    this.update(params);
  },

  update(params) {
    const pick = (k, d) => (ref.byCode.has(params.get(k)) ? params.get(k) : d);
    const code = pick('code', '35');
    const from = pick('from', '35');
    const to = pick('to', '36');
    this.code.value = code;
    this.from.value = from;
    this.to.value = to;
    const commodity = ref.commodities.get(params.get('commodity'))?.coverage ? params.get('commodity') : 'bawang_merah';
    const buyer = pick('buyer', '36');
    this.supC.value = commodity;
    this.supTo.value = buyer;
    const seq = ++this.seq;
    if (code !== this.shownCode || this.shownLang !== lang) this.loadAdvantages(code, seq);
    this.loadCorridor(from, to, seq);
    this.loadSupply(commodity, buyer, seq);
  },

  async loadSupply(commodity, to, seq) {
    this.sup.replaceChildren(loadingNote());
    try {
      const q = new URLSearchParams({ commodity, to, lang, limit: '12' });
      const data = await api(`/v1/supply?${q}`);
      if (seq !== this.seq) return;
      this.sup.replaceChildren(...supplyView(data));
    } catch (e) {
      if (seq === this.seq) this.sup.replaceChildren(errorNote(e));
    }
  },

  async loadAdvantages(code, seq) {
    this.adv.replaceChildren(loadingNote());
    try {
      const data = await api(`/v1/provinces/${encodeURIComponent(code)}/advantages`);
      if (seq !== this.seq) return;
      this.shownCode = code;
      this.shownLang = lang;
      this.adv.replaceChildren(...advantagesView(data));
      announce(t('adv_h', data.province.name));
    } catch (e) {
      if (seq === this.seq) this.adv.replaceChildren(errorNote(e));
    }
  },

  async loadCorridor(from, to, seq) {
    if (from === to) {
      this.cor.replaceChildren(status(t('corridor_same')));
      return;
    }
    this.cor.replaceChildren(loadingNote());
    try {
      const q = new URLSearchParams({ from, to, lang, limit: '12' });
      const data = await api(`/v1/corridors?${q}`);
      if (seq !== this.seq) return;
      this.cor.replaceChildren(...corridorView(data));
      announce(t('corridor_h', provName(from), provName(to)));
    } catch (e) {
      if (seq === this.seq) this.cor.replaceChildren(errorNote(e));
    }
  },
};

function sourceLink(src) {
  if (!src) return null;
  const m = /https?:\/\/[^\s;)]+/.exec(src);
  const label = src.length > 90 ? `${src.slice(0, 87)}…` : src;
  if (!m) return h('span', { class: 'muted', title: src }, label);
  return h('a', { href: m[0], rel: 'noopener noreferrer', target: '_blank', title: src }, new URL(m[0]).hostname);
}

function advantagesView(data) {
  const p = data.province;
  const advs = [...data.advantages].sort((a, b) => b.lq - a.lq);
  const head = [
    h('h2', null, t('adv_h', p.name)),
    h('dl', { class: 'facts inline' },
      h('div', null, h('dt', null, t('capital')), h('dd', null, p.capital)),
      h('div', null, h('dt', null, t('population')), h('dd', null, num(p.population))),
      h('div', null, h('dt', null, t('island')), h('dd', null, p.island_group))),
  ];
  if (!advs.length) return [...head, status(t('adv_none'))];
  const positive = advs.filter((a) => a.lq > 0).map((a) => a.lq);
  const lo = Math.min(-2, Math.floor(Math.log10(Math.min(...positive, 1))));
  const hi = Math.max(1, Math.ceil(Math.log10(Math.max(...positive, 1))));
  const x = (v) => ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * 100;
  const one = x(1);
  const rows = advs.map((a) => {
    const xv = x(a.lq);
    const bar = h('span', { class: `bar ${a.lq >= 1 ? 'pos' : 'neg'}` });
    bar.style.left = `${Math.min(one, xv)}%`;
    bar.style.width = `${Math.max(Math.abs(xv - one), 0.6)}%`;
    const mark = h('span', { class: 'axis one' });
    mark.style.left = `${one}%`;
    const value = a.lq > 0 ? `${num(a.lq, a.lq < 0.1 ? 3 : 2)}×` : '0×';
    const meta = [a.lq > 0 ? (a.lq >= 1 ? t('surplus') : t('deficit')) : t('zero_prod')];
    if (a.year) meta.push(`BPS ${a.year}`);
    if (a.rca_deals !== null && a.rca_deals !== undefined) meta.push(t('rca_deals', num(a.rca_deals, 2)));
    return h('li', { class: `lq-row ${a.lq >= 1 ? 'is-pos' : 'is-neg'}`, 'data-commodity': a.commodity },
      h('span', { class: 'lname' }, commodityName(a.commodity, a.name)),
      h('span', { class: 'track', 'aria-hidden': 'true' }, mark, bar),
      h('span', { class: 'lval' }, value),
      h('span', { class: 'lmeta' }, meta.join(' · '), a.source ? [' · ', sourceLink(a.source)] : null));
  });
  const ticks = [];
  for (let e = lo; e <= hi; e++) {
    const tick = h('span', { class: 'tick' }, `${num(10 ** e, Math.max(0, -e))}×`);
    tick.style.left = `${x(10 ** e)}%`;
    ticks.push(tick);
  }
  return [
    ...head,
    h('figure', { class: 'chart lq-chart' },
      h('figcaption', null, t('adv_chart'), ' — ', h('span', { class: 'muted' }, t('national_avg'))),
      h('ol', { class: 'lq-rows' }, rows),
      h('div', { class: 'lq-axis', 'aria-hidden': 'true' }, h('span', { class: 'lname' }), h('span', { class: 'ticks' }, ticks))),
  ];
}

function partyList(parties) {
  return h('ul', { class: 'parties' }, parties.map((pt) => h('li', null,
    h('strong', null, pt.business.name), ' ',
    h('span', { class: 'muted' }, `(${pt.business.id})`), h('br'),
    [pt.business.city, KINDS[lang][pt.business.kind]].filter(Boolean).join(' · '),
    ' — ', pt.listing.title,
    pt.listing.capacity ? ` · ${qty(pt.listing.capacity)}` : null,
    pt.listing.volume ? ` · ${qty(pt.listing.volume)}` : null)));
}

function corridorView(data) {
  const fromN = provName(data.from);
  const toN = provName(data.to);
  const out = [h('h2', null, t('corridor_h', fromN, toN))];
  if (data.complementarity !== null && data.complementarity !== undefined) {
    out.push(h('p', { class: 'muted' }, t('complementarity', num(data.complementarity, 1))));
  }
  if (!data.commodities.length) return [...out, status(t('corridor_none', fromN, toN))];
  const sharePart = (c) => (c.expected_share === null || c.expected_share === undefined ? null : c.expected_share);
  const max = Math.max(...data.commodities.map((c) => sharePart(c) ?? 0), 1e-9);
  const items = data.commodities.map((c, i) => {
    const name = commodityName(c.commodity, c.name);
    const bar = h('span', { class: 'bar pos' });
    bar.style.width = `${((sharePart(c) ?? 0) / max) * 100}%`;
    const lq = (v) => (v === null || v === undefined ? t('no_figure') : `${num(v, 2)}×`);
    const search = withLang(`/partners?${new URLSearchParams({ text: name, province: data.to })}`);
    return h('li', { class: 'corridor-item', 'data-commodity': c.commodity },
      h('div', { class: 'ci-head' },
        h('span', { class: 'rank' }, String(i + 1)),
        h('h3', null, name),
        h('span', { class: 'ci-value' }, c.basis === 'supply_model'
          ? t('expected_share', num(100 * c.expected_share, c.expected_share < 0.1 ? 1 : 0))
          : t('by_listings'))),
      h('span', { class: 'track wide', 'aria-hidden': 'true' }, bar),
      h('p', { class: 'ci-meta' },
        `${t('seller_lq')}: ${lq(c.seller_lq)} · ${t('buyer_lq')}: ${lq(c.buyer_lq)} · `,
        t('offers_needs', num(c.offers), fromN, num(c.needs), toN)),
      c.reasons.length ? h('ul', { class: 'reasons compact' }, c.reasons.map((r) => h('li', null, r))) : null,
      (c.sellers.length || c.buyers.length) ? h('details', null,
        h('summary', null, t('parties')),
        h('div', { class: 'two-col tight' },
          h('div', null, h('h4', null, t('sellers', fromN)), partyList(c.sellers)),
          h('div', null, h('h4', null, t('buyers', toN)), partyList(c.buyers)))) : null,
      h('p', { class: 'ci-link' }, h('a', { href: search, 'data-nav': true }, t('find_suppliers', name, toN))));
  });
  out.push(h('ol', { class: 'corridor-list' }, items));
  return out;
}


function supplyView(data) {
  const name = commodityName(data.commodity, data.name);
  const out = [h('h3', null, t('supply_h', name, data.to_name))];
  if (!data.table) return [...out, status(data.message || t('no_figure'))];
  const facts = [];
  const fact = (label, value) => facts.push(h('div', null, h('dt', null, label), h('dd', null, value)));
  if (data.production_t !== null && data.production_t !== undefined) fact(t('supply_production'), `${num(data.production_t)} t`);
  if (data.consumption_t !== null && data.consumption_t !== undefined) fact(t('supply_consumption'), `${num(data.consumption_t)} t`);
  if (data.self_supply !== null && data.self_supply !== undefined) fact(t('supply_self'), `${num(100 * data.self_supply, 0)}%`);
  if (data.deficit_t !== null && data.deficit_t !== undefined) fact(t('supply_deficit'), `${num(data.deficit_t)} t`);
  out.push(h('dl', { class: 'facts inline' }, facts));
  const max = Math.max(...data.origins.map((o) => o.share), 1e-9);
  const rows = data.origins.map((o, i) => {
    const bar = h('span', { class: 'bar pos' });
    bar.style.width = `${(o.share / max) * 100}%`;
    const meta = [];
    if (o.tons !== null && o.tons !== undefined) meta.push(`${num(o.tons)} t`);
    if (o.self_ratio !== null && o.self_ratio !== undefined) meta.push(t('supply_ratio', num(o.self_ratio, 1)));
    meta.push(`${num(o.km)} km${o.sea_crossing ? ` · ${t('sea_crossing')}` : ''}`);
    return h('li', { class: 'supply-row', 'data-province': o.province },
      h('span', { class: 'rank' }, String(i + 1)),
      h('span', { class: 'lname' }, o.name),
      h('span', { class: 'track', 'aria-hidden': 'true' }, bar),
      h('span', { class: 'lval' }, `${num(100 * o.share, o.share < 0.1 ? 1 : 0)}%`),
      h('span', { class: 'lmeta' }, meta.join(' · ')),
      o.reasons.length ? h('details', null, h('summary', null, t('why')), h('ul', { class: 'reasons compact' }, o.reasons.map((r) => h('li', null, r)))) : null);
  });
  out.push(h('ol', { class: 'supply-rows' }, rows));
  if (data.no_figure.length) {
    out.push(h('p', { class: 'muted' }, t('supply_no_figure', data.no_figure.map(provName).join(', '))));
  }
  const tb = data.table;
  out.push(h('p', { class: 'muted small' },
    t('supply_source', tb.coverage === 'full' ? 'BPS' : t('partial'), String(tb.year), num(tb.provinces_measured)),
    (lang === 'id' ? tb.note_id : tb.note) ? ` ${lang === 'id' ? tb.note_id : tb.note}.` : '', ' ', sourceLink(tb.source)));
  return out;
}
