// jalin web app: four views over the JSON API, rendered from the URL.
//
// No framework and no build step. Rules this file keeps:
// - Text from the API only ever enters the page through DOM nodes and `textContent`
//   (the `h` and `s` helpers); nothing is parsed as HTML.
// - Every view is a function of its URL (`/partners?text=…&province=36`), so a result can be
//   bookmarked and shared; forms write the URL, then the view reads it.
// - Every string shown is in `T.id` and `T.en`; `lang` is in the URL (`lang=en`) and in
//   localStorage, and is passed to the API so the reasons come in the same language.

const T = {
  id: {
    skip: 'Lewati ke konten',
    tagline: 'Menjalin kerja sama antarprovinsi',
    nav_label: 'Menu utama',
    nav_partners: 'Cari mitra',
    nav_provinces: 'Provinsi',
    nav_planner: 'Perencana misi',
    nav_network: 'Jaringan dagang',
    footer: 'Data produksi: BPS. Data usaha dan transaksi: contoh bawaan jalin.',
    api_docs: 'Dokumentasi API',
    switch_to: 'English',
    loading: 'Memuat…',
    error_network: 'Server tidak dapat dihubungi. Periksa apakah jalin masih berjalan, lalu coba lagi.',
    error_generic: 'Terjadi kesalahan: {0}',
    not_found_h: 'Halaman tidak ditemukan',
    not_found_p: 'Alamat ini tidak ada. Pilih salah satu menu di atas.',

    home_h: 'Temukan mitra dagang di provinsi lain',
    home_lead: 'Jalin mencocokkan pembeli dan penjual dari 38 provinsi berdasarkan apa yang paling banyak dihasilkan tiap daerah, jarak, dan rekam jejak transaksi — lengkap dengan alasannya.',
    home_text: 'Apa yang Anda butuhkan?',
    home_text_hint: 'Misalnya: bawang merah, cabe rawit halal, kopi arabika',
    home_province: 'Provinsi Anda',
    home_submit: 'Cari pemasok',
    home_examples: 'Contoh pencarian',
    ex1: 'bawang merah untuk Serang',
    ex2: 'cabe rawit halal untuk Jakarta',
    ex3: 'beras 10 ton per bulan untuk Kupang',
    tile_provinces: 'Keunggulan provinsi',
    tile_provinces_p: 'Apa yang dihasilkan tiap provinsi melebihi rata-rata nasional, dan apa yang layak dibawa dari satu provinsi ke provinsi lain.',
    tile_planner: 'Perencana misi dagang',
    tile_planner_p: 'Susun jadwal temu bisnis (sesi × meja) dan agenda tiap peserta; unduh sebagai CSV, kalender, atau halaman cetak.',
    tile_network: 'Jaringan dagang',
    tile_network_p: 'Peta transaksi antarprovinsi: garis lebih tebal berarti nilai dagang lebih besar.',

    partners_h: 'Cari mitra',
    mode_legend: 'Saya mencari',
    mode_need: 'Pemasok — saya butuh barang',
    mode_offer: 'Pembeli — saya menawarkan barang',
    text_need: 'Apa yang Anda butuhkan?',
    text_offer: 'Apa yang Anda tawarkan?',
    text_hint: 'Nama barang dalam bahasa apa pun; boleh juga menyebut tempat, misalnya “bawang merah untuk Serang”.',
    province: 'Provinsi Anda',
    province_from_text: '— baca dari teks —',
    volume_legend: 'Volume',
    more_filters: 'Volume dan sertifikat (opsional)',
    qty: 'Jumlah',
    unit: 'Satuan',
    per: 'Per',
    per_none: '—',
    certs_legend: 'Sertifikat yang wajib dimiliki mitra',
    by_id: 'Sudah terdaftar di jalin? Cari dengan ID usaha',
    business_id: 'ID usaha',
    business_id_hint: 'Misalnya jt-00042. Jika diisi, jalin memakai daftar kebutuhan atau penawaran usaha itu.',
    search: 'Cari',
    results_h: 'Hasil',
    results_none: 'Belum ada hasil. Isi formulir di atas lalu tekan Cari.',
    results_count: '{0} dari {1} penawaran yang cocok, diurutkan menurut skor.',
    results_count_needs: '{0} dari {1} kebutuhan yang cocok.',
    results_empty: 'Tidak ada mitra yang cocok. Coba kata lain atau kurangi syarat sertifikat.',
    more: 'Tampilkan lebih banyak',
    understood: 'Dipahami sebagai',
    understood_for: 'untuk {0}',
    understood_corrected: 'dibaca dari ejaan yang mirip',
    took: '{0} md',
    score: 'Skor',
    rank: 'Peringkat {0}',
    capacity: 'Kapasitas',
    volume_needed: 'Kebutuhan',
    price: 'Harga',
    certs: 'Sertifikat',
    reasons: 'Mengapa cocok',
    features: 'Rincian skor',
    f_relevance: 'Relevansi',
    f_advantage: 'Keunggulan daerah',
    f_relationship: 'Relasi dagang',
    f_logistics: 'Logistik',
    f_fit: 'Kecocokan',
    feature_legend: 'Batang hijau ke kanan menambah skor; batang merah ke kiri menguranginya. Jumlah semuanya adalah skornya.',
    offer_mode_note: 'Pencarian pembeli memakai pencocokan teks. Untuk skor lengkap dengan alasan, cari dengan ID usaha Anda.',
    needs_label: 'Membutuhkan',
    offers_label: 'Menawarkan',
    group_for: 'Untuk: {0}',
    asking: 'Usaha: {0}',

    provinces_h: 'Keunggulan provinsi',
    provinces_lead: 'Koefisien lokasi (LQ) membandingkan produksi per kapita sebuah provinsi dengan rata-rata nasional: di atas 1× provinsi itu surplus dan bisa menjual ke luar; di bawah 1× ia mendatangkan dari luar.',
    adv_province: 'Provinsi',
    show: 'Tampilkan',
    adv_h: 'Keunggulan {0}',
    capital: 'Ibu kota',
    population: 'Penduduk',
    island: 'Wilayah',
    adv_chart: 'Koefisien lokasi per komoditas (skala log)',
    adv_none: 'Belum ada data produksi untuk provinsi ini.',
    national_avg: '1× = rata-rata nasional',
    surplus: 'surplus',
    deficit: 'defisit',
    lq_value: '{0}× rata-rata nasional',
    zero_prod: 'tidak berproduksi',
    rca_deals: 'RCA dari transaksi: {0}',
    source: 'Sumber',
    corridor_legend: 'Koridor dagang',
    from: 'Dari (penjual)',
    to: 'Ke (pembeli)',
    swap: 'Tukar arah',
    show_corridor: 'Tampilkan koridor',
    corridor_h: '{0} → {1}: apa yang layak dibawa',
    corridor_same: 'Pilih dua provinsi yang berbeda.',
    complementarity: 'Komplementaritas dagang (indeks Michaely): {0} dari 100',
    opportunity: 'Peluang',
    seller_lq: 'LQ penjual',
    buyer_lq: 'LQ pembeli',
    offers_needs: '{0} penawaran di {1}, {2} kebutuhan di {3}',
    sellers: 'Penjual di {0}',
    buyers: 'Pembeli di {0}',
    parties: 'Lihat usaha di balik komoditas ini',
    find_suppliers: 'Cari pemasok {0} untuk {1}',
    corridor_none: 'Tidak ada komoditas yang ditawarkan {0} dan dibutuhkan {1}.',
    no_figure: 'tanpa data',

    planner_h: 'Perencana misi dagang',
    planner_lead: 'Jalin memilih pertemuan paling bernilai antara peserta asal dan tuan rumah, menempatkannya di sesi dan meja tanpa bentrok, lalu menyusun agenda tiap peserta.',
    mission: 'Misi bawaan',
    mission_choose: '— pilih misi —',
    upload: 'atau unggah spesifikasi misi (JSON)',
    upload_hint: 'Format seperti fixtures/missions/*.json: peserta, sesi, meja, permintaan.',
    plan: 'Susun jadwal',
    planning: 'Menyusun jadwal…',
    plan_need_input: 'Pilih misi bawaan atau unggah berkas spesifikasi.',
    bad_json: 'Berkas ini bukan JSON yang sah: {0}',
    st_meetings: 'Pertemuan',
    st_value: 'Nilai total',
    st_value_of: 'dari batas atas {0}',
    st_gap: 'Selisih dari optimum',
    st_met: 'Peserta mendapat pertemuan',
    st_must: 'Permintaan wajib terpenuhi',
    st_idle: 'Jeda kosong di agenda',
    st_tables: 'Meja terpakai (maks.)',
    st_solve: 'Waktu hitung',
    downloads: 'Unduh',
    dl_csv: 'CSV (spreadsheet)',
    dl_ics: 'iCalendar (.ics)',
    dl_html: 'Agenda siap cetak (HTML)',
    dl_json: 'JSON',
    dl_failed: 'Unduhan gagal: {0}',
    grid_h: 'Jadwal: sesi × meja',
    grid_caption: 'Setiap sel berisi dua peserta yang bertemu dan topiknya. Geser ke samping untuk melihat meja lainnya.',
    slot: 'Sesi',
    table_n: 'Meja {0}',
    break_row: 'Istirahat',
    must: 'wajib',
    want: 'diminta',
    agenda_h: 'Agenda peserta',
    participant: 'Peserta',
    side_origin: 'Asal',
    side_host: 'Tuan rumah',
    meetings_n: '{0} pertemuan',
    time: 'Waktu',
    table: 'Meja',
    with: 'Bertemu',
    topic: 'Topik',
    agenda_empty: 'Peserta ini belum mendapat pertemuan.',
    unscheduled_h: 'Permintaan yang tidak terjadwal',
    unscheduled_none: 'Semua permintaan pertemuan terjadwal.',
    uploaded: 'berkas unggahan',

    network_h: 'Jaringan dagang antarprovinsi',
    network_lead: 'Transaksi yang selesai, dari provinsi penjual ke provinsi pembeli. Garis lebih tebal berarti nilai lebih besar; garis melengkung searah jarum jam dari penjual ke pembeli. Lingkaran lebih besar berarti provinsi itu lebih banyak berdagang.',
    highlight: 'Sorot provinsi',
    all: 'Semua',
    top: 'Jumlah arus',
    top_all: 'semua',
    map_title: 'Peta arus dagang antar ibu kota provinsi',
    map_desc: 'Setiap garis adalah arus dagang dari provinsi penjual ke provinsi pembeli; tabel di bawah peta memuat angka yang sama.',
    sells_to: 'menjual ke',
    sold: 'Keluar (menjual)',
    bought: 'Masuk (membeli)',
    flows_h: 'Arus terbesar',
    flow_from: 'Dari',
    flow_to: 'Ke',
    flow_value: 'Nilai',
    flow_deals: 'Transaksi',
    flows_none: 'Belum ada data transaksi antarprovinsi untuk digambar.',
    flows_error: 'Data jaringan dagang belum tersedia ({0}).',
    deals_n: '{0} transaksi',
    equator: 'Khatulistiwa',
    within: 'Dagang di dalam provinsi: {0}',
  },
  en: {
    skip: 'Skip to content',
    tagline: 'Weaving trade between provinces',
    nav_label: 'Main menu',
    nav_partners: 'Find partners',
    nav_provinces: 'Provinces',
    nav_planner: 'Mission planner',
    nav_network: 'Deal network',
    footer: 'Production data: BPS. Businesses and deals: jalin’s built-in sample.',
    api_docs: 'API documentation',
    switch_to: 'Bahasa Indonesia',
    loading: 'Loading…',
    error_network: 'The server cannot be reached. Check that jalin is still running, then try again.',
    error_generic: 'Something went wrong: {0}',
    not_found_h: 'Page not found',
    not_found_p: 'There is no page at this address. Pick one from the menu above.',

    home_h: 'Find trading partners in other provinces',
    home_lead: 'Jalin matches buyers and sellers across Indonesia’s 38 provinces by what each province produces best, distance and past deals — and says why.',
    home_text: 'What do you need?',
    home_text_hint: 'For example: shallots, halal bird’s eye chili, arabica coffee',
    home_province: 'Your province',
    home_submit: 'Find suppliers',
    home_examples: 'Try',
    ex1: 'shallots for Serang',
    ex2: 'halal chili for Jakarta',
    ex3: 'rice 10 ton per month for Kupang',
    tile_provinces: 'Provincial advantages',
    tile_provinces_p: 'What each province produces above the national average, and what is worth bringing from one province to another.',
    tile_planner: 'Trade mission planner',
    tile_planner_p: 'Schedule business meetings (slots × tables) with an agenda per participant; download as CSV, calendar or a printable page.',
    tile_network: 'Deal network',
    tile_network_p: 'A map of trade between provinces: thicker lines mean more trade.',

    partners_h: 'Find partners',
    mode_legend: 'I am looking for',
    mode_need: 'Suppliers — I need goods',
    mode_offer: 'Buyers — I offer goods',
    text_need: 'What do you need?',
    text_offer: 'What do you offer?',
    text_hint: 'Name the goods in any language; you may name a place too, e.g. “shallots for Serang”.',
    province: 'Your province',
    province_from_text: '— read from the text —',
    volume_legend: 'Volume',
    more_filters: 'Volume and certifications (optional)',
    qty: 'Amount',
    unit: 'Unit',
    per: 'Per',
    per_none: '—',
    certs_legend: 'Certifications the partner must hold',
    by_id: 'Registered with jalin? Search by business ID',
    business_id: 'Business ID',
    business_id_hint: 'For example jt-00042. When given, jalin uses that business’s listed needs or offers.',
    search: 'Search',
    results_h: 'Results',
    results_none: 'No results yet. Fill in the form above and press Search.',
    results_count: '{0} of {1} matching offers, ranked by score.',
    results_count_needs: '{0} of {1} matching needs.',
    results_empty: 'No partner matches. Try other words or fewer required certifications.',
    more: 'Show more',
    understood: 'Understood as',
    understood_for: 'for {0}',
    understood_corrected: 'read from a near spelling',
    took: '{0} ms',
    score: 'Score',
    rank: 'Rank {0}',
    capacity: 'Capacity',
    volume_needed: 'Needs',
    price: 'Price',
    certs: 'Certifications',
    reasons: 'Why it matches',
    features: 'Score breakdown',
    f_relevance: 'Relevance',
    f_advantage: 'Regional advantage',
    f_relationship: 'Trade ties',
    f_logistics: 'Logistics',
    f_fit: 'Fit',
    feature_legend: 'Green bars to the right add to the score; red bars to the left take away. They add up to the score.',
    offer_mode_note: 'Finding buyers uses text matching. For full scores with reasons, search with your business ID.',
    needs_label: 'Needs',
    offers_label: 'Offers',
    group_for: 'For: {0}',
    asking: 'Business: {0}',

    provinces_h: 'Provincial advantages',
    provinces_lead: 'The location quotient (LQ) compares a province’s production per head with the national average: above 1× the province has a surplus to sell; below 1× it buys in.',
    adv_province: 'Province',
    show: 'Show',
    adv_h: 'Advantages of {0}',
    capital: 'Capital',
    population: 'Population',
    island: 'Region',
    adv_chart: 'Location quotient by commodity (log scale)',
    adv_none: 'No production figures for this province yet.',
    national_avg: '1× = national average',
    surplus: 'surplus',
    deficit: 'deficit',
    lq_value: '{0}× the national average',
    zero_prod: 'produces none',
    rca_deals: 'RCA from deals: {0}',
    source: 'Source',
    corridor_legend: 'Trade corridor',
    from: 'From (seller)',
    to: 'To (buyer)',
    swap: 'Swap direction',
    show_corridor: 'Show corridor',
    corridor_h: '{0} → {1}: what to bring',
    corridor_same: 'Pick two different provinces.',
    complementarity: 'Trade complementarity (Michaely index): {0} of 100',
    opportunity: 'Opportunity',
    seller_lq: 'Seller LQ',
    buyer_lq: 'Buyer LQ',
    offers_needs: '{0} offers in {1}, {2} needs in {3}',
    sellers: 'Sellers in {0}',
    buyers: 'Buyers in {0}',
    parties: 'See the businesses behind this commodity',
    find_suppliers: 'Find suppliers of {0} for {1}',
    corridor_none: 'Nothing offered in {0} is needed in {1}.',
    no_figure: 'no figure',

    planner_h: 'Trade mission planner',
    planner_lead: 'Jalin picks the most valuable meetings between the visiting and the host participants, places them in slots and at tables without clashes, and writes each participant’s agenda.',
    mission: 'Shipped mission',
    mission_choose: '— choose a mission —',
    upload: 'or upload a mission spec (JSON)',
    upload_hint: 'Shaped like fixtures/missions/*.json: participants, slots, tables, requests.',
    plan: 'Plan the schedule',
    planning: 'Planning…',
    plan_need_input: 'Choose a shipped mission or upload a spec file.',
    bad_json: 'This file is not valid JSON: {0}',
    st_meetings: 'Meetings',
    st_value: 'Total value',
    st_value_of: 'of an upper bound of {0}',
    st_gap: 'Gap to the optimum',
    st_met: 'Participants with a meeting',
    st_must: 'Must-meet requests placed',
    st_idle: 'Idle gaps in agendas',
    st_tables: 'Tables used (max.)',
    st_solve: 'Solve time',
    downloads: 'Download',
    dl_csv: 'CSV (spreadsheet)',
    dl_ics: 'iCalendar (.ics)',
    dl_html: 'Printable agendas (HTML)',
    dl_json: 'JSON',
    dl_failed: 'Download failed: {0}',
    grid_h: 'Schedule: slots × tables',
    grid_caption: 'Each cell holds the two participants meeting and their topic. Scroll sideways for more tables.',
    slot: 'Slot',
    table_n: 'Table {0}',
    break_row: 'Break',
    must: 'must',
    want: 'requested',
    agenda_h: 'Participant agenda',
    participant: 'Participant',
    side_origin: 'Visiting',
    side_host: 'Host',
    meetings_n: '{0} meetings',
    time: 'Time',
    table: 'Table',
    with: 'Meets',
    topic: 'Topic',
    agenda_empty: 'This participant has no meetings.',
    unscheduled_h: 'Requests not scheduled',
    unscheduled_none: 'Every meeting request is scheduled.',
    uploaded: 'uploaded file',

    network_h: 'Deal network between provinces',
    network_lead: 'Completed deals, from the seller’s province to the buyer’s. Thicker lines mean more value; lines curve clockwise from seller to buyer. Larger circles mean the province trades more.',
    highlight: 'Highlight a province',
    all: 'All',
    top: 'Flows shown',
    top_all: 'all',
    map_title: 'Map of trade flows between provincial capitals',
    map_desc: 'Each line is a trade flow from a seller province to a buyer province; the table below the map holds the same figures.',
    sells_to: 'sells to',
    sold: 'Out (selling)',
    bought: 'In (buying)',
    flows_h: 'Largest flows',
    flow_from: 'From',
    flow_to: 'To',
    flow_value: 'Value',
    flow_deals: 'Deals',
    flows_none: 'No trade between provinces recorded yet.',
    flows_error: 'The deal network is not available yet ({0}).',
    deals_n: '{0} deals',
    equator: 'Equator',
    within: 'Trade within the province: {0}',
  },
};

