// Development keys as Clerk serves them: the development instance runs
// standalone (its frontend API at https://inkpad.lcl.dev, on a port of its
// own, cross-site to the app), so clerk-js and @clerk/ui keep a dev browser
// (__clerk_db_jwt) and the app's server knows the browser only through it
// and the nonce handshake. This spec starts its own app (the release build
// the run uses) with CLERK_DEV_STANDALONE_ADDR on other ports and a
// database of its own; Chromium maps the name to the instance's listener
// and accepts its self-made certificate.
const path = require("node:path");
const fs = require("node:fs");
const { spawn, execFileSync } = require("node:child_process");
const config = require("../playwright.config.js");
const { test, expect, hydrated, snap, signIn, signOutFromMenu, steady } = require("./fixtures");

const HOST = "inkpad.lcl.dev";
const FAPI = `https://${HOST}`;
const APP_PORT = 3101;
const FAPI_PORT = 3443;
const APP = `http://127.0.0.1:${APP_PORT}`;
const root = path.resolve(__dirname, "../..");
const dbDir = path.join(root, "target/e2e-standalone");

test.use({
  baseURL: APP,
  ignoreHTTPSErrors: true,
  launchOptions: {
    ...config.use.launchOptions,
    args: [...config.use.launchOptions.args, `--host-rules=MAP ${HOST} 127.0.0.1:${FAPI_PORT}`],
  },
});

let server;
let serverLog = "";

