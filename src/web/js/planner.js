// The mission planner: participants, slots and tables in, a schedule with agendas out.

// ---------------------------------------------------------------------------------------
// Mission planner

const planner = {
  spec: null, // the spec planned last
  specLabel: '',
  schedule: null,
  forMission: null, // the shipped mission's name, or null for an upload
  uploaded: null,
  uploadedName: '',
};

const plannerPage = {
  title: () => t('planner_h'),
  seq: 0,

  render(main, params) {
    const mission = h('select', { name: 'mission', id: 'm-mission' }, h('option', { value: '' }, t('mission_choose')));
    const file = h('input', { type: 'file', id: 'm-file', accept: '.json,application/json' });
    const form = h('form', { class: 'panel inline-form', action: '/planner', method: 'get', novalidate: true },
      field(t('mission'), mission),
      field(t('upload'), file, { hint: t('upload_hint') }),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary', id: 'm-plan' }, t('plan'))));
    this.form = form;
    this.mission = mission;
    this.file = file;
    this.out = h('div', { class: 'plan-out' });
    this.statusBox = h('div', { role: 'status', 'aria-live': 'polite' });
    file.addEventListener('change', () => {
      clearErrors(form);
      if (file.files.length) mission.value = '';
    });
    mission.addEventListener('change', () => { if (mission.value) file.value = ''; });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearErrors(form);
      if (file.files.length) {
        this.planUpload(file.files[0]);
      } else if (mission.value) {
        navigate(`/planner?${new URLSearchParams({ mission: mission.value })}`);
      } else {
        showFieldError(mission, t('plan_need_input'));
      }
    });
    main.append(
      h('h1', { tabindex: '-1' }, t('planner_h')),
      h('p', { class: 'lead' }, t('planner_lead')),
      form, this.statusBox, this.out);
    api('/v1/missions').then((missions) => {
      // The shipped specs: stored missions are planned on the server (POST /v1/missions/{id}/plan).
      for (const m of missions) if (m.shipped) mission.append(h('option', { value: m.id }, m.id));
      mission.value = params.get('mission') ?? '';
    }).catch(() => { /* the planner still takes uploads */ });
    this.update(params);
  },

  update(params) {
    const name = params.get('mission');
    if (this.mission.querySelector(`option[value="${CSS.escape(name ?? '')}"]`)) this.mission.value = name ?? '';
    if (name) {
      if (planner.schedule && planner.forMission === name) this.show(params.get('who'));
      else this.planShipped(name, params.get('who'));
    } else if (planner.schedule && planner.forMission === null) {
      this.show(params.get('who'));
    } else {
      this.out.replaceChildren();
      this.statusBox.replaceChildren();
    }
  },

  async planShipped(name, who) {
    const seq = ++this.seq;
    this.statusBox.replaceChildren(h('p', { class: 'status loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('planning')));
    this.out.replaceChildren();
    try {
      const spec = await api(`/v1/missions/${encodeURIComponent(name)}`);
      const schedule = await api('/v1/missions/plan?format=json', { method: 'POST', body: spec });
      if (seq !== this.seq) return;
      Object.assign(planner, { spec, schedule, forMission: name, specLabel: name });
      this.show(who);
    } catch (e) {
      if (seq === this.seq) { this.statusBox.replaceChildren(errorNote(e)); }
    }
  },

  async planUpload(fileObj) {
    const seq = ++this.seq;
    let spec;
    try {
      spec = JSON.parse(await fileObj.text());
    } catch (e) {
      showFieldError(this.file, t('bad_json', e.message));
      return;
    }
    this.statusBox.replaceChildren(h('p', { class: 'status loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('planning')));
    this.out.replaceChildren();
    try {
      const schedule = await api('/v1/missions/plan?format=json', { method: 'POST', body: spec });
      if (seq !== this.seq) return;
      Object.assign(planner, { spec, schedule, forMission: null, specLabel: fileObj.name });
      if (location.search && new URLSearchParams(location.search).has('mission')) {
        history.pushState(null, '', withLang('/planner'));
      }
      this.show(null);
    } catch (e) {
      if (seq !== this.seq) return;
      this.statusBox.replaceChildren(errorNote(e));
      if (e instanceof ApiError && e.field) {
        const box = this.file.closest('.field').querySelector('.field-error');
        box.textContent = `${e.field}: ${e.message}`;
        box.hidden = false;
        this.file.setAttribute('aria-invalid', 'true');
      }
    }
  },

  show(who) {
    const sc = planner.schedule;
    const st = sc.stats;
    this.statusBox.replaceChildren(h('p', { class: 'visually-hidden' }, `${sc.name}: ${t('meetings_n', num(st.meetings))}`));
    const names = new Map(sc.participants.map((p) => [p.id, p.name || p.id]));
    const topicName = (k) => (k ? commodityName(k) : '');
    const stat = (label, value, sub) => h('div', { class: 'stat' }, h('dt', null, label), h('dd', null, h('span', { class: 'big' }, value), sub ? h('span', { class: 'sub' }, sub) : null));
    const tablesInSpec = planner.spec?.tables;
    const stats = h('dl', { class: 'stats' },
      stat(t('st_meetings'), num(st.meetings)),
      stat(t('st_value'), num(st.total_weight, 1), t('st_value_of', num(st.upper_bound, 1))),
      stat(t('st_gap'), `${num(st.gap_pct, 2, 2)} %`),
      stat(t('st_met'), `${num(st.participants_met)} / ${num(st.participants)}`),
      stat(t('st_must'), `${num(st.must_placed)} / ${num(st.must_requested)}`),
      stat(t('st_idle'), num(st.idle_gaps)),
      stat(t('st_tables'), tablesInSpec ? `${num(st.tables_used_max)} / ${num(tablesInSpec)}` : num(st.tables_used_max)),
      stat(t('st_solve'), `${num(st.solve_ms, 1)} ms`));

    const dl = (format, label) => h('button', {
      type: 'button', class: 'secondary', 'data-format': format,
      onclick: (e) => this.download(format, e.currentTarget),
    }, label);
    const downloads = h('div', { class: 'downloads', role: 'group', 'aria-labelledby': 'dl-h' },
      h('span', { id: 'dl-h', class: 'label' }, `${t('downloads')}:`),
      dl('csv', t('dl_csv')), dl('ics', t('dl_ics')), dl('html', t('dl_html')), dl('xlsx', t('dl_xlsx')), dl('json', t('dl_json')),
      h('p', { class: 'field-error', hidden: true, role: 'alert' }));
    this.dlError = downloads.querySelector('.field-error');

    // The grid: one row per slot (with breaks between), one column per table used.
    const slots = new Map();
    let maxTable = 0;
    for (const m of sc.meetings) {
      if (!slots.has(m.slot)) slots.set(m.slot, { start: m.start, end: m.end, cells: new Map() });
      slots.get(m.slot).cells.set(m.table, m);
      if (m.table > maxTable) maxTable = m.table;
    }
    const slotNums = [...slots.keys()].sort((a, b) => a - b);
    const head = h('tr', null, h('th', { scope: 'col', class: 'corner' }, t('slot')),
      Array.from({ length: maxTable }, (_, i) => h('th', { scope: 'col' }, t('table_n', i + 1))));
    const body = [];
    let prevEnd = null;
    for (const n of slotNums) {
      const sl = slots.get(n);
      if (prevEnd && sl.start !== prevEnd) {
        body.push(h('tr', { class: 'break' }, h('th', { scope: 'row' }, `${prevEnd}–${sl.start}`),
          h('td', { colspan: String(maxTable) }, t('break_row'))));
      }
      prevEnd = sl.end;
      const cells = [];
      for (let tb = 1; tb <= maxTable; tb++) {
        const m = sl.cells.get(tb);
        if (!m) { cells.push(h('td', { class: 'empty' })); continue; }
        cells.push(h('td', { class: `meeting${m.priority ? ` ${m.priority}` : ''}`, title: `${m.a} ⇄ ${m.b}` },
          h('span', { class: 'pa' }, m.a_name || m.a),
          h('span', { class: 'pb' }, m.b_name || m.b),
          m.topic ? h('span', { class: 'topic' }, topicName(m.topic)) : null,
          m.priority ? h('span', { class: `prio ${m.priority}` }, t(m.priority)) : null));
      }
      body.push(h('tr', null, h('th', { scope: 'row' }, h('span', { class: 'slotno' }, `${t('slot')} ${n + 1}`), h('br'), `${sl.start}–${sl.end}`), cells));
    }
    const grid = h('div', { class: 'grid-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'grid-h' },
      h('table', { class: 'grid' },
        h('caption', null, t('grid_caption')),
        h('thead', null, head), h('tbody', null, body)));

    // One participant's agenda.
    const bySide = { origin: [], host: [] };
    for (const p of sc.participants) (bySide[p.side] || (bySide[p.side] = [])).push(p);
    const hostName = provName(sc.host_province);
    const whoSel = h('select', { id: 'm-who', name: 'who' },
      Object.entries(bySide).filter(([, ps]) => ps.length).map(([side, ps]) => h('optgroup', { label: side === 'origin' ? t('side_origin') : side === 'host' ? `${t('side_host')} (${hostName})` : side },
        [...ps].sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id, locale()))
          .map((p) => h('option', { value: p.id }, `${p.name || p.id} — ${t('meetings_n', p.meetings)}`)))));
    const firstWithMeetings = sc.participants.find((p) => p.meetings > 0)?.id ?? sc.participants[0]?.id;
    whoSel.value = who && names.has(who) ? who : firstWithMeetings;
    const agendaBox = h('div', { class: 'agenda', 'aria-live': 'polite' });
    const showAgenda = () => {
      const id = whoSel.value;
      const items = sc.agendas?.[id] ?? sc.meetings.filter((m) => m.a === id || m.b === id).map((m) => ({
        slot: m.slot, start: m.start, end: m.end, table: m.table, with: m.a === id ? m.b : m.a,
        with_name: m.a === id ? m.b_name : m.a_name, topic: m.topic,
      }));
      if (!items.length) { agendaBox.replaceChildren(status(t('agenda_empty'))); return; }
      agendaBox.replaceChildren(h('table', { class: 'plain' },
        h('caption', { class: 'visually-hidden' }, `${t('agenda_h')}: ${names.get(id)}`),
        h('thead', null, h('tr', null, ['time', 'table', 'with', 'topic'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', null, items.map((it) => h('tr', null,
          h('th', { scope: 'row' }, `${it.start}–${it.end}`),
          h('td', null, String(it.table)),
          h('td', null, it.with_name || it.with, ' ', h('span', { class: 'muted' }, `(${it.with})`)),
          h('td', null, topicName(it.topic)))))));
    };
    whoSel.addEventListener('change', () => {
      showAgenda();
      const p = new URLSearchParams(location.search);
      p.set('who', whoSel.value);
      history.replaceState(history.state, '', withLang(`/planner?${p}`));
    });
    showAgenda();

    const unscheduled = sc.unscheduled.length
      ? h('ul', { class: 'unscheduled' }, sc.unscheduled.map((u) => h('li', null,
        h('strong', null, `${names.get(u.a) ?? u.a} ⇄ ${names.get(u.b) ?? u.b}`), ' ',
        h('span', { class: `prio ${u.priority}` }, t(u.priority) || u.priority), h('br'), u.reason)))
      : status(t('unscheduled_none'));

    const when = [fmtDate(sc.date), sc.venue, `${t('side_host')}: ${hostName}`].filter(Boolean).join(' · ');
    this.out.replaceChildren(
      h('section', { class: 'plan-head', 'aria-labelledby': 'plan-h' },
        h('h2', { id: 'plan-h' }, sc.name),
        h('p', { class: 'muted' }, when, planner.forMission === null ? ` · ${t('uploaded')}: ${planner.specLabel}` : ''),
        stats, downloads),
      h('section', { 'aria-labelledby': 'grid-h' }, h('h3', { id: 'grid-h' }, t('grid_h')), grid),
      h('div', { class: 'two-col' },
        h('section', { 'aria-labelledby': 'agenda-h' }, h('h3', { id: 'agenda-h' }, t('agenda_h')),
          field(t('participant'), whoSel), agendaBox),
        h('section', { 'aria-labelledby': 'unsched-h' }, h('h3', { id: 'unsched-h' }, t('unscheduled_h')), unscheduled)));
  },

  async download(format, button) {
    this.dlError.hidden = true;
    button.disabled = true;
    try {
      let blob;
      if (format === 'json') {
        blob = new Blob([JSON.stringify(planner.schedule, null, 2)], { type: 'application/json' });
      } else {
        // Documents in the page's language (the server's default for them is Indonesian).
        const res = await api(`/v1/missions/plan?format=${format}&lang=${lang}`, { method: 'POST', body: planner.spec, raw: true });
        blob = await res.blob();
      }
      const stem = (planner.schedule.name || 'mission').toLowerCase().normalize('NFKD')
        .replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'mission';
      const ext = format === 'html' ? 'html' : format;
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `${stem}.${ext}`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (e) {
      this.dlError.textContent = t('dl_failed', e.message);
      this.dlError.hidden = false;
    } finally {
      button.disabled = false;
    }
  },
};

