// Shared fixtures: every page must load without a browser console error
// and without a Content-Security-Policy violation, and pages are only
// interacted with once the WASM has hydrated them.
const base = require("@playwright/test");
const { execFileSync } = require("node:child_process");
const path = require("node:path");

/** Records `page`'s console errors and CSP violations into the given lists. */
async function watch(page, errors, violations) {
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.exposeFunction("__inkpadCspViolation", (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__inkpadCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

exports.test = base.test.extend({
  consoleErrors: [async ({}, use) => use([]), { auto: true }],
  cspViolations: [
    async ({ page, consoleErrors }, use, testInfo) => {
      const violations = [];
      await watch(page, consoleErrors, violations);
      await use(violations);
      // The summary reporter adds these up for the run's closing line.
      testInfo.annotations.push({ type: "csp-violations", description: String(violations.length) });
      base.expect(violations, "no Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
  /** Opens a page in a fresh browser context, watched like the main page. */
  openPage: async ({ browser, consoleErrors, cspViolations }, use) => {
    const contexts = [];
    await use(async (options = {}) => {
      const context = await browser.newContext(options);
      contexts.push(context);
      const page = await context.newPage();
      await watch(page, consoleErrors, cspViolations);
      return page;
    });
    for (const context of contexts) await context.close();
  },
});

exports.expect = base.expect;

/** Waits until the app has hydrated the server-rendered page. */
exports.hydrated = async (page) => {
  await page.locator("html[data-hydrated=true]").waitFor({ timeout: 20_000 });
};

/** Saves a full-page screenshot into this test's output folder. */
exports.snap = async (page, testInfo, name) => {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
};

/**
 * A call to the app's JSON API made by the page itself (`fetch`), so the
 * browser attaches the session cookie and says where it comes from, as the
 * app's own scripts do. Returns `{status, json}`.
 */
exports.call = (page, method, url, body) =>
  page.evaluate(
    async ([method, url, body]) => {
      const res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch (_) {}
      return { status: res.status, json };
    },
    [method, url, body],
  );

// Clerk's own widgets (clerk-js 6 and @clerk/ui 1, which the development
// instance serves), driven as a person would.

/** Signs in through Clerk's SignIn widget on /sign-in (email, then password), landing on `next`. */
exports.signIn = async (page, email, password, next = "/dashboard") => {
  await page.goto(`/sign-in?redirect_url=${encodeURIComponent(next)}`);
  await exports.hydrated(page);
  const widget = page.locator(".clerk-sign-in");
  await widget.getByLabel("Email address").fill(email);
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await widget.getByLabel("Password", { exact: true }).fill(password);
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await page.waitForURL((url) => url.pathname === next);
  await exports.hydrated(page);
};

/**
 * Fills Clerk's SignUp widget on /sign-up and submits it; Clerk then asks
 * for the code emailed to the address (the verify-email step). Returns the
 * widget.
 */
exports.startSignUp = async (page, email, first, last) => {
  await page.goto("/sign-up");
  await exports.hydrated(page);
  const widget = page.locator(".clerk-sign-up");
  await widget.getByLabel("First name").fill(first);
  await widget.getByLabel("Last name").fill(last);
  await widget.getByLabel("Email address").fill(email);
  await widget.getByLabel("Password", { exact: true }).fill("correct horse battery");
  // Clerk checks the password a moment after typing stops and writes its
  // verdict under the field, pushing the button down: a click aimed before
  // that lands on the gap (seen in CI). Click once the verdict is there, as
  // a person reading the form would.
  await base.expect(widget.locator("#password-success-feedback")).toContainText("meets all the necessary requirements");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await page.waitForURL("**/sign-up/verify-email-address");
  await base.expect(widget.getByLabel("Enter verification code")).toBeVisible();
  return widget;
};

/**
 * The newest code the development instance's mailbox holds for `email`
 * (what its console shows), waiting for it to arrive.
 */
exports.mailedCode = async (page, email) => {
  let code = null;
  await base
    .expect.poll(async () => {
      const res = await page.request.get("/__clerk/console/api/mailbox", { params: { to: email } });
      const messages = res.ok() ? await res.json() : [];
      code = (messages.find((m) => m.code) || {}).code || null;
      return code;
    }, { message: `a code in the mailbox for ${email}` })
    .not.toBeNull();
  return code;
};

/** Types the emailed code into Clerk's verify-email step; Clerk then sends the writer to /onboarding. */
exports.enterEmailCode = async (page, email) => {
  const widget = page.locator(".clerk-sign-up");
  await widget.getByLabel("Enter verification code").fill(await exports.mailedCode(page, email));
  await page.waitForURL("**/onboarding");
  await exports.hydrated(page);
};

/** Signs up through Clerk's SignUp widget, code and all; Clerk then sends the writer to /onboarding. */
exports.signUp = async (page, email, first, last) => {
  await exports.startSignUp(page, email, first, last);
  await exports.enterEmailCode(page, email);
};

/**
 * Waits until `locator` stops moving (its box the same across two looks):
 * Clerk's popovers open, then grow and reposition as their lists load, and a
 * click aimed at a moving item hits whatever slides under it.
 */
exports.steady = async (locator) => {
  let last = "";
  await base.expect
    .poll(async () => {
      const box = JSON.stringify(await locator.boundingBox());
      const same = box === last;
      last = box;
      return same;
    }, { intervals: [200] })
    .toBe(true);
};

/** Opens Clerk's user button menu (the header's avatar), unless it is open, and returns the menu. */
exports.openUserMenu = async (page) => {
  const menu = page.locator(".cl-userButtonPopoverCard");
  if (!(await menu.isVisible())) await page.locator(".cl-userButtonTrigger").click();
  await menu.waitFor();
  await exports.steady(menu);
  return menu;
};

/** Signs out from Clerk's user button menu. */
exports.signOutFromMenu = async (page) => {
  const menu = await exports.openUserMenu(page);
  await menu.getByRole("menuitem", { name: "Sign out" }).or(menu.getByRole("button", { name: "Sign out" })).first().click();
};

/** The development instance's keys, read from the end-to-end database. */
exports.instanceSecrets = () => {
  const db = path.resolve(__dirname, "../../target/e2e/app.db");
  const out = execFileSync("python3", [
    "-c",
    "import sqlite3,sys,json; r=sqlite3.connect(sys.argv[1]).execute('SELECT secret_key, webhook_secret FROM clerk_dev_instance').fetchone(); print(json.dumps(r))",
    db,
  ]);
  const [secretKey, webhookSecret] = JSON.parse(out.toString());
  return { secretKey, webhookSecret };
};
