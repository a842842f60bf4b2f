// The console's smoke workflow in Firefox (Debian's firefox-esr), driven by Puppeteer over
// WebDriver BiDi: run by tests/browser/test_firefox.py, which starts the topology and passes
// everything in the environment. Prints one JSON line per step ({"step", "ms"}) and exits
// 1 after saving a screenshot of the page when a step fails or JavaScript logged an error.
//
//   FIREFOX_SMOKE_URL         the console, e.g. http://127.0.0.1:8081
//   FIREFOX_SMOKE_KEY         the key to sign in with (the operator key)
//   FIREFOX_SMOKE_WORKSPACE   the workspace (v1 published, served by every replica)
//   FIREFOX_SMOKE_FIREFOX     the Firefox binary (/usr/bin/firefox-esr)
//   FIREFOX_SMOKE_SCREENSHOT  where a failure's screenshot goes (NAME.png, NAME-watcher.png)
//   NODE_PATH                 where puppeteer-core is installed (.tools/puppeteer/node_modules)
"use strict";

const puppeteer = require("puppeteer-core");

const env = (name) => {
  const value = process.env[name];
  if (!value) { throw new Error(`${name} is not set`); }
  return value;
};
const BASE = env("FIREFOX_SMOKE_URL");
const KEY = env("FIREFOX_SMOKE_KEY");
const WORKSPACE = env("FIREFOX_SMOKE_WORKSPACE");
const FIREFOX = env("FIREFOX_SMOKE_FIREFOX");
const SCREENSHOT = env("FIREFOX_SMOKE_SCREENSHOT");
const TIMEOUT = 15000;
const OLD = "instructions: You are the store's concierge. Be warm and precise.";
const NEW_LINE = "Answer in two sentences at most (Firefox).";
const NEW = "instructions: |-\n  You are the store's concierge.\n  " + NEW_LINE;

// Before any page script: record the Server-Sent Event streams opened (and the events they
// delivered) and htmx's requests, so the test can tell the live parts really ran.
const PROBE = () => {
  const Native = window.EventSource;
  window.__sse = [];
  window.__htmx = [];
  window.EventSource = function (url, options) {
    const source = new Native(url, options);
    const record = { url: String(url), events: [] };
    window.__sse.push(record);
    ["status", "done", "failed", "oob", "delta"].forEach((name) =>
      source.addEventListener(name, () => record.events.push(name)));
    return source;
  };
  window.EventSource.prototype = Native.prototype;
  document.addEventListener("htmx:afterRequest", (event) => {
    const detail = event.detail || {};
    window.__htmx.push({ path: detail.pathInfo && detail.pathInfo.requestPath,
                         ok: !!detail.successful });
  });
};

const started = Date.now();
let last = started;
function step(name, extra) {
  const now = Date.now();
  console.log(JSON.stringify({ step: name, ms: now - last, ...extra }));
  last = now;
}

function check(condition, message) {
  if (!condition) { throw new Error(message); }
}

async function text(page, selector) {
  const handle = await page.waitForSelector(selector, { visible: true });
  return (await handle.evaluate((el) => el.textContent)).trim();
}

async function waitForText(page, selector, expected) {
  await page.waitForFunction((sel, want) => {
    const el = document.querySelector(sel);
    return !!el && el.textContent.includes(want);
  }, { timeout: TIMEOUT }, selector, expected).catch(async () => {
    const found = await page.$eval(selector, (el) => el.textContent).catch(() => "(absent)");
    throw new Error(`${selector} on ${page.url()} should contain ${JSON.stringify(expected)}, ` +
                    `shows ${JSON.stringify(found.trim().slice(0, 300))}`);
  });
}

