// The first load stays within its budget (end2end/budgets.json): a size
// check, not a timing, so it is stable. It catches what no other test
// sees — a dependency that grows the browser bundle, or read-only data
// slipping out of the lazy islands into the first-load module.
const { test, expect } = require("./fixtures");
const { firstLoad } = require("../payload");
const { pages } = require("../budgets.json");

for (const [path, budget] of Object.entries(pages)) {
  test(`a first load of ${path} stays within ${budget} bytes gzip`, async ({ browser, baseURL }) => {
    const load = await firstLoad(browser, baseURL, path);
    const files = load.files.map((f) => `${f.url} ${f.gzip}`).join(", ");
    console.log(`payload: ${path} ${load.raw} raw, ${load.gzip} gzip, ${load.brotli} brotli (${files})`);
    expect(load.files.length, "the page loads its WASM").toBeGreaterThan(0);
    expect(load.gzip, `${path}: ${files}`).toBeLessThanOrEqual(budget);
  });
}
