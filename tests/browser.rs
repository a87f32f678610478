//! The browser test: the web interface as a new user meets it, in headless Chromium.
//!
//! It starts the jalin binary on a fresh data directory and a free port, starts
//! `chromedriver`, and drives Chromium through the W3C WebDriver protocol (a small blocking
//! HTTP/1.1 client over `TcpStream`, `common::http`, and serde_json; no WebDriver crate).
//! It searches "bawang merah" for Banten and checks the result cards, opens East Java's
//! advantages and the Jatim → Banten corridor, plans the shipped Jatim–Banten mission and
//! downloads its agendas, draws the deal network, switches to English, and looks at the
//! partners page at phone width. Screenshots of every page go to `target/screenshots/`.
//!
//! Ignored by plain `cargo test` (it needs Chromium); `.ci/run` installs Debian's
//! `chromium` and `chromium-driver` and runs it:
//!
//! ```text
//! cargo test --locked --test browser -- --ignored --nocapture
//! ```
//!
//! `JALIN_BIN` picks the server binary (default: this build's), `CHROMEDRIVER` and
//! `CHROMIUM` the browser's (default: `/usr/bin/chromedriver`, `/usr/bin/chromium`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::http::{dechunk, free_port};
use common::server::{Proc, start_ready, wait_http};

/// How long the server may take to start (the first start loads the fixtures).
const START_TIMEOUT: Duration = Duration::from_secs(240);
/// How long a page may take to show what the test waits for.
const WAIT: Duration = Duration::from_secs(30);
/// The W3C WebDriver element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

// ---------------------------------------------------------------------------------------
// Requests, through `common::http`.

/// One JSON request (to chromedriver or the server): its status and body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let body = body.map(Value::to_string).unwrap_or_default();
    let r = common::http::request(
        addr,
        method,
        path,
        &[
            ("Accept", "application/json"),
            ("Content-Type", "application/json; charset=utf-8"),
        ],
        body.as_bytes(),
    )?;
    Ok((r.status, r.body))
}

/// Standard base64 (screenshots arrive as base64 PNG).
fn base64_decode(text: &str) -> Vec<u8> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some((c - b'A') as u32),
            b'a'..=b'z' => Some((c - b'a' + 26) as u32),
            b'0'..=b'9' => Some((c - b'0' + 52) as u32),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        if c == b'=' {
            break;
        }
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// WebDriver

struct Browser {
    driver: String,
    session: String,
}

