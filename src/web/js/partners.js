// The home page and "Find partners": the search form, understood query, ranked results with
// their explanation bars.

// Home

const homePage = {
  title: () => 'jalin',
  render(main) {
    const text = h('input', { type: 'search', name: 'text', id: 'home-text', autocomplete: 'off', list: 'home-commodities', placeholder: t('home_text_hint') });
    const prov = h('select', { name: 'province', id: 'home-province' }, provinceOptions('', { empty: t('province_from_text') }));
    const form = h('form', { class: 'hero-form', action: '/partners', method: 'get', role: 'search' },
      field(t('home_text'), text, { cls: 'grow' }), commodityList('home-commodities', text),
      field(t('home_province'), prov),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, t('home_submit'))));
    submitTo(form, '/partners');
    const examples = ['ex1', 'ex2', 'ex3'].map((k) =>
      h('li', null, h('a', { href: withLang(`/partners?text=${encodeURIComponent(t(k))}`), 'data-nav': true }, t(k))));
    const tile = (href, title, p) => h('li', { class: 'tile' },
      h('a', { href: withLang(href), 'data-nav': true }, h('h2', null, title), h('p', null, p)));
    main.append(
      h('section', { class: 'hero' },
        h('h1', { tabindex: '-1' }, t('home_h')),
        h('p', { class: 'lead' }, t('home_lead')),
        form,
        h('div', { class: 'examples' }, h('span', null, `${t('home_examples')}:`), h('ul', null, examples))),
      h('ul', { class: 'tiles' },
        tile('/provinces', t('tile_provinces'), t('tile_provinces_p')),
        tile('/planner', t('tile_planner'), t('tile_planner_p')),
        tile('/network', t('tile_network'), t('tile_network_p'))));
  },
};

// ---------------------------------------------------------------------------------------
// Find partners

