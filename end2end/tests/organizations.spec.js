// Organizations on Clerk's own clerk-js: the seeded "Acme" (the admin demo
// user its org:admin, the pro demo user an org:member). Clerk's
// OrganizationSwitcher is not served yet, so the switch is the call it
// makes: `Clerk.setActive({ organization })`.
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { test, expect, hydrated, snap, call, signIn } = require("./fixtures");

// A forced delete of someone else's post is refused on purpose (403).
const expectedErrors = /status of 403/;
test.afterEach(async ({ consoleErrors }) => {
  expect(consoleErrors.filter((e) => !expectedErrors.test(e)), "no console errors").toEqual([]);
});

/** Switches the tab's session to `organization` (an id, or null for the personal space). */
async function switchTo(page, organization) {
  await page.waitForFunction(() => window.Clerk && window.Clerk.loaded && window.Clerk.user);
  const id = await page.evaluate(async (slug) => {
    const membership = window.Clerk.user.organizationMemberships.find((m) => m.organization.slug === slug);
    const id = slug === null ? null : membership.organization.id;
    await window.Clerk.setActive({ organization: id });
    return id;
  }, organization);
  return id;
}

function secretKey() {
  const db = path.resolve(__dirname, "../../target/e2e/app.db");
  return execFileSync("python3", [
    "-c",
    "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT secret_key FROM clerk_dev_instance').fetchone()[0])",
    db,
  ]).toString().trim();
}

test("in Acme, a member reads the admin's post but cannot delete it; the personal space hides it; deleting Acme removes it", async ({ page, openPage, request, consoleErrors }, testInfo) => {
  const title = `Acme roadmap ${Date.now()}`;
  // The admin writes in Acme.
  const admin = await openPage();
  await signIn(admin, "admin@inkpad.dev", "inkpad-admin-demo");
  await expect(admin.getByTestId("space")).toContainText("personal space");
  const acme = await switchTo(admin, "acme");
  await expect(admin.getByTestId("space")).toContainText("In the organization acme");
  const form = admin.getByRole("form", { name: "New post" });
  await form.getByLabel("Title").fill(title);
  await form.getByLabel("Content").fill("What the team builds next.");
  await form.getByRole("button", { name: "Publish" }).click();
  await expect(admin.getByTestId("post").filter({ hasText: title })).toBeVisible();

  // The member, in their personal space, does not see it…
  await signIn(page, "pro@inkpad.dev", "inkpad-pro-demo");
  await expect(page.getByTestId("space")).toContainText("personal space");
  await expect(page.getByTestId("post").filter({ hasText: title })).toHaveCount(0);
  // …switches to Acme and does: no Edit or Delete on it.
  await switchTo(page, "acme");
  await expect(page.getByTestId("space")).toContainText("In the organization acme");
  const post = page.getByTestId("post").filter({ hasText: title });
  await expect(post).toBeVisible();
  await expect(post.getByText("Delete", { exact: true })).toHaveCount(0);
  await expect(post.getByText("Edit", { exact: true })).toHaveCount(0);
  await snap(page, testInfo, "organization-member-dashboard");
  // Forced, the server refuses: org:member has no org:posts:manage.
  const list = await call(page, "GET", "/api/protected/posts");
  const id = list.json.items.find((p) => p.title === title).id;
  const forced = await call(page, "DELETE", `/api/protected/posts/${id}`);
  expect(forced.status).toBe(403);
  expect(forced.json.error).toBe("Forbidden");

  // Back to the personal space: gone from the list.
  await switchTo(page, null);
  await expect(page.getByTestId("space")).toContainText("personal space");
  await expect(page.getByTestId("post").filter({ hasText: title })).toHaveCount(0);

  // Deleting Acme (Clerk's Backend API): organization.deleted reaches the
  // app and the post is gone, even for the admin.
  const res = await request.delete(`/__clerk/api/v1/organizations/${acme}`, {
    headers: { authorization: `Bearer ${secretKey()}` },
  });
  expect(res.status()).toBe(200);
  await expect
    .poll(async () => (await call(admin, "GET", `/api/protected/posts/${id}`)).status, { timeout: 15_000 })
    .toBe(404);
  // That look-up's 404 is the answer waited for.
  for (let i = consoleErrors.findIndex((e) => /status of 404/.test(e)); i >= 0; i = consoleErrors.findIndex((e) => /status of 404/.test(e))) {
    consoleErrors.splice(i, 1);
  }
});