test.beforeAll(async () => {
  fs.rmSync(dbDir, { recursive: true, force: true });
  fs.mkdirSync(dbDir, { recursive: true });
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, "target");
  server = spawn(path.join(targetDir, "release/inkpad"), [], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${path.join(dbDir, "app.db")}`,
      LEPTOS_OUTPUT_NAME: "inkpad",
      LEPTOS_SITE_ROOT: "target/site",
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_SITE_ADDR: `127.0.0.1:${APP_PORT}`,
      LEPTOS_HASH_FILES: "true",
      LEPTOS_HASH_FILE_NAME: "hash.txt",
      CLERK_DEV_STANDALONE_ADDR: `127.0.0.1:${FAPI_PORT}`,
      RATE_LIMIT_SIGN_IN: "200/1m",
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout.on("data", (d) => (serverLog += d));
  server.stderr.on("data", (d) => (serverLog += d));
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${APP}/pricing`, { headers: { cookie: "__clerk_db_jwt=probe" } })).ok) return;
    } catch {}
    if (server.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the standalone app did not start:\n${serverLog}`);
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
});

/** The instance's secret key, from this spec's own database. */
function secretKey() {
  return execFileSync("python3", [
    "-c",
    "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT secret_key FROM clerk_dev_instance').fetchone()[0])",
    path.join(dbDir, "app.db"),
  ])
    .toString()
    .trim();
}

/** Every call a page's scripts make to the frontend API, by path and whether it carried the dev browser. */
function recordFapi(page) {
  const calls = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.host !== HOST || url.pathname.startsWith("/npm/") || r.isNavigationRequest()) return;
    calls.push({ method: r.method(), path: url.pathname, devBrowser: url.searchParams.get("__clerk_db_jwt") });
  });
  return calls;
}

/** The redirects a navigation went through, as host + path. */
function hops(response) {
  const out = [];
  for (let r = response.request(); r; r = r.redirectedFrom()) {
    const url = new URL(r.url());
    out.unshift(`${url.host}${url.pathname}`);
  }
  return out;
}

const isSession = (c) => c.name === "__session" || c.name.startsWith("__session_");

test("development keys as Clerk serves them: a dev browser from the first page, sign-in, a lapsed token handshaken back, an organization switch and sign-out", async ({ page, browser, request }, testInfo) => {
  test.setTimeout(90_000);
  const calls = recordFapi(page);

  // The first page load has no dev browser: the app sends it through the
  // instance's handshake, which makes one, and redeems the nonce it
  // answers with for the dev browser cookie.
  const first = await page.goto("/pricing");
  expect(hops(first)).toEqual([
    `127.0.0.1:${APP_PORT}/pricing`,
    `${HOST}/v1/client/handshake`,
    `127.0.0.1:${APP_PORT}/pricing`,
    `127.0.0.1:${APP_PORT}/pricing`,
  ]);
  expect(page.url()).toBe(`${APP}/pricing`);
  const devBrowser = (await page.context().cookies(APP)).find((c) => c.name === "__clerk_db_jwt");
  expect(devBrowser, "the dev browser is a first-party cookie of the app").toBeTruthy();
  await hydrated(page);

  // Clerk's SignIn, drawn by @clerk/ui, talking to the other origin.
  await signIn(page, "pro@inkpad.dev", "inkpad-pro-demo");
  await expect(page.getByTestId("space")).toContainText("personal space");
  // Clerk's own widgets, drawn from what the other origin answered.
  await expect(page.locator(".cl-userButtonTrigger")).toBeVisible();
  await expect(page.locator(".cl-organizationSwitcherTrigger")).toContainText("Personal account");
  await snap(page, testInfo, "standalone-signed-in");
  const fapiCalls = calls.filter((c) => !(c.method === "POST" && c.path === "/v1/dev_browser"));
  expect(fapiCalls.length, "clerk-js called the frontend API").toBeGreaterThan(3);
  expect(fapiCalls.filter((c) => c.devBrowser !== devBrowser.value), "every call carries the dev browser").toEqual([]);

  // An organization switch: the token's `o` claim, read by the server.
  const popover = page.locator(".cl-organizationSwitcherPopoverCard");
  await page.locator(".cl-organizationSwitcherTrigger").click();
  await popover.waitFor();
  await steady(popover);
  await popover.getByText("Acme", { exact: true }).click();
  await expect(page.getByTestId("space")).toContainText("In the organization");
  await expect(page.locator(".cl-organizationSwitcherTrigger")).toContainText("Acme");

  // A session token allowed to lapse: the next page load handshakes back
  // signed in, through the instance on its own origin, with the dev
  // browser, in one navigation.
  await page.waitForFunction(() => window.Clerk && window.Clerk.session);
  const sid = await page.evaluate(() => window.Clerk.session.id);
  const minted = await request.post(`/__clerk/api/v1/sessions/${sid}/tokens`, {
    headers: { authorization: `Bearer ${secretKey()}` },
    data: { expires_in_seconds: 1 },
  });
  expect(minted.status()).toBe(200);
  const { jwt } = await minted.json();
  const state = await page.context().storageState();
  expect(state.cookies.filter(isSession).length).toBeGreaterThanOrEqual(1);
  state.cookies = state.cookies.map((c) => (isSession(c) ? { ...c, value: jwt } : c));
  const context = await browser.newContext({ storageState: state, baseURL: APP, ignoreHTTPSErrors: true });
  const tab = await context.newPage();
  const errors = [];
  tab.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  try {
    await new Promise((resolve) => setTimeout(resolve, 7_500));
    const res = await tab.goto("/dashboard");
    expect(hops(res)).toEqual([
      `127.0.0.1:${APP_PORT}/dashboard`,
      `${HOST}/v1/client/handshake`,
      `127.0.0.1:${APP_PORT}/dashboard`,
      `127.0.0.1:${APP_PORT}/dashboard`,
    ]);
    expect(res.request().redirectedFrom().redirectedFrom().url()).toContain(`__clerk_db_jwt=${devBrowser.value}`);
    expect(tab.url()).toBe(`${APP}/dashboard`);
    await hydrated(tab);
    await expect(tab.getByRole("heading", { name: "Your posts" })).toBeVisible();
    await expect(tab.locator(".cl-organizationSwitcherTrigger")).toContainText("Acme");
    for (const fresh of (await context.cookies(APP)).filter(isSession)) expect(fresh.value, fresh.name).not.toBe(jwt);
    expect((await tab.request.get("/api/session")).status()).toBe(200);
    await snap(tab, testInfo, "standalone-after-handshake");
    expect(errors, "no console errors in the renewed tab").toEqual([]);
  } finally {
    await context.close();
  }

  // Sign-out through Clerk's user menu: signed out on the server too.
  await signOutFromMenu(page);
  await page.waitForURL((url) => url.pathname === "/");
  await expect(page.getByTestId("sign-in-button")).toBeVisible();
  expect((await page.request.get("/api/session")).status()).toBe(401);
  const res = await page.goto("/dashboard");
  expect(new URL(res.url()).pathname).toBe("/sign-in");
});