impl Browser {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let full = format!("/session/{}{path}", self.session);
        webdriver(&self.driver, method, &full, body)
    }

    fn goto(&self, base: &str, path: &str) {
        self.call(
            "POST",
            "/url",
            Some(json!({ "url": format!("{base}{path}") })),
        );
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn js(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Chooses a file in an `<input type="file">`.
    fn choose_file(&self, css: &str, path: &Path) {
        let e = self.find(css);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": path.to_string_lossy() })),
        );
    }

    fn count(&self, css: &str) -> u64 {
        self.js(
            "return document.querySelectorAll(arguments[0]).length;",
            json!([css]),
        )
        .as_u64()
        .unwrap_or(0)
    }

    /// Waits until `css` matches at least `n` elements; returns how many it matched.
    fn wait_for(&self, css: &str, n: u64) -> u64 {
        let start = Instant::now();
        loop {
            let c = self.count(css);
            if c >= n {
                return c;
            }
            if start.elapsed() > WAIT {
                let text = self.js("return document.body.innerText;", json!([]));
                panic!(
                    "waited {WAIT:?} for {n} × {css}, found {c}; at {}; the page says:\n{}",
                    self.url(),
                    text.as_str().unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `script` returns something truthy; returns it.
    fn wait_until(&self, what: &str, script: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.js(script, json!([]));
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(x) => *x,
                Value::String(x) => !x.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return v;
            }
            if start.elapsed() > WAIT {
                let text = self.js("return document.body.innerText;", json!([]));
                panic!(
                    "waited {WAIT:?} for {what}; at {}; the page says:\n{}",
                    self.url(),
                    text.as_str().unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A screenshot of the whole page (up to 3,000 CSS pixels tall), not just the viewport.
    fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        let metrics = self.cdp("Page.getLayoutMetrics", json!({}));
        let size = &metrics["cssContentSize"];
        let width = size["width"].as_f64().unwrap_or(1280.0);
        let height = size["height"].as_f64().unwrap_or(900.0).min(3000.0);
        let v = self.cdp(
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 } }),
        );
        let png = base64_decode(v["data"].as_str().expect("screenshot data"));
        assert!(png.starts_with(b"\x89PNG"), "a screenshot is a PNG");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("writing the screenshot");
        println!("  screenshot {}", path.display());
        path
    }

    /// A Chrome DevTools command through chromedriver.
    fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({ "cmd": cmd, "params": params })),
        )
    }

    /// Every form control has a label (its own `<label>`, or an aria-label).
    fn assert_labelled(&self, page: &str) {
        let unlabelled = self.js(
            "return [...document.querySelectorAll('main input, main select, main textarea')]
               .filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
               .map(e => e.outerHTML.slice(0, 120));",
            json!([]),
        );
        assert_eq!(
            unlabelled,
            json!([]),
            "{page}: form controls without a label"
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(
            &self.driver,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

fn webdriver(driver: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, bytes) = http(driver, method, path, body.as_ref())
        .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
    let v: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "WebDriver {method} {path}: {e}: {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    if status != 200 {
        panic!(
            "WebDriver {method} {path} answered {status}: {} — {}",
            v["value"]["error"],
            v["value"]["message"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
        );
    }
    v["value"].clone()
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("creating target/screenshots");
    dir
}

/// A server on a fresh data directory and a headless Chromium driving it (fields drop in
/// order: the browser session, then chromedriver, then the server).
struct Rig {
    b: Browser,
    _driver: Proc,
    _server: common::server::Server,
    base: String,
    addr: String,
    downloads: PathBuf,
}

impl Rig {
    fn start(tmp: &Path, started: Instant) -> Rig {
        // The server, on its own data directory.
        let (server, _) = start_ready(
            &tmp.join("data"),
            &tmp.join("server.log"),
            "browser-test-token",
            &[("RUST_LOG", "warn")],
            START_TIMEOUT,
        );
        let server_addr = server.addr();
        let base = format!("http://{server_addr}");
        println!("server up at {base} after {:.1?}", started.elapsed());

        // The browser.
        let driver_bin =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let driver_addr = format!("127.0.0.1:{}", free_port());
        let mut driver = Proc::spawn(
            "chromedriver",
            Command::new(&driver_bin).arg(format!(
                "--port={}",
                driver_addr.rsplit(':').next().unwrap_or_default()
            )),
            &tmp.join("chromedriver.log"),
        );
        wait_http(
            &driver_addr,
            "/status",
            &mut driver,
            Duration::from_secs(30),
        );
        let profile = tmp.join("chromium-profile");
        let downloads = tmp.join("downloads");
        std::fs::create_dir_all(&downloads).expect("downloads dir");
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": { "download.default_directory": downloads.to_string_lossy(),
                           "download.prompt_for_download": false },
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        }}});
        let session = webdriver(&driver_addr, "POST", "/session", Some(caps));
        let b = Browser {
            driver: driver_addr.clone(),
            session: session["sessionId"]
                .as_str()
                .expect("a session id")
                .to_string(),
        };
        b.cdp(
            "Browser.setDownloadBehavior",
            json!({ "behavior": "allow", "downloadPath": downloads.to_string_lossy() }),
        );
        println!("browser up after {:.1?}", started.elapsed());
        Rig {
            b,
            _driver: driver,
            _server: server,
            base,
            addr: server_addr,
            downloads,
        }
    }
}

// ---------------------------------------------------------------------------------------