const partnersPage = {
  title: () => t('partners_h'),
  form: null,
  results: null,
  seq: 0,

  render(main, params) {
    const modeName = 'mode';
    const modeRadio = (value, label) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name: modeName, value, id: `f-mode-${value}` }), label);
    const textLabel = h('label', { for: 'f-text' }, t('text_need'));
    const text = h('input', { type: 'search', name: 'text', id: 'f-text', autocomplete: 'off', list: 'f-commodities', 'aria-describedby': 'f-text-hint f-text-error' });
    const province = h('select', { name: 'province', id: 'f-province' }, provinceOptions('', { empty: t('province_from_text') }));
    const qtyIn = h('input', { type: 'number', name: 'qty', id: 'f-qty', min: '0', step: 'any', inputmode: 'decimal' });
    const unit = h('select', { name: 'unit', id: 'f-unit' }, UNITS.map((u) => h('option', { value: u }, UNIT_NAMES[lang][u])));
    const per = h('select', { name: 'per', id: 'f-per' },
      h('option', { value: '' }, t('per_none')),
      ['day', 'week', 'month', 'year'].map((p) => h('option', { value: p, selected: p === 'month' }, PERIODS[lang][p])));
    const certBoxes = CERTS.map((c) => h('label', { class: 'choice' },
      h('input', { type: 'checkbox', name: 'cert', value: c, id: `f-cert-${c}` }), CERT_NAMES[lang][c]));
    const order = h('select', { name: 'order', id: 'f-order' },
      h('option', { value: '' }, t('order_score')), h('option', { value: 'nearest' }, t('order_nearest')));
    const maxKm = h('input', { type: 'number', name: 'max_km', id: 'f-max-km', min: '1', max: '10000', step: '50', inputmode: 'numeric', placeholder: '800' });
    const bid = h('input', { type: 'text', name: 'id', id: 'f-id', autocomplete: 'off', spellcheck: 'false', placeholder: 'jt-00042' });
    const form = h('form', { class: 'panel search-form', action: '/partners', method: 'get', role: 'search', 'aria-label': t('partners_h'), novalidate: true },
      h('fieldset', { class: 'modes' }, h('legend', null, t('mode_legend')),
        h('div', { class: 'choices' }, modeRadio('need', t('mode_need')), modeRadio('offer', t('mode_offer'))),
        h('p', { class: 'field-error', hidden: true })),
      h('div', { class: 'row main-row' },
        h('div', { class: 'field grow' }, textLabel, text, commodityList('f-commodities', text),
          h('p', { class: 'hint', id: 'f-text-hint' }, t('text_hint')),
          h('p', { class: 'field-error', id: 'f-text-error', hidden: true })),
        field(t('province'), province),
        h('div', { class: 'field actions submit' }, h('button', { type: 'submit', class: 'primary', id: 'f-submit' }, t('search')))),
      h('details', { class: 'more' }, h('summary', null, t('more_filters')),
        h('div', { class: 'row' },
          h('fieldset', { class: 'volume' }, h('legend', null, t('volume_legend')),
            h('div', { class: 'row tight' }, field(t('qty'), qtyIn), field(t('unit'), unit), field(t('per'), per))),
          h('fieldset', { class: 'certs' }, h('legend', null, t('certs_legend')),
            h('div', { class: 'choices' }, certBoxes),
            h('p', { class: 'field-error', hidden: true })),
          h('fieldset', { class: 'nearness' }, h('legend', null, t('nearness_legend')),
            h('div', { class: 'row tight' }, field(t('order'), order), field(t('max_km'), maxKm))))),
      h('details', { class: 'by-id' }, h('summary', null, t('by_id')),
        field(t('business_id'), bid, { hint: t('business_id_hint') })));
    form.addEventListener('change', (e) => {
      if (e.target.name === 'mode') textLabel.textContent = t(e.target.value === 'offer' ? 'text_offer' : 'text_need');
    });
    submitTo(form, '/partners', (p) => {
      if (!p.get('qty')) { p.delete('unit'); p.delete('per'); }
      if (!p.get('order')) p.delete('order');
      if (!p.get('max_km')) p.delete('max_km');
      if (p.get('mode') === 'need') p.delete('mode');
    });
    this.form = form;
    this.textLabel = textLabel;
    this.resultsStatus = h('div', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
    this.results = h('div', { class: 'results' });
    main.append(
      h('h1', { tabindex: '-1' }, t('partners_h')),
      form,
      h('section', { class: 'results-section', 'aria-labelledby': 'results-h' },
        h('h2', { id: 'results-h', class: 'visually-hidden' }, t('results_h')),
        this.resultsStatus, this.results));
    this.update(params);
  },

  fill(params) {
    const f = this.form;
    const mode = params.get('mode') === 'offer' ? 'offer' : 'need';
    f.querySelector(`#f-mode-${mode}`).checked = true;
    this.textLabel.textContent = t(mode === 'offer' ? 'text_offer' : 'text_need');
    f.elements.text.value = params.get('text') ?? '';
    f.elements.province.value = ref.byCode.has(params.get('province')) ? params.get('province') : '';
    f.elements.qty.value = params.get('qty') ?? '';
    if (params.get('unit')) f.elements.unit.value = params.get('unit');
    f.elements.per.value = params.has('per') ? params.get('per') : (params.get('qty') ? '' : 'month');
    const certs = new Set(params.getAll('cert'));
    for (const c of CERTS) f.querySelector(`#f-cert-${c}`).checked = certs.has(c);
    f.elements.order.value = params.get('order') === 'nearest' ? 'nearest' : '';
    f.elements.max_km.value = params.get('max_km') ?? '';
    f.elements.id.value = params.get('id') ?? '';
    if (params.get('id')) f.querySelector('details.by-id').open = true;
    if (params.get('qty') || certs.size || params.get('order') || params.get('max_km')) f.querySelector('details.more').open = true;
  },

  async update(params) {
    this.fill(params);
    clearErrors(this.form);
    const seq = ++this.seq;
    const text = (params.get('text') ?? '').trim();
    const id = (params.get('id') ?? '').trim();
    const mode = params.get('mode') === 'offer' ? 'offer' : 'need';
    const limit = Math.min(Math.max(parseInt(params.get('limit') ?? '20', 10) || 20, 1), 100);
    if (!text && !id) {
      this.resultsStatus.replaceChildren(status(t('results_none')));
      this.results.replaceChildren();
      return;
    }
    this.results.setAttribute('aria-busy', 'true');
    this.resultsStatus.replaceChildren(loadingNote());
    try {
      let data;
      let kind;
      if (id) {
        kind = 'match';
        data = await api(`/v1/match?lang=${lang}`, { method: 'POST', body: { [mode === 'offer' ? 'seller' : 'buyer']: id, limit } });
      } else if (mode === 'offer') {
        kind = 'search';
        const q = new URLSearchParams({ q: text, kind: 'need', limit: String(limit) });
        const own = params.get('province');
        if (own && ref.byCode.has(own)) q.set('province', ref.provinces.map((p) => p.code).filter((c) => c !== own).join(','));
        const certs = params.getAll('cert');
        if (certs.length) q.set('cert', certs.join(','));
        data = await api(`/v1/search?${q}`);
      } else {
        kind = 'match';
        const need = { text };
        if (params.get('province')) need.province = params.get('province');
        const qv = parseFloat(params.get('qty') ?? '');
        if (params.get('qty')) {
          need.volume = { qty: Number.isFinite(qv) ? qv : -1, unit: params.get('unit') || 'ton' };
          if (params.get('per')) need.volume.per = params.get('per');
        }
        const certs = params.getAll('cert');
        if (certs.length) need.certifications = certs;
        const body = { need, limit };
        if (params.get('order') === 'nearest') body.order = 'nearest';
        const km = parseFloat(params.get('max_km') ?? '');
        if (params.get('max_km')) body.filters = { max_km: Number.isFinite(km) ? km : -1 };
        data = await api(`/v1/match?lang=${lang}`, { method: 'POST', body });
      }
      if (seq !== this.seq) return;
      this.show(data, kind, params, limit);
    } catch (e) {
      if (seq !== this.seq) return;
      this.results.replaceChildren();
      this.resultsStatus.replaceChildren(errorNote(e));
      if (e instanceof ApiError && e.field) this.showError(e);
    } finally {
      if (seq === this.seq) this.results.removeAttribute('aria-busy');
    }
  },

  showError(e) {
    const f = this.form;
    const field = e.field;
    let el = null;
    if (field.startsWith('need.volume.unit')) el = f.elements.unit;
    else if (field.startsWith('need.volume.per')) el = f.elements.per;
    else if (field.startsWith('need.volume')) el = f.elements.qty;
    else if (field.startsWith('need.certifications') || field === 'cert') el = f.querySelector('#f-cert-halal');
    else if (field.startsWith('need.province') || field === 'province') el = f.elements.province;
    else if (field === 'filters.max_km') el = f.elements.max_km;
    else if (field === 'buyer' || field === 'seller') el = f.elements.id;
    else if (field.startsWith('need') || field === 'q') el = f.elements.text;
    if (el && el.id === 'f-id') f.querySelector('details.by-id').open = true;
    if (el && el.closest('details.more')) f.querySelector('details.more').open = true;
    showFieldError(el, e.message);
  },

  show(data, kind, params, limit) {
    const more = () => {
      const p = new URLSearchParams(params);
      p.set('limit', String(Math.min(limit + 20, 100)));
      navigate(`/partners?${p}`, { replace: true, keepScroll: true });
    };
    const nodes = [];
    if (kind === 'search') {
      const n = data.results.length;
      this.resultsStatus.replaceChildren(status(n ? t('results_count_needs', num(n), num(data.total)) : t('results_empty')));
      nodes.push(understoodLine(data.understood, data.took_ms));
      nodes.push(h('p', { class: 'note' }, t('offer_mode_note')));
      nodes.push(h('ol', { class: 'cards' }, data.results.map((r, i) => resultCard({ ...r, rank: i + 1 }, null))));
    } else {
      const n = data.results.length;
      const msg = data.message ?? (n ? t('results_count', num(n), num(data.total)) : t('results_empty'));
      this.resultsStatus.replaceChildren(status(msg));
      if (data.business) nodes.push(h('p', { class: 'asking' }, t('asking', `${data.business.name} (${data.business.id}, ${provName(data.business.province)})`)));
      else nodes.push(understoodLine(data.understood, data.took_ms));
      const all = data.groups ? data.groups.flatMap((g) => g.results) : data.results;
      const scale = featureScale(all);
      if (n) nodes.push(featureLegend());
      if (data.groups) {
        for (const g of data.groups) {
          nodes.push(h('section', { class: 'group' },
            h('h3', null, g.listing
              ? t('group_for', `${g.listing.title} (${commodityName(g.listing.commodity)})`)
              : t('group_for', commodityName(g.commodity))),
            g.results.length ? h('ol', { class: 'cards' }, g.results.map((r) => resultCard(r, scale))) : status(t('results_empty'))));
        }
      } else {
        nodes.push(h('ol', { class: 'cards' }, data.results.map((r) => resultCard(r, scale))));
      }
    }
    if (data.results.length >= limit && data.results.length < data.total && limit < 100 && !data.groups) {
      nodes.push(h('div', { class: 'actions center' }, h('button', { type: 'button', class: 'secondary', onclick: more }, t('more'))));
    }
    this.results.replaceChildren(...nodes);
  },
};

