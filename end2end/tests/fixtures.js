// Shared fixtures: every page must load without a browser console error,
// and pages are only interacted with once the WASM has hydrated them.
const base = require("@playwright/test");

exports.test = base.test.extend({
  consoleErrors: [
    async ({ page }, use) => {
      const errors = [];
      page.on("console", (msg) => {
        if (msg.type() === "error") errors.push(msg.text());
      });
      page.on("pageerror", (err) => errors.push(String(err)));
      await use(errors);
    },
    { auto: true },
  ],
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
