// Routing: which view a URL shows, navigation without reloads, and start-up.

// ---------------------------------------------------------------------------------------
// Routing

const PAGES = {
  '/': homePage,
  '/partners': partnersPage,
  '/provinces': provincesPage,
  '/planner': plannerPage,
  '/missions': missionsPage,
  '/network': networkPage,
  '/business': businessPage,
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
  document.getElementById('lang-switch')?.before(keyControl());
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