function understoodLine(u, took) {
  if (!u) return null;
  const bits = [];
  for (const c of u.commodities || []) bits.push(commodityName(c));
  if (u.province) bits.push(t('understood_for', provName(u.province)));
  if (u.volume) bits.push(qty(u.volume));
  for (const c of u.certifications || []) bits.push(CERT_NAMES[lang][c] ?? c);
  const chips = bits.map((b) => h('li', { class: 'chip' }, b));
  return h('div', { class: 'understood' },
    h('span', { class: 'label' }, `${t('understood')}:`),
    h('ul', { class: 'chips' }, chips),
    u.corrected && u.corrected.length ? h('span', { class: 'muted' }, `(${u.corrected.map((c) => commodityName(c)).join(', ')}: ${t('understood_corrected')})`) : null,
    u.families && u.families.length ? h('span', { class: 'muted family-note' }, t('understood_family', u.families.join(', '))) : null,
    took !== undefined ? h('span', { class: 'muted took' }, t('took', num(took, 1))) : null);
}

/** The largest positive and negative contributions across the shown results. */
function featureScale(results) {
  let pos = 0;
  let neg = 0;
  for (const r of results) {
    for (const f of FEATURES) {
      const v = r.explain?.[f] ?? 0;
      if (v > pos) pos = v;
      if (-v > neg) neg = -v;
    }
  }
  pos = Math.max(pos, 0.5);
  neg = Math.max(neg, (pos + neg) * 0.12, 0.05);
  return { pos, neg, zero: (neg / (pos + neg)) * 100 };
}

