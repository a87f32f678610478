// The mission builder (`/missions`, `/missions?id=m-1`): a stored mission from a form and a
// participant spreadsheet (every bad row listed at once) to a kept plan, edited in a planner
// grid (lock, move, swap a meeting, then re-plan around the locks with
// `POST /v1/missions/{id}/replan`), published, with commitments and the mission report.
// Every write sends the tab's API key (core.js); the grid's edits stay in the page until
// they are re-planned, so what the server keeps is always a valid plan.

// ---------------------------------------------------------------------------------------
// Mission builder

const builder = {
  mission: null, // the stored mission (GET /v1/missions/{id})
  schedule: null, // its kept plan
  meetings: [], // the plan's meetings as edited in the grid: {a, b, a_name, b_name, slot, table, topic}
  locks: new Set(), // "a|b" of locked meetings
  lockFor: null, // the mission the locks belong to
  selected: null, // "a|b" of the selected meeting
  swapping: false,
  dirty: false, // edited since the last plan the server kept
  notice: null, // a message to show once after a reload: [section, text]
};

const pairKey = (a, b) => `${a}|${b}`;
const enc = encodeURIComponent;

/** `HH:MM` of each slot's start and end, from the mission's slot spec. */
function slotTimes(slots) {
  const [hh, mm] = String(slots.start || '09:00').split(':').map(Number);
  let at = (hh || 0) * 60 + (mm || 0);
  const breaks = new Map((slots.breaks || []).map((b) => [b.after, b.minutes]));
  const fmt = (x) => `${String(Math.floor(x / 60) % 24).padStart(2, '0')}:${String(x % 60).padStart(2, '0')}`;
  const out = [];
  for (let i = 0; i < slots.count; i++) {
    out.push({ start: fmt(at), end: fmt(at + slots.minutes) });
    at += slots.minutes + (breaks.get(i) || 0);
  }
  return out;
}

function idempotencyKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `c-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

const missionsPage = {
  title: () => t('mb_h'),
  seq: 0,

  render(main, params) {
    main.append(h('h1', { tabindex: '-1' }, t('mb_h')), h('p', { class: 'lead' }, t('mb_lead')));
    this.keyNote = h('div');
    this.box = h('div', { class: 'mission-builder' });
    main.append(this.keyNote, this.box);
    this.update(params);
  },

  update(params) {
    this.keyNote.replaceChildren(apiKey() ? '' : h('p', { class: 'notice', id: 'mb-need-key' }, t('mb_need_key')));
    const id = params.get('id');
    if (id) this.showMission(id);
    else this.showList();
  },

  // -------------------------------------------------------------------------------------
  // The list and the form of a new mission

  async showList() {
    const seq = ++this.seq;
    const list = h('section', { 'aria-labelledby': 'mb-list-h' }, h('h2', { id: 'mb-list-h' }, t('mb_list_h')), loadingNote());
    this.box.replaceChildren(list, this.createForm());
    try {
      const all = await api('/v1/missions');
      if (seq !== this.seq) return;
      const stored = all.filter((m) => !m.shipped);
      list.replaceChildren(h('h2', { id: 'mb-list-h' }, t('mb_list_h')), stored.length
        ? h('ul', { class: 'mission-list' }, stored.map((m) => h('li', null,
          h('a', { href: `/missions?id=${enc(m.id)}`, 'data-nav': true }, m.name), ' ',
          h('span', { class: 'muted' }, `${m.id} · ${fmtDate(m.date)} · ${provName(m.host_province)} · ${t('mb_participants_n', num(m.participants))} · ${m.published ? t('mb_published') : t('mb_draft')}`))))
        : status(t('mb_list_none'), 'empty'));
    } catch (e) {
      if (seq === this.seq) list.append(errorNote(e));
    }
  },

  createForm() {
    const input = (id, type, value, extra) => h('input', { id, type, value, ...(extra || {}) });
    const c = {
      name: input('mb-name', 'text', '', { required: true, maxlength: '200' }),
      date: input('mb-date', 'date', new Date().toISOString().slice(0, 10), { required: true }),
      venue: input('mb-venue', 'text', ''),
      host: h('select', { id: 'mb-host' }, provinceOptions('36', { capital: false })),
      organiser: h('select', { id: 'mb-organiser' }, provinceOptions('', { empty: t('mb_organiser_key'), capital: false })),
      start: input('mb-start', 'time', '09:00'),
      minutes: input('mb-minutes', 'number', '20', { min: '1', max: '600' }),
      count: input('mb-count', 'number', '12', { min: '1', max: '144' }),
      tables: input('mb-tables', 'number', '60', { min: '1' }),
      max: input('mb-max', 'number', '8', { min: '1' }),
    };
    const byField = {
      name: c.name, date: c.date, venue: c.venue, host_province: c.host, organiser: c.organiser,
      'slots.start': c.start, 'slots.minutes': c.minutes, 'slots.count': c.count, slots: c.count,
      tables: c.tables, max_meetings: c.max,
    };
    const note = h('div', { role: 'status', 'aria-live': 'polite' });
    const form = h('form', { class: 'panel', novalidate: true, id: 'mb-create-form' },
      h('h2', null, t('mb_new_h')),
      h('div', { class: 'row' }, field(t('mb_name'), c.name, { cls: 'grow' }), field(t('mb_date'), c.date)),
      h('div', { class: 'row' }, field(t('mb_venue'), c.venue, { cls: 'grow' }), field(t('mb_host'), c.host), field(t('mb_organiser'), c.organiser)),
      h('div', { class: 'row' }, field(t('mb_start'), c.start), field(t('mb_minutes'), c.minutes), field(t('mb_count'), c.count),
        field(t('mb_tables'), c.tables), field(t('mb_max'), c.max)),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'mb-create' }, t('mb_create'))),
      note);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      note.replaceChildren();
      const spec = {
        name: c.name.value.trim(),
        host_province: c.host.value,
        date: c.date.value,
        slots: { start: c.start.value || '09:00', minutes: Number(c.minutes.value), count: Number(c.count.value) },
        tables: Number(c.tables.value),
        max_meetings: Number(c.max.value),
      };
      if (c.venue.value.trim()) spec.venue = c.venue.value.trim();
      if (c.organiser.value) spec.organiser = c.organiser.value;
      try {
        const m = await api('/v1/missions', { method: 'POST', body: spec });
        navigate(`/missions?id=${enc(m.id)}`);
      } catch (err) {
        if (!(err.field && showFieldError(byField[err.field], err.message))) note.replaceChildren(errorNote(err));
      }
    });
    return form;
  },

  // -------------------------------------------------------------------------------------
  // One mission

  async showMission(id) {
    const seq = ++this.seq;
    this.box.replaceChildren(loadingNote());
    let m;
    let schedule = null;
    try {
      m = await api(`/v1/missions/${enc(id)}`);
      if (m.planned) schedule = await api(`/v1/missions/${enc(id)}/plan`);
    } catch (e) {
      if (seq === this.seq) this.box.replaceChildren(h('p', null, h('a', { href: '/missions', 'data-nav': true }, t('mb_back'))), errorNote(e));
      return;
    }
    if (seq !== this.seq) return;
    if (m.shipped || !m.id) {
      // A shipped spec is planned on the planner page.
      navigate(`/planner?mission=${enc(id)}`, { replace: true });
      return;
    }
    builder.mission = m;
    if (builder.lockFor !== m.id) {
      builder.locks = new Set();
      builder.lockFor = m.id;
    }
    this.takeSchedule(schedule);
    this.head = h('div');
    this.partBox = h('section', { 'aria-labelledby': 'mb-part-h', class: 'mb-section' });
    this.planBox = h('section', { 'aria-labelledby': 'mb-plan-h', class: 'mb-section' });
    this.requestBox = h('section', { 'aria-labelledby': 'mb-req-h', class: 'mb-section' });
    this.commitBox = h('section', { 'aria-labelledby': 'mb-commit-h', class: 'mb-section' });
    this.reportBox = h('section', { 'aria-labelledby': 'mb-report-h', class: 'mb-section' });
    this.box.replaceChildren(this.head, this.partBox, this.requestBox, this.planBox, this.commitBox, this.reportBox);
    this.renderHead();
    this.renderParticipants();
    this.renderRequests();
    this.renderPlan();
    this.renderCommitments();
    this.renderReport();
  },

  takeSchedule(schedule) {
    builder.schedule = schedule;
    builder.meetings = schedule ? schedule.meetings.map((x) => ({
      a: x.a, b: x.b, a_name: x.a_name, b_name: x.b_name, slot: x.slot, table: x.table, topic: x.topic,
    })) : [];
    const present = new Set(builder.meetings.map((x) => pairKey(x.a, x.b)));
    for (const k of [...builder.locks]) if (!present.has(k)) builder.locks.delete(k);
    builder.selected = null;
    builder.swapping = false;
    builder.dirty = false;
  },

  renderHead() {
    const m = builder.mission;
    const s = m.spec;
    const count = (s.participants || []).length + (s.firms || []).filter((f) => !(s.participants || []).some((p) => p.id === f.id)).length;
    this.head.replaceChildren(
      h('p', null, h('a', { href: '/missions', 'data-nav': true }, t('mb_back'))),
      h('h2', { id: 'mb-title' }, s.name),
      h('p', { class: 'muted', id: 'mb-meta' }, [m.id, fmtDate(s.date), s.venue, `${t('side_host')}: ${provName(s.host_province)}`,
        t('mb_participants_n', num(count)), m.planned ? t('mb_planned') : t('mb_not_planned'),
        m.published ? t('mb_published') : t('mb_draft')].filter(Boolean).join(' · ')));
  },

  async reloadMission() {
    const m = await api(`/v1/missions/${enc(builder.mission.id)}`);
    builder.mission = m;
    this.renderHead();
  },

  // -------------------------------------------------------------------------------------
  // 1. Participants from a spreadsheet

  renderParticipants() {
    const file = h('input', { type: 'file', id: 'mb-file', accept: '.csv,.xlsx,.xls,.ods,text/csv' });
    const out = h('div', { id: 'mb-upload-out', 'aria-live': 'polite' });
    const form = h('form', { class: 'panel inline-form', novalidate: true },
      field(t('mb_file'), file, { hint: t('mb_file_hint'), cls: 'grow' }),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary', id: 'mb-upload' }, t('mb_upload'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      out.replaceChildren();
      const f = file.files[0];
      if (!f) { showFieldError(file, t('mb_file_needed')); return; }
      const lower = f.name.toLowerCase();
      const type = lower.endsWith('.csv') ? 'text/csv'
        : lower.endsWith('.xls') ? 'application/vnd.ms-excel'
          : lower.endsWith('.ods') ? 'application/vnd.oasis.opendocument.spreadsheet'
            : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
      const button = form.querySelector('#mb-upload');
      button.disabled = true;
      try {
        const r = await api(`/v1/missions/${enc(builder.mission.id)}/participants`, { method: 'POST', body: f, contentType: type });
        builder.notice = ['participants', t('mb_imported', num(r.rows), num(r.registered), num(r.firms), num(r.added), num(r.replaced))];
        await this.showMission(builder.mission.id);
      } catch (err) {
        out.replaceChildren(this.rowErrors(err));
      } finally {
        button.disabled = false;
      }
    });
    const notice = builder.notice && builder.notice[0] === 'participants' ? builder.notice[1] : null;
    builder.notice = null;
    this.partBox.replaceChildren(
      h('h3', { id: 'mb-part-h' }, t('mb_part_h')),
      h('p', { class: 'downloads' }, h('span', { class: 'label' }, t('mb_template')), ' ',
        h('a', { href: '/v1/templates/participants.csv', download: 'peserta.csv', id: 'mb-template-csv' }, 'CSV'), ' · ',
        h('a', { href: '/v1/templates/participants.xlsx', download: 'peserta.xlsx', id: 'mb-template-xlsx' }, 'XLSX')),
      form,
      notice ? h('p', { class: 'status', id: 'mb-imported', role: 'status' }, notice) : '',
      out);
  },

  /** An upload's refusal: every bad row (row, column, message) in one table. */
  rowErrors(err) {
    if (!(err instanceof ApiError) || !err.rows || !err.rows.length) return errorNote(err);
    return h('div', { class: 'row-errors', role: 'alert', id: 'mb-row-errors' },
      h('p', { class: 'status error' }, t('mb_rows_bad', num(err.rows.length + err.more))),
      h('table', { class: 'plain' },
        h('thead', null, h('tr', null, [t('mb_row'), t('mb_column'), t('mb_problem')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, err.rows.map((r) => h('tr', { class: 'row-error', 'data-row': String(r.row), 'data-column': r.column },
          h('th', { scope: 'row' }, String(r.row)), h('td', null, r.column), h('td', null, r.message))))),
      err.more ? h('p', { class: 'muted' }, t('mb_rows_more', num(err.more))) : null);
  },

  // -------------------------------------------------------------------------------------
  // 2. The plan, its grid and the grid's edits

  renderPlan() {
    const m = builder.mission;
    const note = h('div', { id: 'mb-plan-note', role: 'status', 'aria-live': 'polite' });
    const planBtn = h('button', { type: 'button', class: builder.schedule ? 'secondary' : 'primary', id: 'mb-plan' }, t('mb_plan'));
    planBtn.addEventListener('click', () => this.plan(planBtn, note));
    const parts = [h('h3', { id: 'mb-plan-h' }, t('mb_plan_h')), h('div', { class: 'actions' }, planBtn), note];
    if (builder.notice && builder.notice[0] === 'plan') {
      note.append(status(builder.notice[1]));
      builder.notice = null;
    }
    if (builder.schedule) {
      const publish = h('button', { type: 'button', class: 'primary', id: 'mb-publish', disabled: builder.dirty || m.published }, t('mb_publish'));
      publish.addEventListener('click', () => this.publish(publish, note));
      const replan = h('button', { type: 'button', class: 'primary', id: 'mb-replan' }, t('mb_replan'));
      replan.addEventListener('click', () => this.replan(replan, note));
      parts[1].append(replan, publish);
      if (m.published) {
        parts.push(h('p', { class: 'status', id: 'mb-published' }, t('mb_published_note'), ' ',
          h('a', { href: `/v1/missions/${enc(m.id)}/plan?format=html&lang=${lang}`, target: '_blank', rel: 'noopener', id: 'mb-agendas' }, t('mb_agendas'))));
      }
      if (builder.dirty) parts.push(h('p', { class: 'status', id: 'mb-dirty' }, t('mb_dirty')));
      parts.push(h('p', { class: 'muted', id: 'mb-count-meetings' }, t('mb_meetings', num(builder.meetings.length))));
      parts.push(h('p', { class: 'hint' }, t('mb_grid_help')));
      parts.push(this.actionBar(), this.grid());
    }
    this.planBox.replaceChildren(...parts);
  },

  async plan(button, note) {
    button.disabled = true;
    note.replaceChildren(h('p', { class: 'status loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('planning')));
    try {
      const sc = await api(`/v1/missions/${enc(builder.mission.id)}/plan?format=json&lang=${lang}`, { method: 'POST' });
      builder.locks = new Set();
      this.takeSchedule(sc);
      await this.reloadMission();
      this.renderPlan();
      this.renderCommitments();
      this.renderReport();
    } catch (e) {
      note.replaceChildren(errorNote(e));
      button.disabled = false;
    }
  },

  async replan(button, note) {
    button.disabled = true;
    note.replaceChildren(h('p', { class: 'status loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('planning')));
    const body = {
      meetings: builder.meetings.map((x) => ({ a: x.a, b: x.b, slot: x.slot, table: x.table || undefined })),
      locked: [...builder.locks].map((k) => { const [a, b] = k.split('|'); return { a, b }; }),
    };
    try {
      const sc = await api(`/v1/missions/${enc(builder.mission.id)}/replan?format=json&lang=${lang}`, { method: 'POST', body });
      this.takeSchedule(sc);
      const ch = sc.changes || { added: [], moved: [], cancelled: [] };
      builder.notice = ['plan', t('mb_changes', num(ch.added.length), num(ch.moved.length), num(ch.cancelled.length))];
      await this.reloadMission();
      this.renderPlan();
      this.renderCommitments();
      this.renderReport();
    } catch (e) {
      note.replaceChildren(errorNote(e));
      button.disabled = false;
    }
  },

  async publish(button, note) {
    button.disabled = true;
    try {
      builder.mission = await api(`/v1/missions/${enc(builder.mission.id)}/publish`, { method: 'POST' });
      this.renderHead();
      this.renderPlan();
      this.renderReport();
    } catch (e) {
      note.replaceChildren(errorNote(e));
      button.disabled = false;
    }
  },

  meetingAt(key) {
    return builder.meetings.find((x) => pairKey(x.a, x.b) === key);
  },

  /** Whether participant `who` has a meeting in `slot` other than the `except` ones. */
  busy(who, slot, except) {
    return builder.meetings.some((x) => x.slot === slot && !except.includes(x) && (x.a === who || x.b === who));
  },

  freeTable(slot, except) {
    const used = new Set(builder.meetings.filter((x) => x.slot === slot && !except.includes(x)).map((x) => x.table));
    for (let tb = 1; tb <= builder.mission.spec.tables; tb++) if (!used.has(tb)) return tb;
    return null;
  },

  /** The slots meeting `x` could move to: both parties free and a table left. */
  freeSlots(x) {
    const out = [];
    for (let s = 0; s < builder.mission.spec.slots.count; s++) {
      if (s === x.slot) continue;
      if (this.busy(x.a, s, [x]) || this.busy(x.b, s, [x])) continue;
      if (this.freeTable(s, [x]) === null) continue;
      out.push(s);
    }
    return out;
  },

  edited() {
    builder.dirty = true;
    builder.swapping = false;
    this.renderPlan();
  },

  moveTo(x, slot, table) {
    x.slot = slot;
    x.table = table ?? this.freeTable(slot, [x]);
    builder.locks.add(pairKey(x.a, x.b)); // a meeting the organiser placed stays placed
    this.edited();
  },

  swap(x, y) {
    for (const [who, slot, other] of [[x.a, y.slot, y], [x.b, y.slot, y], [y.a, x.slot, x], [y.b, x.slot, x]]) {
      if (this.busy(who, slot, [x, y])) return t('mb_swap_clash', (x.a === who ? x.a_name : x.b === who ? x.b_name : y.a === who ? y.a_name : y.b_name) || who, other);
    }
    [x.slot, y.slot] = [y.slot, x.slot];
    [x.table, y.table] = [y.table, x.table];
    builder.locks.add(pairKey(x.a, x.b));
    builder.locks.add(pairKey(y.a, y.b));
    builder.selected = pairKey(x.a, x.b);
    this.edited();
    return null;
  },

  actionBar() {
    const x = builder.selected && this.meetingAt(builder.selected);
    const bar = h('div', { class: 'panel grid-actions', id: 'mb-actions', role: 'group', 'aria-label': t('mb_grid_help') });
    if (!x) {
      bar.append(h('p', { class: 'muted' }, t('mb_none_selected')));
      return bar;
    }
    const key = pairKey(x.a, x.b);
    const locked = builder.locks.has(key);
    const lock = h('button', { type: 'button', class: 'secondary', id: 'mb-lock', 'aria-pressed': String(locked) }, locked ? t('mb_unlock') : t('mb_lock'));
    lock.addEventListener('click', () => {
      if (builder.locks.has(key)) builder.locks.delete(key); else builder.locks.add(key);
      this.renderPlan();
    });
    const free = this.freeSlots(x);
    const times = slotTimes(builder.mission.spec.slots);
    const slotSel = h('select', { id: 'mb-move-slot' }, free.length
      ? free.map((s) => h('option', { value: String(s) }, `${t('mb_slot_n', s + 1)} (${times[s].start}–${times[s].end})`))
      : h('option', { value: '' }, t('mb_no_free_slot')));
    const move = h('button', { type: 'button', class: 'secondary', id: 'mb-move', disabled: !free.length }, t('mb_move'));
    move.addEventListener('click', () => { if (slotSel.value !== '') this.moveTo(x, Number(slotSel.value)); });
    const swap = h('button', { type: 'button', class: 'secondary', id: 'mb-swap', 'aria-pressed': String(builder.swapping) }, builder.swapping ? t('mb_cancel') : t('mb_swap'));
    swap.addEventListener('click', () => { builder.swapping = !builder.swapping; this.renderPlan(); });
    bar.append(
      h('p', { id: 'mb-selected' }, t('mb_selected', x.a_name || x.a, x.b_name || x.b, x.slot + 1, x.table || '–'), locked ? ` · ${t('mb_locked')}` : ''),
      h('div', { class: 'row tight' }, lock, field(t('mb_move_to'), slotSel), move, swap),
      builder.swapping ? h('p', { class: 'status', id: 'mb-swap-pick' }, t('mb_swap_pick')) : null,
      h('p', { class: 'field-error', id: 'mb-grid-error', role: 'alert', hidden: true }));
    return bar;
  },

  grid() {
    const spec = builder.mission.spec;
    const times = slotTimes(spec.slots);
    const bySlot = new Map();
    let maxTable = 1;
    for (const x of builder.meetings) {
      if (!bySlot.has(x.slot)) bySlot.set(x.slot, new Map());
      bySlot.get(x.slot).set(x.table, x);
      if (x.table > maxTable) maxTable = x.table;
    }
    const cols = Math.min(spec.tables, maxTable + 1);
    const head = h('tr', null, h('th', { scope: 'col', class: 'corner' }, t('slot')),
      Array.from({ length: cols }, (_, i) => h('th', { scope: 'col' }, t('table_n', i + 1))));
    const rows = [];
    for (let s = 0; s < times.length; s++) {
      const cells = [];
      const here = bySlot.get(s) || new Map();
      for (let tb = 1; tb <= cols; tb++) {
        const x = here.get(tb);
        if (!x) {
          cells.push(h('td', { class: 'empty', 'data-slot': String(s), 'data-table': String(tb), onclick: () => this.emptyClicked(s, tb) }));
          continue;
        }
        const key = pairKey(x.a, x.b);
        const cls = ['meeting', builder.locks.has(key) ? 'locked' : '', builder.selected === key ? 'selected' : ''].filter(Boolean).join(' ');
        cells.push(h('td', { class: cls, 'data-a': x.a, 'data-b': x.b, 'data-slot': String(s), 'data-table': String(tb) },
          h('button', { type: 'button', class: 'cell', 'aria-pressed': String(builder.selected === key), onclick: () => this.meetingClicked(key) },
            builder.locks.has(key) ? h('span', { class: 'lock', 'aria-label': t('mb_locked') }, '🔒') : null,
            h('span', { class: 'pa' }, x.a_name || x.a),
            h('span', { class: 'pb' }, x.b_name || x.b),
            x.topic ? h('span', { class: 'topic' }, commodityName(x.topic)) : null)));
      }
      rows.push(h('tr', null, h('th', { scope: 'row' }, h('span', { class: 'slotno' }, t('mb_slot_n', s + 1)), h('br'), `${times[s].start}–${times[s].end}`), cells));
    }
    return h('div', { class: 'grid-wrap', tabindex: '0', role: 'region', 'aria-label': t('grid_h') },
      h('table', { class: 'grid edit', id: 'mb-grid' }, h('caption', null, t('grid_caption')),
        h('thead', null, head), h('tbody', null, rows)));
  },

  meetingClicked(key) {
    if (builder.swapping && builder.selected && builder.selected !== key) {
      const problem = this.swap(this.meetingAt(builder.selected), this.meetingAt(key));
      if (problem) {
        const box = document.getElementById('mb-grid-error');
        if (box) { box.textContent = problem; box.hidden = false; }
      }
      return;
    }
    builder.selected = builder.selected === key ? null : key;
    builder.swapping = false;
    this.renderPlan();
  },

  emptyClicked(slot, table) {
    const x = builder.selected && this.meetingAt(builder.selected);
    if (!x || slot === x.slot) return;
    if (!this.freeSlots(x).includes(slot)) {
      const box = document.getElementById('mb-grid-error');
      if (box) { box.textContent = t('mb_swap_clash', x.a_name || x.a, slot + 1); box.hidden = false; }
      return;
    }
    this.moveTo(x, slot, table);
  },

  // -------------------------------------------------------------------------------------
  // Meeting requests: participants' wishes, accepted or declined by the other side
  // (`/v1/missions/{id}/requests`); planning uses them.

  renderRequests() {
    const m = builder.mission;
    const s = m.spec;
    const names = new Map((s.firms || []).map((f) => [f.id, f.name]));
    for (const p of s.participants || []) if (p.name) names.set(p.id, p.name);
    const ids = [...new Set([...(s.participants || []).map((p) => p.id), ...(s.firms || []).map((f) => f.id)])];
    const label = (id) => (names.get(id) ? `${names.get(id)} (${id})` : id);
    const pick = (id) => h('select', { id }, h('option', { value: '' }, '—'), ids.map((x) => h('option', { value: x }, label(x))));
    const a = pick('mb-r-a');
    const b = pick('mb-r-b');
    const priority = h('select', { id: 'mb-r-priority' }, ['want', 'must'].map((x) => h('option', { value: x }, t(`mb_r_${x}`))));
    const note = h('div', { role: 'status', 'aria-live': 'polite' });
    const listBox = h('div', { id: 'mb-r-list' });
    const form = h('form', { class: 'panel', novalidate: true, id: 'mb-r-form' },
      h('div', { class: 'row' }, field(t('mb_r_a'), a, { cls: 'grow' }), field(t('mb_r_b'), b, { cls: 'grow' }), field(t('mb_r_priority'), priority)),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'mb-r-add', disabled: m.published || ids.length < 2 }, t('mb_r_add'))),
      note);
    const byField = { a, b, priority };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      note.replaceChildren();
      if (!a.value) { showFieldError(a, t('mb_r_a')); return; }
      if (!b.value) { showFieldError(b, t('mb_r_b')); return; }
      const button = form.querySelector('#mb-r-add');
      button.disabled = true;
      try {
        await api(`/v1/missions/${enc(m.id)}/requests`, { method: 'POST', body: { a: a.value, b: b.value, priority: priority.value } });
        await this.listRequests(listBox, label);
      } catch (err) {
        if (!(err.field && showFieldError(byField[err.field], err.message))) note.replaceChildren(errorNote(err));
      } finally {
        button.disabled = false;
      }
    });
    this.requestBox.replaceChildren(h('h3', { id: 'mb-req-h' }, t('mb_req_h')),
      h('p', { class: 'muted', id: 'mb-r-rule' }, s.requests_need_acceptance ? t('mb_r_need') : t('mb_r_all')),
      form, listBox);
    this.listRequests(listBox, label);
  },

  async listRequests(listBox, label) {
    const m = builder.mission;
    try {
      const rs = await api(`/v1/missions/${enc(m.id)}/requests`);
      const act = async (r, path, method) => {
        try {
          await api(`/v1/missions/${enc(m.id)}/requests/${enc(r.id)}${path}`, { method });
          await this.listRequests(listBox, label);
        } catch (e) {
          listBox.append(errorNote(e));
        }
      };
      const button = (r, key, path, method) => h('button', { type: 'button', class: 'secondary', 'data-action': key,
        onclick: () => act(r, path, method) }, t(`mb_r_do_${key}`));
      listBox.replaceChildren(rs.length ? h('table', { class: 'plain' },
        h('thead', null, h('tr', null, [t('mb_r_a'), t('mb_r_b'), t('mb_r_priority'), t('mb_r_status'), ''].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, rs.map((r) => h('tr', { class: 'request', 'data-id': r.id, 'data-status': r.status },
          h('th', { scope: 'row' }, label(r.a)),
          h('td', null, label(r.b)),
          h('td', null, t(`mb_r_${r.priority}`)),
          h('td', { class: 'status' }, t(`mb_r_st_${r.status}`)),
          h('td', null, m.published || r.status === 'withdrawn' ? '' : h('div', { class: 'actions' },
            r.status !== 'accepted' ? button(r, 'accept', '/accept', 'POST') : null,
            r.status !== 'declined' ? button(r, 'decline', '/decline', 'POST') : null,
            button(r, 'withdraw', '', 'DELETE')))))))
        : status(t('mb_r_none'), 'empty'));
    } catch (e) {
      listBox.replaceChildren(errorNote(e));
    }
  },

  // -------------------------------------------------------------------------------------
  // 3. Commitments

  async renderCommitments() {
    const m = builder.mission;
    const box = this.commitBox;
    box.replaceChildren(h('h3', { id: 'mb-commit-h' }, t('mb_commit_h')));
    const meeting = h('select', { id: 'mb-c-meeting' }, h('option', { value: '' }, t('mb_select_meeting')),
      builder.meetings.map((x, i) => h('option', { value: String(i) }, `${t('mb_slot_n', x.slot + 1)} · ${x.a_name || x.a} ⇄ ${x.b_name || x.b}`)));
    const kind = h('select', { id: 'mb-c-kind' }, ['sale', 'purchase', 'investment', 'mou'].map((k) => h('option', { value: k }, t(`kind_${k}`))));
    const commodities = [...ref.commodities.values()].sort((a, b) => commodityName(a.key).localeCompare(commodityName(b.key), locale()));
    const commodity = h('select', { id: 'mb-c-commodity' }, commodities.map((c) => h('option', { value: c.key }, commodityName(c.key))));
    const qtyIn = h('input', { type: 'number', id: 'mb-c-qty', min: '0', step: 'any' });
    const unit = h('select', { id: 'mb-c-unit' }, h('option', { value: '' }, '—'),
      ['ton', 'kuintal', 'kg', 'liter', 'ekor', 'pcs', 'unit'].map((u) => h('option', { value: u }, UNIT_NAMES[lang][u] ?? u)));
    const value = h('input', { type: 'number', id: 'mb-c-value', min: '0', step: 'any', required: true });
    meeting.addEventListener('change', () => {
      const x = builder.meetings[Number(meeting.value)];
      if (x && x.topic && ref.commodities.has(x.topic)) commodity.value = x.topic;
    });
    const byField = { a: meeting, b: meeting, meeting, kind, commodity, qty: qtyIn, unit, value_idr: value };
    const note = h('div', { role: 'status', 'aria-live': 'polite' });
    const form = h('form', { class: 'panel', novalidate: true, id: 'mb-c-form' },
      h('div', { class: 'row' }, field(t('mb_c_meeting'), meeting, { cls: 'grow' }), field(t('mb_c_kind'), kind)),
      h('div', { class: 'row' }, field(t('mb_c_commodity'), commodity), field(t('mb_c_qty'), qtyIn), field(t('mb_c_unit'), unit), field(t('mb_c_value'), value)),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'mb-c-add', disabled: !builder.meetings.length }, t('mb_c_add'))),
      note);
    const listBox = h('div', { id: 'mb-c-list' });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      note.replaceChildren();
      const x = builder.meetings[Number(meeting.value)];
      if (meeting.value === '' || !x) { showFieldError(meeting, t('mb_select_meeting')); return; }
      const v = Number(value.value);
      if (value.value.trim() === '' || !Number.isFinite(v)) { showFieldError(value, t('mb_c_value')); return; }
      const body = { kind: kind.value, commodity: commodity.value, value_idr: v, a: x.a, b: x.b, meeting: x.slot };
      if (qtyIn.value.trim() !== '') body.qty = Number(qtyIn.value);
      if (unit.value) body.unit = unit.value;
      const button = form.querySelector('#mb-c-add');
      button.disabled = true;
      try {
        await api(`/v1/missions/${enc(m.id)}/commitments`, { method: 'POST', body, headers: { 'idempotency-key': idempotencyKey() } });
        value.value = '';
        qtyIn.value = '';
        await this.listCommitments(listBox);
        this.renderReport();
      } catch (err) {
        if (!(err.field && showFieldError(byField[err.field], err.message))) note.replaceChildren(errorNote(err));
      } finally {
        button.disabled = false;
      }
    });
    box.append(form, listBox);
    await this.listCommitments(listBox);
  },

  async listCommitments(listBox) {
    try {
      const cs = await api(`/v1/missions/${enc(builder.mission.id)}/commitments`);
      const names = new Map(builder.meetings.flatMap((x) => [[x.a, x.a_name], [x.b, x.b_name]]));
      const total = cs.reduce((sum, c) => sum + c.value_idr, 0);
      listBox.replaceChildren(cs.length ? h('table', { class: 'plain' },
        h('thead', null, h('tr', null, [t('mb_c_meeting'), t('mb_c_kind'), t('mb_c_commodity'), t('mb_c_qty'), t('mb_c_value')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, cs.map((c) => h('tr', { class: 'commitment', 'data-value': String(c.value_idr) },
          h('th', { scope: 'row' }, `${names.get(c.a) || c.a} ⇄ ${names.get(c.b) || c.b}`),
          h('td', null, t(`kind_${c.kind}`)),
          h('td', null, commodityName(c.commodity)),
          h('td', null, c.qty !== undefined ? qty({ qty: c.qty, unit: c.unit }) : '–'),
          h('td', { class: 'num' }, `Rp ${num(c.value_idr)}`)))),
        h('tfoot', null, h('tr', null, h('th', { scope: 'row', colspan: '5', id: 'mb-c-total' }, t('mb_c_total', num(cs.length), `Rp ${num(total)}`)))))
        : status(t('mb_c_none'), 'empty'));
    } catch (e) {
      listBox.replaceChildren(errorNote(e));
    }
  },

  // -------------------------------------------------------------------------------------
  // 4. The report

  async renderReport() {
    const m = builder.mission;
    const box = this.reportBox;
    const refresh = h('button', { type: 'button', class: 'secondary', id: 'mb-report-refresh', onclick: () => this.renderReport() }, t('mb_refresh'));
    const body = h('div', { 'aria-live': 'polite' }, loadingNote());
    box.replaceChildren(h('h3', { id: 'mb-report-h' }, t('mb_report_h')), h('div', { class: 'actions' }, refresh,
      m.published ? h('a', { href: `/v1/missions/${enc(m.id)}/report?format=html`, target: '_blank', rel: 'noopener', id: 'mb-report-html' }, t('mb_report_html')) : null), body);
    try {
      const r = await api(`/v1/missions/${enc(m.id)}/report`);
      const stat = (label, value, attrs) => h('div', { class: 'stat' }, h('dt', null, label), h('dd', null, h('span', { class: 'big', ...(attrs || {}) }, value)));
      body.replaceChildren(
        h('dl', { class: 'stats' },
          stat(t('mb_report_total'), `Rp ${num(r.total_value_idr)}`, { id: 'mb-report-total', 'data-value': String(r.total_value_idr) }),
          stat(t('mb_report_count'), num(r.commitments), { id: 'mb-report-count' }),
          stat(t('mb_report_held'), `${num(r.meetings_held)} / ${num(r.meetings_planned)}`)),
        r.by_kind.length ? h('table', { class: 'plain', id: 'mb-report-kinds' },
          h('caption', null, t('mb_report_kind')),
          h('tbody', null, r.by_kind.map((k) => h('tr', null, h('th', { scope: 'row' }, t(`kind_${k.kind}`)),
            h('td', { class: 'num' }, num(k.commitments)), h('td', { class: 'num' }, `Rp ${num(k.value_idr)}`))))) : '');
    } catch (e) {
      body.replaceChildren(errorNote(e));
    }
  },
};