#[test]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
fn a_new_user_finds_partners_and_plans_a_mission() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let shots = screenshots_dir();

    let rig = Rig::start(tmp.path(), started);
    let (b, base, server_addr, downloads) = (
        &rig.b,
        rig.base.clone(),
        rig.addr.clone(),
        rig.downloads.clone(),
    );

    // 1. The home page, in Indonesian by default.
    b.goto(&base, "/");
    b.wait_for("main h1", 1);
    b.wait_for(".hero form select option[value='36']", 1);
    assert_eq!(
        b.js("return document.documentElement.lang;", json!([])),
        "id"
    );
    b.screenshot(&shots, "home.png");

    // 2. Find partners: shallots for Banten.
    b.click("nav a[data-page='/partners']");
    b.wait_for("#f-text", 1);
    b.wait_for("#f-province option[value='36']", 1);
    b.assert_labelled("partners");
    // Suggestions while typing reach past the curated commodities to BPS's KBKI names.
    b.type_into("#f-text", "keripik");
    let suggested = b.wait_until(
        "KBKI suggestions for \"keripik\"",
        "const o = [...document.querySelectorAll('#f-commodities option[data-kbki]')]; \
         return o.length ? o.map((e) => e.value).join('|') : null;",
    );
    assert!(
        suggested
            .as_str()
            .is_some_and(|s| s.to_lowercase().contains("keripik")),
        "{suggested}"
    );
    b.type_into("#f-text", "bawang merah");
    b.click("#f-province option[value='36']");
    b.click("#f-submit");
    let cards = b.wait_for(".result-card", 1);
    let url = b.url();
    assert!(
        url.contains("/partners?")
            && url.contains("text=bawang+merah")
            && url.contains("province=36"),
        "the query lives in the URL: {url}"
    );
    let places = b.js(
        "return [...document.querySelectorAll('.result-card')].map(c => ({
            province: c.dataset.province,
            place: c.querySelector('.card-place').textContent,
            bars: c.querySelectorAll('.features .bar').length,
            reasons: c.querySelectorAll('.reasons li').length }));",
        json!([]),
    );
    let places = places.as_array().expect("cards");
    assert_eq!(places.len() as u64, cards);
    let province_names = http(&server_addr, "GET", "/v1/provinces", None)
        .map(|(_, b)| serde_json::from_slice::<Value>(&b).expect("provinces"))
        .expect("provinces");
    let names: Vec<&str> = province_names
        .as_array()
        .expect("provinces")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .filter(|n| *n != "Banten")
        .collect();
    for c in places {
        let place = c["place"].as_str().unwrap_or_default();
        assert_ne!(c["province"], "36", "a supplier from Banten itself: {c}");
        assert!(
            !place.contains("Banten") && names.iter().any(|n| place.contains(n)),
            "each card names a province other than Banten: {place:?}"
        );
        assert_eq!(c["bars"], 5, "a bar per score feature: {c}");
        assert!(c["reasons"].as_u64().unwrap_or(0) >= 1, "reasons: {c}");
    }
    println!("  {cards} result cards, none from Banten");
    b.screenshot(&shots, "partners.png");

    // The contact action: the first supplier publishes its contacts (through the API, with
    // the token), the second does not. A card's "Hubungi" reads them when asked: phone,
    // WhatsApp and e-mail as links for the first, a note that they are not published for
    // the second (an anonymous visitor sees no unpublished contact).
    let first = b.js(
        "return document.querySelector('.result-card').dataset.business;",
        json!([]),
    );
    let first = first
        .as_str()
        .expect("the first card's business")
        .to_string();
    let (status, body) = http(
        &server_addr,
        "GET",
        &format!("/v1/businesses/{first}"),
        None,
    )
    .expect("GET the business");
    assert_eq!(status, 200);
    let mut business: Value = serde_json::from_slice(&body).expect("business");
    business["contacts"] = json!({"contact_person": "Bu Sari", "phone": "0812-3456-7890",
                                  "whatsapp": "0812-3456-7890", "email": "sari@example.id"});
    business["publish_contacts"] = json!(true);
    let put = common::http::request(
        &server_addr,
        "PUT",
        &format!("/v1/businesses/{first}"),
        &[
            ("Authorization", "Bearer browser-test-token"),
            ("Content-Type", "application/json"),
        ],
        business.to_string().as_bytes(),
    )
    .expect("PUT the business");
    assert_eq!(put.status, 200, "{}", put.text());
    b.click(".result-card:nth-child(1) .contact-button");
    b.wait_for(".result-card:nth-child(1) .contact-list a.contact-phone", 1);
    let links = b.js(
        "return [...document.querySelectorAll('.result-card:nth-child(1) .contact-list a')]
            .map(a => a.getAttribute('href'));",
        json!([]),
    );
    assert_eq!(
        links,
        json!([
            "tel:+6281234567890",
            "https://wa.me/6281234567890",
            "mailto:sari@example.id"
        ]),
        "phone, WhatsApp and e-mail as links"
    );
    b.click(".result-card:nth-child(2) .contact-button");
    b.wait_for(".result-card:nth-child(2) .contact-none", 1);
    assert_eq!(
        b.count(".result-card:nth-child(2) .contact-list"),
        0,
        "no unpublished contact for an anonymous visitor"
    );
    b.screenshot(&shots, "partners-contact.png");
    // The supplier's profile page, from its card: offers and the same contacts.
    b.click(".result-card:nth-child(1) a.profile-link");
    b.wait_for(".business-profile .profile-contacts a.contact-phone", 1);
    assert!(
        b.url().contains(&format!("/business?id={first}")),
        "{}",
        b.url()
    );
    assert!(b.count(".business-profile .profile-listings li") >= 1);
    b.screenshot(&shots, "business.png");
    b.goto("", &url);
    b.wait_for(".result-card", 1);

    // The same URL opened afresh (a shared link) shows the same results.
    let shared = url.clone();
    b.goto("", &shared);
    assert_eq!(b.wait_for(".result-card", 1), cards);
    assert_eq!(
        b.js("return document.querySelector('#f-text').value;", json!([])),
        "bawang merah"
    );

    // 3. English: the switch keeps the query, the reasons come in English.
    b.click("#lang-switch");
    b.wait_for("html[lang='en'] .result-card", 1);
    let text = b.js("return document.body.textContent;", json!([]));
    let text = text.as_str().unwrap_or_default();
    assert!(text.contains("Find partners") && text.contains("Why it matches"));
    assert!(b.url().contains("lang=en"), "the language is in the URL");
    b.screenshot(&shots, "partners-en.png");
    b.click("#lang-switch");
    b.wait_for("html[lang='id'] .result-card", 1);

    // A request the API refuses: its message shows next to the field it names.
    b.goto(&base, "/partners?text=bawang+merah");
    b.wait_for("#f-province-error:not([hidden])", 1);
    assert_eq!(
        b.js("return document.activeElement.id;", json!([])),
        "f-province",
        "the field at fault gets the focus"
    );

    // 4. Phone width: no page scrolls sideways (wide grids and the map scroll in their own
    // frames), and the result cards are there.
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true }),
    );
    for (path, ready) in [
        ("/", ".hero form"),
        ("/provinces?code=35&from=35&to=36", ".corridor-item"),
        (
            "/planner?mission=jatim-banten-2023",
            "table.grid td.meeting",
        ),
        ("/network", "svg.map .node"),
        (shared.trim_start_matches(&base), ".result-card"),
    ] {
        b.goto(&base, path);
        b.wait_for(ready, 1);
        let overflow = b.js(
            "return Math.max(document.documentElement.scrollWidth, window.innerWidth) - 390;",
            json!([]),
        );
        // What sticks out: the innermost elements wider than the screen.
        let culprit = b.js(
            "const out = [];
             const right = (e) => {
               const b = e.getBoundingClientRect();
               return Math.max(b.right, b.left + e.scrollWidth);
             };
             for (const e of document.body.querySelectorAll('*')) {
               const r = right(e);
               if (r > 390 && ![...e.children].some((c) => right(c) > 390))
                 out.push(`${e.tagName.toLowerCase()}.${e.className}#${e.id} (${Math.round(r)}px)`);
             }
             return out.slice(0, 5).join(', ');",
            json!([]),
        );
        assert!(
            overflow.as_i64().unwrap_or(1) <= 0,
            "{path} scrolls sideways at 390 px by {overflow} px: {culprit}"
        );
    }
    b.screenshot(&shots, "partners-phone.png");
    b.cdp("Emulation.clearDeviceMetricsOverride", json!({}));

    // 5. Provinces: East Java's advantages, the corridor to Banten, and where Banten buys
    // its shallots (the supply model).
    b.goto(&base, "/provinces?code=35&from=35&to=36");
    assert!(b.wait_for(".lq-row", 1) >= 3);
    b.wait_for(".corridor-item", 1);
    b.assert_labelled("provinces");
    let chili = b.js(
        "const e = document.querySelector('.corridor-item[data-commodity=\"cabai_rawit\"]');
         return e ? e.textContent.toLowerCase() : '';",
        json!([]),
    );
    assert!(
        chili.as_str().unwrap_or_default().contains("cabai rawit"),
        "bird's-eye chili is in the Jatim → Banten corridor"
    );
    assert_eq!(b.count(".lq-row[data-commodity='bawang_merah']"), 1);
    assert!(
        b.wait_for(".supply-row", 1) >= 5,
        "the origins of Banten's shallots"
    );
    let first = b.js(
        "return document.querySelector('.supply-row').dataset.province;",
        json!([]),
    );
    assert_eq!(first, "33", "Central Java first for Banten's shallots");
    b.screenshot(&shots, "provinces.png");
    // Another commodity and buyer from the form: rice into Jakarta, West Java first.
    b.goto(
        &base,
        "/provinces?code=35&from=35&to=36&commodity=beras&buyer=31",
    );
    b.wait_for(".supply-row[data-province='32']", 1);
    let first = b.js(
        "return document.querySelector('.supply-row').dataset.province;",
        json!([]),
    );
    assert_eq!(first, "32", "West Java first for Jakarta's rice");
    b.screenshot(&shots, "provinces-supply.png");

    // Nearest first on the partners page.
    b.goto(
        &base,
        "/partners?text=bawang+merah&province=36&order=nearest",
    );
    b.wait_for(".result-card", 1);
    assert_eq!(
        b.js(
            "return document.querySelector('#f-order').value;",
            json!([])
        ),
        "nearest"
    );

    // 6. The mission planner: the shipped Jatim–Banten mission.
    b.goto(&base, "/planner");
    b.wait_for("#m-mission option[value='jatim-banten-2023']", 1);
    b.assert_labelled("planner");
    b.click("#m-mission option[value='jatim-banten-2023']");
    b.click("#m-plan");
    let meetings = b.wait_for("table.grid td.meeting", 1);
    assert!(meetings >= 50, "the grid has {meetings} meetings");
    assert!(b.url().contains("mission=jatim-banten-2023"));
    assert!(b.count("table.grid thead th[scope='col']") >= 2);
    assert!(b.count("table.grid tbody th[scope='row']") >= 12);
    assert!(b.count(".agenda tbody tr") >= 1, "an agenda is shown");
    b.screenshot(&shots, "planner.png");

    // Its agendas as downloads: CSV, iCalendar and printable HTML.
    for (format, ext, starts) in [
        ("csv", "csv", "Sesi;Mulai"),
        ("ics", "ics", "BEGIN:VCALENDAR"),
        ("html", "html", "<!DOCTYPE html>"),
    ] {
        b.click(&format!("button[data-format='{format}']"));
        let file = downloads.join(format!("misi-dagang-jatim-banten-2023.{ext}"));
        let start = Instant::now();
        while !file.exists() && start.elapsed() < WAIT {
            std::thread::sleep(Duration::from_millis(100));
        }
        let body = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("the {format} download {}: {e}", file.display()));
        assert!(
            body.trim_start_matches('\u{feff}').starts_with(starts),
            "{format} download starts {:?}",
            &body[..body.len().min(60)]
        );
        println!("  downloaded {} ({} bytes)", file.display(), body.len());
    }

    // An uploaded spec: a broken file is refused next to the field; a good one is planned.
    let broken = tmp.path().join("broken.json");
    std::fs::write(&broken, "{\"name\": ").expect("writing a spec");
    b.choose_file("#m-file", &broken);
    b.click("#m-plan");
    b.wait_for("#m-file-error:not([hidden])", 1);
    let (_, spec) = http(&server_addr, "GET", "/v1/missions/jatim-banten-2023", None)
        .expect("the shipped spec");
    let mut spec: Value = serde_json::from_slice(&spec).expect("a JSON spec");
    spec["name"] = json!("Uji unggah");
    spec["tables"] = json!(10);
    let upload = tmp.path().join("upload.json");
    std::fs::write(&upload, spec.to_string()).expect("writing a spec");
    b.choose_file("#m-file", &upload);
    b.click("#m-plan");
    b.wait_for("#plan-h", 1);
    let start = Instant::now();
    while b.js(
        "const e = document.querySelector('#plan-h'); return e ? e.textContent : '';",
        json!([]),
    ) != "Uji unggah"
    {
        assert!(start.elapsed() < WAIT, "the uploaded spec was not planned");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        b.count("table.grid thead th[scope='col']") <= 11,
        "10 tables at most"
    );

    // 7. The deal network.
    b.goto(&base, "/network");
    b.wait_for("svg.map .node", 38);
    b.assert_labelled("network");
    let lines = b.count("svg.map path.flow");
    assert!(lines >= 10, "trade lines drawn: {lines}");
    assert!(b.count(".flows-table tbody tr") >= 10);
    b.screenshot(&shots, "network.png");

    // No script errors along the way (the refused request above is logged as a network
    // error, on purpose).
    let logs = b.call("POST", "/se/log", Some(json!({ "type": "browser" })));
    let severe: Vec<&Value> = logs
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["level"] == "SEVERE" && e["source"] != "network")
                .collect()
        })
        .unwrap_or_default();
    assert!(severe.is_empty(), "browser errors: {severe:?}");

    // No API call the pages made was answered with a 5xx: the server's own request counters
    // (labelled by status) say so, whatever the page did with the answer.
    let metrics = common::http::request(
        &server_addr,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer browser-test-token")],
        b"",
    )
    .expect("GET /metrics");
    assert_eq!(metrics.status, 200);
    let metrics = String::from_utf8_lossy(&metrics.body);
    let requests: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("axum_http_requests_total{"))
        .collect();
    assert!(!requests.is_empty(), "no request counters in /metrics");
    let server_errors: Vec<&&str> = requests
        .iter()
        .filter(|l| l.contains("status=\"5"))
        .filter(|l| l.rsplit(' ').next().and_then(|n| n.parse::<f64>().ok()) != Some(0.0))
        .collect();
    assert!(
        server_errors.is_empty(),
        "the pages' API calls got 5xx answers: {server_errors:?}"
    );

    // The printable agendas, printed by the browser itself to A4: one sheet per page section
    // (one per firm with meetings, then the organisers' pages), so no blank or spilled sheet.
    let agendas = downloads.join("misi-dagang-jatim-banten-2023.html");
    let html = std::fs::read_to_string(&agendas).expect("the downloaded agendas");
    let sections = html.matches("<section class=\"page").count();
    let firms = html.matches("<section class=\"page agenda\"").count();
    assert!(firms > 100, "{firms} agenda pages");
    b.call(
        "POST",
        "/url",
        Some(json!({ "url": format!("file://{}", agendas.display()) })),
    );
    let pdf = b.cdp(
        "Page.printToPDF",
        json!({ "preferCSSPageSize": true, "displayHeaderFooter": false }),
    );
    let pdf = base64_decode(pdf["data"].as_str().expect("PDF data"));
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let sheets = pdf_pages(&pdf);
    std::fs::write(shots.join("agendas.pdf"), &pdf).expect("writing the PDF");
    assert_eq!(
        sheets, sections,
        "A4 sheets printed against page sections ({firms} firms with meetings)"
    );
    println!(
        "  printed the agendas: {sheets} A4 sheets, {firms} firms' agendas and {} organisers' pages",
        sections - firms
    );

    drop(rig);
    println!("browser test done in {:.1?}", started.elapsed());
}

