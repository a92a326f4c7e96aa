const { test, expect, hydrated, signIn } = require("./fixtures");
test("explore", async ({ page }) => {
  test.setTimeout(60000);
  await signIn(page, "admin@inkpad.dev", "inkpad-admin-demo");
  await page.evaluate(async () => { const m = window.Clerk.user.organizationMemberships.find((m) => m.organization.slug === "acme"); await window.Clerk.setActive({ organization: m.organization.id }); });
  await page.goto("/organization");
  await hydrated(page);
  await page.waitForTimeout(2000);
  const html = await page.locator(".clerk-organization-profile").evaluate((e) => e.outerHTML.slice(0, 600));
  console.log(html);
  const shown = await page.locator(".clerk-organization-profile .widget-loading").isVisible();
  console.log("loading visible", shown);
  await page.getByRole("button", { name: "General" }).click();
  await page.waitForTimeout(500);
  console.log(page.url());
  await page.getByRole("button", { name: "Delete organization" }).first().click();
  await page.waitForTimeout(500);
  console.log(await page.locator(".clerk-organization-profile").ariaSnapshot());
});
