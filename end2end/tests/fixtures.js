// Shared fixtures: every page must load without a browser console error
// and without a Content-Security-Policy violation, and pages are only
// interacted with once the WASM has hydrated them.
const base = require("@playwright/test");

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