// a click that loads a new page (plain link or form)
async function follow(page, selector) {
  await page.waitForSelector(selector, { visible: true });
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

async function run(page, openPage, errors) {
  // sign in with the keyboard alone: skip link, key, workspace, Enter
  await page.goto(BASE + "/signin");
  step("signin page", { browser: await page.browser().version() });
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.id) === "api_key",
        "the second Tab should reach the API key field");
  await page.keyboard.type(KEY);
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.id) === "workspace",
        "Tab should go from the key to the workspace");
  await page.keyboard.down("Control");
  await page.keyboard.press("KeyA");
  await page.keyboard.up("Control");
  await page.keyboard.type(WORKSPACE);
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  check(new URL(page.url()).pathname === "/", `signed in, expected the overview: ${page.url()}`);
  check(await text(page, "#my-role") === "admin", "the operator key signs in as admin");
  step("signed in with the keyboard");

  // the overview: Production v1, and htmx refreshes the replicas table (every 3 s)
  check(await text(page, "#production") === "v1", "the overview should show Production v1");
  const latest = Number((await text(page, "#production ~ .muted")).replace(/\D+/g, ""));
  await page.waitForFunction(() => window.__htmx.some((r) => r.path === "/replicas" && r.ok),
                             { timeout: 8000 });
  await waitForText(page, "#replicas", "2 of 2");
  step("overview: v1, replicas refreshed by htmx");

  // the Draft: "Validate all" answers in place (htmx POST with the CSRF header)
  await follow(page, 'nav[aria-label="Main"] a[href="/draft"]');
  await page.click("#validate");
  await waitForText(page, "#validation", "validates");
  check(new URL(page.url()).pathname === "/draft", "Validate all should not leave the page");
  step("draft: validated in place");

  // edit the concierge's instructions as YAML and save
  await follow(page, 'a[href="/draft/agent/concierge"]');
  const yaml = await page.$eval("#spec", (el) => el.value);
  check(yaml.includes(OLD), `the concierge's YAML should hold ${OLD}`);
  await page.locator("#spec").fill(yaml.replace(OLD, NEW));
  await follow(page, "#save");
  await waitForText(page, "#saved", "Saved");
  check((await page.$eval("#spec", (el) => el.value)).includes(NEW_LINE), "the saved YAML");
  step("entity edited and saved");

  // the review page shows the diff, line by line
  await follow(page, 'nav[aria-label="Main"] a[href="/review"]');
  await waitForText(page, "[data-entity='agent/concierge']", "instructions");
  await waitForText(page, "[data-entity='agent/concierge'] pre.lines", NEW_LINE);
  step("review: diff shown");

  // a second tab watches the rollout of the version about to be published: opened before
  // it exists, its page must follow it live over its Server-Sent Events stream
  const next = latest + 1;
  const watcher = await openPage();
  await watcher.goto(`${BASE}/rollout/${next}`);
  await watcher.waitForFunction(() => window.__sse.length === 1, { timeout: TIMEOUT });
  check(await watcher.$eval("[data-sse-event=done]", (el) => el.textContent.trim()) === "",
        "the watched rollout should not be done before publishing");
  step("watching the rollout of the next version", { version: next });
  await page.bringToFront();

  // publish through the confirmation, with a message
  await follow(page, "#publish");
  const reviewed = await text(page, "#reviewed");
  await waitForText(page, "[data-entity='agent/concierge']", "instructions");
  await page.locator("#message").fill("shorter answers (Firefox)");
  await follow(page, "#confirm-publish");
  const match = new URL(page.url()).pathname.match(/^\/rollout\/(\d+)$/);
  check(match, `after publishing, expected the rollout page: ${page.url()}`);
  const version = match[1];
  step("published", { revision: reviewed, version });

  // the live rollout page reaches every replica; the watching tab saw it happen over SSE
  check(version === String(next), `published v${version}, expected v${next}`);
  await waitForText(page, "#rollout-done", "live on every replica (2 of 2)");
  await waitForText(watcher, "#rollout-done", "live on every replica (2 of 2)");
  const watched = await watcher.evaluate(() => window.__sse);
  check(watched.length === 1 && watched[0].url.endsWith(`/rollout/${next}/events`) &&
        watched[0].events.includes("status") && watched[0].events.at(-1) === "done",
        `the watcher's stream should bring status, then done: ${JSON.stringify(watched)}`);
  // the publishing tab's own page: it streamed too unless it loaded already finished
  const own = await page.evaluate(() => window.__sse);
  check(own.every((s) => s.events.includes("done")), `its stream ended: ${JSON.stringify(own)}`);
  step("rollout live on 2 of 2", { events: watched[0].events,
                                   publishing_tab: own.length ? "streamed" : "loaded finished" });
  await watcher.close();

  // back on the overview: Production is the new version
  await follow(page, 'nav[aria-label="Main"] a[href="/"]');
  check(await text(page, "#production") === `v${version}`, `the overview should show v${version}`);
  step("overview: new Production");

  // sign out: back to the sign-in form, and the session is gone
  await follow(page, "form.who button[type=submit]");
  check(new URL(page.url()).pathname === "/signin", `after signing out: ${page.url()}`);
  await page.goto(BASE + "/");
  check(new URL(page.url()).pathname === "/signin", "signed out, / should lead to the sign-in");
  step("signed out");

  check(errors.length === 0, `JavaScript errors were logged:\n${errors.join("\n")}`);
}

async function main() {
  const browser = await puppeteer.launch({
    browser: "firefox", executablePath: FIREFOX, headless: true,
    // no first-run pages or background requests: nothing leaves this machine
    extraPrefsFirefox: { "browser.shell.checkDefaultBrowser": false,
                         "network.captive-portal-service.enabled": false },
  });
  step("firefox launched");
  const pages = [];
  const errors = [];
  try {
    const context = await browser.createBrowserContext();
    const openPage = async () => {
      const page = await context.newPage();
      pages.push(page);
      page.setDefaultTimeout(TIMEOUT);
      page.setDefaultNavigationTimeout(TIMEOUT);
      await page.setViewport({ width: 1280, height: 900 });
      page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message || error}`));
      page.on("console", (message) => {
        if (message.type() === "error") { errors.push(`${page.url()}: console: ${message.text()}`); }
      });
      await page.evaluateOnNewDocument(PROBE);
      return page;
    };
    await run(await openPage(), openPage, errors);
    step("done", { total_ms: Date.now() - started });
  } catch (error) {
    for (const [i, page] of pages.entries()) {
      if (page.isClosed()) { continue; }
      const path = i === 0 ? SCREENSHOT : SCREENSHOT.replace(/\.png$/, "") + "-watcher.png";
      await page.screenshot({ path, fullPage: true }).catch((e) =>
        console.error(`no screenshot of ${page.url()}: ${e.message}`));
      console.error(`failed; ${page.url()} is in ${path}`);
    }
    if (errors.length) { console.error(`JavaScript errors:\n${errors.join("\n")}`); }
    throw error;
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