function featureLegend() {
  return h('p', { class: 'legend' },
    h('span', { class: 'swatch pos', 'aria-hidden': 'true' }), h('span', { class: 'swatch neg', 'aria-hidden': 'true' }),
    t('feature_legend'));
}

function featureBars(explain, scale) {
  const total = scale.pos + scale.neg;
  const rows = FEATURES.map((f) => {
    const v = explain?.[f] ?? 0;
    const w = (Math.abs(v) / total) * 100;
    const bar = h('span', { class: `bar ${v < 0 ? 'neg' : 'pos'}` });
    bar.style.width = `${w}%`;
    if (v < 0) bar.style.right = `${100 - scale.zero}%`;
    else bar.style.left = `${scale.zero}%`;
    const axis = h('span', { class: 'axis' });
    axis.style.left = `${scale.zero}%`;
    return h('li', { class: `feature ${v < 0 ? 'is-neg' : v > 0 ? 'is-pos' : 'is-zero'}` },
      h('span', { class: 'fname' }, t(`f_${f}`)),
      h('span', { class: 'track', 'aria-hidden': 'true' }, axis, bar),
      h('span', { class: 'fval' }, signed(v)));
  });
  return h('ul', { class: 'features', 'aria-label': t('features') }, rows);
}

function certChips(certs) {
  if (!certs || !certs.length) return null;
  return h('ul', { class: 'chips small' }, certs.map((c) => h('li', { class: 'chip' }, CERT_NAMES[lang][c] ?? c)));
}

function resultCard(r, scale) {
  const b = r.business;
  const l = r.listing;
  const place = [b.city, provName(b.province)].filter(Boolean).join(', ');
  const facts = [];
  if (l.capacity) facts.push([t('capacity'), qty(l.capacity)]);
  if (l.volume) facts.push([t('volume_needed'), qty(l.volume)]);
  if (l.price) facts.push([t('price'), price(l.price)]);
  if (b.certifications?.length) facts.push([t('certs'), certChips(b.certifications)]);
  const titleId = nextId('card');
  return h('li', { class: 'card result-card', 'data-province': b.province, 'data-business': b.id, 'aria-labelledby': titleId },
    h('div', { class: 'card-head' },
      h('span', { class: 'rank', 'aria-label': t('rank', r.rank) }, `${r.rank}`),
      h('div', { class: 'who' },
        h('h3', { id: titleId }, h('a', { href: `/business?id=${encodeURIComponent(b.id)}`, 'data-nav': true, class: 'profile-link' }, b.name)),
        h('p', { class: 'card-place' }, h('span', { class: 'kind' }, KINDS[lang][b.kind] ?? b.kind), ' · ', place)),
      h('div', { class: 'score' }, h('span', { class: 'score-label' }, t('score')), h('span', { class: 'score-value' }, num(r.score, 2)))),
    h('p', { class: 'listing' },
      h('span', { class: `badge ${l.kind}` }, l.kind === 'need' ? t('needs_label') : t('offers_label')), ' ',
      h('strong', null, l.title), ' · ', commodityName(l.commodity)),
    l.description ? h('p', { class: 'desc' }, l.description) : null,
    facts.length ? h('dl', { class: 'facts' }, facts.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v)))) : null,
    scale && r.explain ? featureBars(r.explain, scale) : null,
    r.reasons?.length ? h('div', { class: 'reasons' },
      h('h4', null, t('reasons')),
      h('ul', null, r.reasons.map((x) => h('li', null, x)))) : null,
    contactAction(b));
}