const UNITS = ['ton', 'kuintal', 'kg', 'liter', 'ekor', 'pcs', 'unit'];
const PERIODS = {
  id: { day: 'hari', week: 'minggu', month: 'bulan', quarter: 'triwulan', year: 'tahun' },
  en: { day: 'day', week: 'week', month: 'month', quarter: 'quarter', year: 'year' },
};
const UNIT_NAMES = {
  id: { ton: 'ton', t: 'ton', kuintal: 'kuintal', kg: 'kg', g: 'g', liter: 'liter', ekor: 'ekor', pcs: 'buah', m3: 'm³', lembar: 'lembar', unit: 'unit' },
  en: { ton: 't', t: 't', kuintal: 'quintal', kg: 'kg', g: 'g', liter: 'litre', ekor: 'head', pcs: 'pcs', m3: 'm³', lembar: 'sheets', unit: 'units' },
};
const CERTS = ['halal', 'bpom', 'sni', 'pirt', 'organic', 'haccp', 'gap'];
const CERT_NAMES = {
  id: { halal: 'Halal', bpom: 'BPOM', sni: 'SNI', pirt: 'PIRT', organic: 'Organik', haccp: 'HACCP', gap: 'GAP' },
  en: { halal: 'Halal', bpom: 'BPOM', sni: 'SNI', pirt: 'PIRT', organic: 'Organic', haccp: 'HACCP', gap: 'GAP' },
};
const KINDS = {
  id: { umkm: 'UMKM', bumd: 'BUMD', cooperative: 'Koperasi', association: 'Asosiasi', corporate: 'Perusahaan' },
  en: { umkm: 'MSME', bumd: 'Regional SOE', cooperative: 'Cooperative', association: 'Association', corporate: 'Company' },
};
const FEATURES = ['relevance', 'advantage', 'relationship', 'logistics', 'fit'];

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
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