/// The pages of a PDF as Chromium writes it: its `/Type /Page` objects (not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    const PAGE: &[u8] = b"/Type /Page";
    pdf.windows(PAGE.len())
        .enumerate()
        .filter(|&(i, w)| w == PAGE && pdf.get(i + PAGE.len()) != Some(&b's'))
        .count()
}

#[test]
fn pdf_pages_are_counted_without_the_page_tree() {
    let pdf = b"%PDF-1.4 1 0 obj <</Type /Pages /Count 2>> 2 0 obj <</Type /Page>> 3 0 obj <</Type /Page\n/Parent 1 0 R>>";
    assert_eq!(pdf_pages(pdf), 2);
}

#[test]
fn base64_decodes() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGVsbG8gd29ybGQ="), b"hello world");
    assert_eq!(base64_decode("iVBORw0KGgo="), b"\x89PNG\r\n\x1a\n");
    assert_eq!(
        dechunk(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").expect("a whole body"),
        b"hello world"
    );
}

/// One request to the server with a Bearer key: status and body as JSON (or text).
fn keyed(addr: &str, key: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let auth = format!("Bearer {key}");
    let body = body.map(Value::to_string).unwrap_or_default();
    let r = common::http::request(
        addr,
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Accept", "application/json"),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let v = serde_json::from_slice(&r.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&r.body).into_owned()));
    (r.status, v)
}

/// The participant sheet of the shipped Jatim–Banten mission: its 157 registered firms by
/// `ID`, one a row, `;`-separated. `bad` spoils three rows (a firm without a name, an
/// unknown province, an unknown product: sheet rows 32, 42 and 52).
fn mission_sheet(bad: bool) -> String {
    let shipped: Value =
        serde_json::from_str(include_str!("../fixtures/missions/jatim-banten-2023.json"))
            .expect("the shipped spec");
    let offers = [
        "Kopi robusta",
        "Bawang merah",
        "Beras",
        "Gula pasir",
        "Telur ayam",
    ];
    let needs = [
        "Pakan ikan",
        "Rumput laut",
        "Jagung",
        "Kopi robusta",
        "Beras",
    ];
    let mut csv =
        String::from("ID;Nama Usaha;Provinsi;Kab/Kota;Menawarkan;Butuh;Kontak;Telepon;Sisi\n");
    let participants = shipped["participants"].as_array().expect("participants");
    for (i, p) in participants.iter().enumerate() {
        let id = p["id"].as_str().expect("an id");
        let origin = p["side"] == "origin";
        let name = if bad && i == 30 {
            String::new()
        } else {
            format!("Usaha {id}")
        };
        let (province, city, side) = if origin {
            ("Jawa Timur", "Surabaya", "asal")
        } else {
            ("Banten", "Serang", "tuan rumah")
        };
        let province = if bad && i == 40 { "Atlantis" } else { province };
        let offer = if bad && i == 50 {
            "batu akik ajaib"
        } else {
            offers[i % offers.len()]
        };
        csv.push_str(&format!(
            "{id};{name};{province};{city};{offer};{};Bu Sari {i};0812-3456-{:04};{side}\n",
            needs[(i + 2) % needs.len()],
            1000 + i
        ));
    }
    csv
}

#[test]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
fn an_organiser_builds_a_mission_from_a_spreadsheet_to_its_report() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let shots = screenshots_dir();
    let rig = Rig::start(tmp.path(), started);
    let (b, base, addr) = (&rig.b, rig.base.clone(), rig.addr.clone());

    // The East Java office's key, made by the admin.
    let (status, made) = keyed(
        &addr,
        "browser-test-token",
        "POST",
        "/v1/keys",
        Some(&json!({"role": "province", "provinces": ["35"]})),
    );
    assert_eq!(status, 201, "{made}");
    let key = made["key"].as_str().expect("a key").to_string();

    // 1. The builder asks for a key; the key goes into the header's field, not the URL.
    b.goto(&base, "/missions");
    b.wait_for("#mb-need-key", 1);
    b.click("#api-key-summary");
    b.type_into("#api-key", &key);
    b.click("#api-key-save");
    b.wait_until(
        "the key note to go",
        "return !document.querySelector('#mb-need-key') && document.querySelector('#mb-create-form');",
    );
    assert_eq!(
        b.js("return sessionStorage.getItem('jalin.key');", json!([])),
        json!(key)
    );
    assert!(!b.url().contains(&key), "the key never goes into a URL");
    b.assert_labelled("missions");

    // 2. A new mission: the shipped mission's day, in Serang, 40 tables, organised by Jatim.
    b.type_into("#mb-name", "Misi Dagang Jatim–Banten (web)");
    b.type_into("#mb-venue", "Serang");
    b.js(
        "const d = document.querySelector('#mb-date'); d.value = '2023-09-11';",
        json!([]),
    );
    b.click("#mb-organiser option[value='35']");
    b.type_into("#mb-tables", "40");
    b.click("#mb-create");
    b.wait_for("#mb-title", 1);
    let url = b.url();
    let id = url
        .split("id=")
        .nth(1)
        .and_then(|r| r.split('&').next())
        .expect("the mission's id in the URL")
        .to_string();
    assert!(id.starts_with("m-"), "{url}");
    assert_eq!(
        b.js(
            "return document.querySelector('#mb-template-csv').getAttribute('href');",
            json!([])
        ),
        "/v1/templates/participants.csv"
    );
    let (status, template) = keyed(&addr, &key, "GET", "/v1/templates/participants.csv", None);
    assert_eq!(status, 200);
    assert!(template.as_str().is_some_and(|t| t.contains("Nama Usaha")));

    // 3. A sheet with three bad rows: all three listed together, nothing imported.
    let bad = tmp.path().join("peserta-salah.csv");
    std::fs::write(&bad, mission_sheet(true)).expect("writing the sheet");
    b.choose_file("#mb-file", &bad);
    b.click("#mb-upload");
    b.wait_for("#mb-row-errors tr.row-error", 3);
    let rows = b.js(
        "return [...document.querySelectorAll('#mb-row-errors tr.row-error')]
           .map(r => [Number(r.dataset.row), r.dataset.column]);",
        json!([]),
    );
    let rows = rows.as_array().expect("rows").clone();
    assert_eq!(rows.len(), 3, "{rows:?}");
    let numbers: Vec<u64> = rows.iter().filter_map(|r| r[0].as_u64()).collect();
    assert_eq!(numbers, vec![32, 42, 52], "{rows:?}");
    assert_eq!(rows[0][1], "Nama Usaha");
    b.screenshot(&shots, "mission-bad-rows.png");
    let (_, m) = keyed(&addr, &key, "GET", &format!("/v1/missions/{id}"), None);
    assert_eq!(
        m["spec"]["participants"],
        json!([]),
        "nothing half-imported"
    );

    // 4. The fixed sheet: 157 firms in.
    let good = tmp.path().join("peserta.csv");
    std::fs::write(&good, mission_sheet(false)).expect("writing the sheet");
    b.choose_file("#mb-file", &good);
    b.click("#mb-upload");
    b.wait_for("#mb-imported", 1);
    let meta = b.js(
        "return document.querySelector('#mb-meta').textContent;",
        json!([]),
    );
    assert!(
        meta.as_str().is_some_and(|t| t.contains("157 peserta")),
        "{meta}"
    );
    assert_eq!(b.count("#mb-row-errors"), 0);

    // 4b. A meeting request in the requests panel: a `must` of an East Java firm to a
    // Banten one, asked, then accepted.
    let (status, mission) = keyed(&addr, &key, "GET", &format!("/v1/missions/{id}"), None);
    assert_eq!(status, 200, "{mission}");
    let first_of = |side: &str| -> String {
        mission["spec"]["participants"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["side"] == side)
            .and_then(|p| p["id"].as_str())
            .unwrap_or_else(|| panic!("a participant of side {side}: {mission}"))
            .to_string()
    };
    let (asker, asked) = (first_of("origin"), first_of("host"));
    b.js(
        "document.querySelector('#mb-r-a').value = arguments[0];
         document.querySelector('#mb-r-b').value = arguments[1];
         document.querySelector('#mb-r-priority').value = 'must';",
        json!([asker, asked]),
    );
    b.click("#mb-r-add");
    b.wait_for("#mb-r-list tr.request[data-status='pending']", 1);
    b.click("#mb-r-list tr.request button[data-action='accept']");
    b.wait_for("#mb-r-list tr.request[data-status='accepted']", 1);
    b.screenshot(&shots, "mission-requests.png");

    // 5. Plan: the grid; the accepted request is placed.
    b.click("#mb-plan");
    let planned = b.wait_for("#mb-grid td.meeting", 100);
    println!("  planned {planned} meetings in the grid");
    b.screenshot(&shots, "mission-grid.png");
    let (status, kept) = keyed(&addr, &key, "GET", &format!("/v1/missions/{id}/plan"), None);
    assert_eq!(status, 200);
    assert_eq!(kept["requests"]["used"], 1, "{}", kept["requests"]);
    assert_eq!(kept["requests"]["placed"], 1, "{}", kept["requests"]);

    // 6. Move one meeting to another slot (which locks it), then re-plan around it.
    let cells = b.count("#mb-grid td.meeting");
    let mut moved = None;
    for i in 0..cells.min(40) {
        b.js(
            "document.querySelectorAll('#mb-grid td.meeting button.cell')[arguments[0]].click();",
            json!([i]),
        );
        b.wait_for("#mb-selected", 1);
        let target = b.js(
            "const o = document.querySelector('#mb-move-slot option'); return o ? o.value : '';",
            json!([]),
        );
        let Some(slot) = target
            .as_str()
            .filter(|v| !v.is_empty())
            .map(str::to_string)
        else {
            continue;
        };
        let pair = b.js(
            "const td = document.querySelector('#mb-grid td.meeting.selected');
             return [td.dataset.a, td.dataset.b, td.dataset.slot];",
            json!([]),
        );
        moved = Some((pair, slot));
        break;
    }
    let (pair, slot) = moved.expect("a meeting with a free slot for both firms");
    let (a, bb) = (
        pair[0].as_str().unwrap_or_default().to_string(),
        pair[1].as_str().unwrap_or_default().to_string(),
    );
    assert_ne!(pair[2], json!(slot), "moved to another slot");
    b.click("#mb-move");
    let cell =
        format!("#mb-grid td.meeting.locked[data-a='{a}'][data-b='{bb}'][data-slot='{slot}']");
    b.wait_for(&cell, 1);
    b.wait_for("#mb-dirty", 1);
    assert_eq!(
        b.js(
            "return document.querySelector('#mb-publish').disabled;",
            json!([])
        ),
        true,
        "no publishing of an edit not re-planned"
    );
    b.click("#mb-replan");
    b.wait_until(
        "the re-plan",
        "return !document.querySelector('#mb-dirty') && document.querySelector('#mb-plan-note .status:not(.loading)');",
    );
    b.wait_for(&cell, 1);
    let (_, kept) = keyed(&addr, &key, "GET", &format!("/v1/missions/{id}/plan"), None);
    let kept_slot = kept["meetings"]
        .as_array()
        .expect("kept meetings")
        .iter()
        .find(|m| m["a"] == a.as_str() && m["b"] == bb.as_str())
        .map(|m| m["slot"].to_string());
    assert_eq!(kept_slot, Some(slot.clone()), "the locked meeting stayed");
    b.screenshot(&shots, "mission-replanned.png");

    // 7. Publish; the printable agendas are there for everyone.
    b.click("#mb-publish");
    b.wait_for("#mb-agendas", 1);
    let href = b
        .js(
            "return document.querySelector('#mb-agendas').getAttribute('href');",
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = common::http::request(&addr, "GET", &href, &[], b"").expect("the agendas");
    assert_eq!(r.status, 200, "{href}");
    let body = String::from_utf8_lossy(&dechunk(&r.body).unwrap_or(r.body.clone())).into_owned();
    assert!(body.contains("<section class=\"page agenda\""), "agendas");
    assert!(body.contains("lang=\"id\""), "Indonesian by default");

    // 8. Commitments for three meetings; the report adds them up.
    let values = [650_000_000.0_f64, 125_500_000.0, 40_000_000.0];
    for (i, v) in values.iter().enumerate() {
        b.click(&format!("#mb-c-meeting option[value='{i}']"));
        b.type_into("#mb-c-value", &format!("{v}"));
        b.click("#mb-c-add");
        b.wait_for("#mb-c-list tr.commitment", i as u64 + 1);
    }
    let sum: f64 = values.iter().sum();
    let shown = b.wait_until(
        "the report to count three commitments",
        "const c = document.querySelector('#mb-report-count');
         const t = document.querySelector('#mb-report-total');
         return c && c.textContent === '3' ? Number(t.dataset.value) : null;",
    );
    assert_eq!(
        shown.as_f64(),
        Some(sum),
        "the report's total is the sum entered"
    );
    let (_, report) = keyed(
        &addr,
        &key,
        "GET",
        &format!("/v1/missions/{id}/report"),
        None,
    );
    assert_eq!(report["total_value_idr"].as_f64(), Some(sum));
    b.screenshot(&shots, "mission-report.png");

    // 9. The agendas as the browser shows them.
    b.goto(&base, &href);
    b.wait_for("section.page", 1);
    b.screenshot(&shots, "mission-agendas.png");

    let logs = b.call("POST", "/se/log", Some(json!({ "type": "browser" })));
    let severe: Vec<&Value> = logs
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["level"] == "SEVERE" && e["source"] != "network")
                .collect()
        })
        .unwrap_or_default();
    assert!(severe.is_empty(), "browser errors: {severe:?}");
    drop(rig);
    println!("mission builder test done in {:.1?}", started.elapsed());
}