/** "Contact": opens the business's contacts, read when asked (`GET /v1/businesses/{id}`
 *  shows them only to those allowed: published ones to everybody). */
function contactAction(b) {
  const panelId = nextId('contact');
  const panel = h('div', { class: 'contact-panel', id: panelId, hidden: true, 'aria-live': 'polite' });
  const button = h('button', {
    type: 'button', class: 'contact-button', 'aria-expanded': 'false', 'aria-controls': panelId,
  }, t('contact'));
  button.addEventListener('click', async () => {
    if (button.getAttribute('aria-expanded') === 'true') {
      panel.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    button.setAttribute('aria-expanded', 'true');
    panel.hidden = false;
    panel.replaceChildren(loadingNote());
    try {
      const full = await api(`/v1/businesses/${encodeURIComponent(b.id)}`);
      panel.replaceChildren(contactList(full.contacts));
    } catch (e) {
      panel.replaceChildren(errorNote(e));
    }
  });
  return h('div', { class: 'card-actions' }, button, panel);
}

function contactList(c) {
  if (!c) return h('p', { class: 'status contact-none' }, t('contact_hidden'));
  const digits = (n) => n.replace(/[^0-9]/g, '');
  const rows = [];
  if (c.contact_person) rows.push([t('contact_person'), c.contact_person]);
  if (c.phone) rows.push([t('phone'), h('a', { href: `tel:${c.phone}`, class: 'contact-phone' }, c.phone)]);
  if (c.whatsapp) {
    rows.push(['WhatsApp', h('a', {
      href: `https://wa.me/${digits(c.whatsapp)}`, class: 'contact-whatsapp', target: '_blank', rel: 'noopener noreferrer',
    }, c.whatsapp)]);
  }
  if (c.email) rows.push([t('email'), h('a', { href: `mailto:${c.email}`, class: 'contact-email' }, c.email)]);
  if (c.address) rows.push([t('address'), c.address]);
  if (c.website && /^https?:\/\//.test(c.website)) {
    rows.push([t('website'), h('a', { href: c.website, target: '_blank', rel: 'noopener noreferrer' }, c.website)]);
  }
  return h('dl', { class: 'facts contact-list' }, rows.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));
}


// ---------------------------------------------------------------------------------------
// A business's profile: who it is, what it offers and needs, and how to reach it (its
// contacts as `GET /v1/businesses/{id}` shows them to this visitor).

const businessPage = {
  title: () => t('business_h'),

  async render(main, params) {
    const id = params.get('id') || '';
    const body = h('div', { class: 'business-profile' }, loadingNote());
    main.append(body);
    let b;
    try {
      b = await api(`/v1/businesses/${encodeURIComponent(id)}`);
    } catch (e) {
      body.replaceChildren(h('h1', { tabindex: '-1' }, t('business_h')), errorNote(e));
      return;
    }
    document.title = `${b.name} · jalin`;
    const place = [b.city, provName(b.province)].filter(Boolean).join(', ');
    const listings = (items, label) => items?.length ? h('section', null,
      h('h2', null, label),
      h('ul', { class: 'profile-listings' }, items.map((l) => h('li', null,
        h('strong', null, l.title), ' · ', commodityName(l.commodity),
        l.capacity ? [' · ', qty(l.capacity)] : null,
        l.volume ? [' · ', qty(l.volume)] : null)))) : null;
    body.replaceChildren(
      h('h1', { tabindex: '-1' }, b.name),
      h('p', { class: 'card-place' }, h('span', { class: 'kind' }, KINDS[lang][b.kind] ?? b.kind), ' · ', place),
      b.description ? h('p', { class: 'desc' }, b.description) : null,
      b.certifications?.length ? certChips(b.certifications) : null,
      listings(b.offers, t('offers_label')),
      listings(b.needs, t('needs_label')),
      h('section', { class: 'profile-contacts' }, h('h2', null, t('contact')), contactList(b.contacts)));
  },
};
