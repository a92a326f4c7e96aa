const { test, expect, hydrated, snap } = require("./fixtures");

test.afterEach(async ({ consoleErrors }, testInfo) => {
  // Chromium logs the 404 status of a not-found document itself; nothing else may appear.
  const expected = testInfo.title.includes("404") ? /status of 404/ : null;
  const unexpected = consoleErrors.filter((e) => !(expected && expected.test(e)));
  expect(unexpected, "no console errors").toEqual([]);
});

test("landing page renders on the server before any script runs", async ({ browser }, testInfo) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Write, publish and own your words.");
  await expect(page.getByTestId("writers")).toHaveText(/^\d+$/);
  await expect(page).toHaveTitle("Inkpad");
  await snap(page, testInfo, "landing-no-js");
  await context.close();
});

test("landing page hydrates and its billing switch works", async ({ page }, testInfo) => {
  await page.goto("/");
  await hydrated(page);
  await expect(page.getByTestId("pro-price")).toHaveText("$10");
  await page.getByRole("radio", { name: "Yearly" }).click();
  await expect(page.getByRole("radio", { name: "Yearly" })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByTestId("pro-price")).toHaveText("$96");
  await expect(page.getByTestId("pro-period")).toContainText("/year");
  await page.getByRole("radio", { name: "Monthly" }).press("Enter");
  await expect(page.getByTestId("pro-price")).toHaveText("$10");
  await snap(page, testInfo, "landing");
});

test("live stats refresh through a server function round trip", async ({ page }, testInfo) => {
  await page.goto("/");
  await hydrated(page);
  const before = await page.getByTestId("checked-at").textContent();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/site_stats") && r.request().method() === "POST"),
    page.getByRole("button", { name: "Refresh" }).click(),
  ]);
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(typeof body.writers).toBe("number");
  await expect(page.getByTestId("writers")).toHaveText(String(body.writers));
  await expect(page.getByRole("button", { name: "Refresh" })).toBeEnabled();
  expect(before).toMatch(/checked \d\d:\d\d:\d\d UTC/);
  await snap(page, testInfo, "landing-refreshed");
});

test("the layout adapts to a phone screen", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto("/");
  await hydrated(page);
  await expect(page.getByRole("link", { name: "Sign up" }).first()).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow, "no horizontal scrolling").toBe(false);
  await snap(page, testInfo, "landing-mobile");
});

test("cards side by side line up: feature and plan cards share their row's top", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto("/");
  await hydrated(page);
  for (const grid of [".feature-grid", ".plan-grid"]) {
    const tops = await page.locator(`${grid} > .card`).evaluateAll((cards) => cards.map((c) => Math.round(c.getBoundingClientRect().top)));
    expect(tops.length, grid).toBeGreaterThan(1);
    expect(new Set(tops).size, `${grid} card tops: ${tops}`).toBe(1);
  }
});

test("unknown pages show the 404 page", async ({ page }, testInfo) => {
  const response = await page.goto("/definitely/not/here");
  expect(response.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("We couldn't find that page");
  await hydrated(page);
  await page.getByRole("link", { name: "Back to the home page" }).click();
  await expect(page).toHaveURL(/\/$/);
  await snap(page, testInfo, "not-found");
});