async function api(path, { method = 'GET', body, raw = false } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
      body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    });
  } catch (_) {
    throw new ApiError(0, 'network', t('error_network'));
  }
  if (!res.ok) {
    let err = null;
    try { err = (await res.json()).error; } catch (_) { /* not JSON */ }
    throw new ApiError(res.status, err?.code ?? 'http', err?.message ?? `HTTP ${res.status}`, err?.field);
  }
  return raw ? res : res.json();
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
/** A `<datalist>` of the catalog's commodity names, for typing suggestions. */
function commodityList(id) {
  const names = [...ref.commodities.values()].map((c) => (lang === 'en' ? c.name_en : c.name_id));
  return h('datalist', { id }, [...new Set(names)].sort((a, b) => a.localeCompare(b, locale())).map((n) => h('option', { value: n })));
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

// ---------------------------------------------------------------------------------------
// Home

const homePage = {
  title: () => 'jalin',
  render(main) {
    const text = h('input', { type: 'search', name: 'text', id: 'home-text', autocomplete: 'off', list: 'home-commodities', placeholder: t('home_text_hint') });
    const prov = h('select', { name: 'province', id: 'home-province' }, provinceOptions('', { empty: t('province_from_text') }));
    const form = h('form', { class: 'hero-form', action: '/partners', method: 'get', role: 'search' },
      field(t('home_text'), text, { cls: 'grow' }), commodityList('home-commodities'),
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
    const bid = h('input', { type: 'text', name: 'id', id: 'f-id', autocomplete: 'off', spellcheck: 'false', placeholder: 'jt-00042' });
    const form = h('form', { class: 'panel search-form', action: '/partners', method: 'get', role: 'search', 'aria-label': t('partners_h'), novalidate: true },
      h('fieldset', { class: 'modes' }, h('legend', null, t('mode_legend')),
        h('div', { class: 'choices' }, modeRadio('need', t('mode_need')), modeRadio('offer', t('mode_offer'))),
        h('p', { class: 'field-error', hidden: true })),
      h('div', { class: 'row main-row' },
        h('div', { class: 'field grow' }, textLabel, text, commodityList('f-commodities'),
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
            h('p', { class: 'field-error', hidden: true })))),
      h('details', { class: 'by-id' }, h('summary', null, t('by_id')),
        field(t('business_id'), bid, { hint: t('business_id_hint') })));
    form.addEventListener('change', (e) => {
      if (e.target.name === 'mode') textLabel.textContent = t(e.target.value === 'offer' ? 'text_offer' : 'text_need');
    });
    submitTo(form, '/partners', (p) => {
      if (!p.get('qty')) { p.delete('unit'); p.delete('per'); }
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
    f.elements.id.value = params.get('id') ?? '';
    if (params.get('id')) f.querySelector('details.by-id').open = true;
    if (params.get('qty') || certs.size) f.querySelector('details.more').open = true;
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
        data = await api(`/v1/match?lang=${lang}`, { method: 'POST', body: { need, limit } });
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
            h('h3', null, t('group_for', `${g.listing.title} (${commodityName(g.listing.commodity)})`)),
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
        h('h3', { id: titleId }, b.name),
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
      h('ul', null, r.reasons.map((x) => h('li', null, x)))) : null);
}

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
    main.append(
      h('h1', { tabindex: '-1' }, t('provinces_h')),
      h('p', { class: 'lead' }, t('provinces_lead')),
      h('div', { class: 'two-col' },
        h('div', null, advForm, this.adv),
        h('div', null, corForm, this.cor)));
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
    const seq = ++this.seq;
    if (code !== this.shownCode || this.shownLang !== lang) this.loadAdvantages(code, seq);
    this.loadCorridor(from, to, seq);
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
    const value = a.lq > 0 ? `${num(a.lq, a.lq < 0.1 ? 3 : 2)}×` : `0 (${t('zero_prod')})`;
    const meta = [a.lq >= 1 ? t('surplus') : t('deficit')];
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
  const max = Math.max(...data.commodities.map((c) => c.opportunity), 1e-9);
  const items = data.commodities.map((c, i) => {
    const name = commodityName(c.commodity, c.name);
    const bar = h('span', { class: 'bar pos' });
    bar.style.width = `${(c.opportunity / max) * 100}%`;
    const lq = (v) => (v === null || v === undefined ? t('no_figure') : `${num(v, 2)}×`);
    const search = withLang(`/partners?${new URLSearchParams({ text: name, province: data.to })}`);
    return h('li', { class: 'corridor-item', 'data-commodity': c.commodity },
      h('div', { class: 'ci-head' },
        h('span', { class: 'rank' }, String(i + 1)),
        h('h3', null, name),
        h('span', { class: 'ci-value' }, `${t('opportunity')} ${num(c.opportunity, 1)}`)),
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
    api('/v1/missions').then((names) => {
      for (const n of names) mission.append(h('option', { value: n }, n));
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
      dl('csv', t('dl_csv')), dl('ics', t('dl_ics')), dl('html', t('dl_html')), dl('json', t('dl_json')),
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
        const res = await api(`/v1/missions/plan?format=${format}`, { method: 'POST', body: planner.spec, raw: true });
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

// ---------------------------------------------------------------------------------------
// Routing

const PAGES = {
  '/': homePage,
  '/partners': partnersPage,
  '/provinces': provincesPage,
  '/planner': plannerPage,
  '/network': networkPage,
};

let mounted = null;
const main = document.getElementById('main');

function route(force = false) {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const page = PAGES[path] ?? notFoundPage;
  const params = new URLSearchParams(location.search);
  const l = params.get('lang');
  if ((l === 'id' || l === 'en') && l !== lang) {
    lang = l;
    storeLang();
    applyStaticText();
    force = true;
  }
  for (const a of document.querySelectorAll('.nav a[data-page]')) {
    if (a.dataset.page === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const sw = document.getElementById('lang-switch');
  if (sw) sw.href = withLang(location.href, lang === 'id' ? 'en' : 'id');
  document.title = path === '/' ? `jalin — ${t('tagline')}` : `${page.title()} · jalin`;
  if (!force && mounted && mounted.page === page && page.update) {
    page.update(params);
    return false;
  }
  mounted = { page };
  main.replaceChildren();
  page.render(main, params);
  return true;
}

function navigate(url, { replace = false, keepScroll = false } = {}) {
  const target = withLang(url);
  const same = target === location.pathname + location.search + location.hash;
  if (replace || same) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  const fresh = route();
  if (fresh) {
    if (!keepScroll) window.scrollTo(0, 0);
    main.querySelector('h1')?.focus({ preventScroll: true });
  }
}

document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a');
  if (!a) return;
  if (a.id === 'lang-switch') {
    e.preventDefault();
    setLang(lang === 'id' ? 'en' : 'id');
    return;
  }
  if (!a.hasAttribute('data-nav') || a.target || a.origin !== location.origin) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});

window.addEventListener('popstate', () => route());

async function start() {
  document.body.append(h('div', { id: 'announcer', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' }));
  storeLang();
  if (new URLSearchParams(location.search).get('lang') !== lang && lang !== 'id') {
    history.replaceState(null, '', withLang(location.href));
  }
  applyStaticText();
  try {
    await loadReference();
  } catch (e) {
    main.replaceChildren(errorNote(e));
    return;
  }
  route(true);
  document.body.classList.add('ready');
}

start();
