// Organizations through Clerk's own widgets (clerk-js 6 and @clerk/ui 1,
// mounted from Rust): the admin creates an organization with
// CreateOrganization and invites the free user from OrganizationProfile;
// the free user accepts through the link the development instance's
// console holds (its mailbox), switches with the OrganizationSwitcher and
// reads the organization's posts; as org:member they cannot delete the
// admin's post; the personal space hides it; deleting the organization
// removes it once Clerk's webhook arrives.
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { test, expect, hydrated, snap, call, signIn, steady } = require("./fixtures");

// A forced delete of someone else's post is refused on purpose (403).
const expectedErrors = /status of 403/;
test.afterEach(async ({ consoleErrors }) => {
  expect(consoleErrors.filter((e) => !expectedErrors.test(e)), "no console errors").toEqual([]);
});

/** How many posts titled `title` the app's database holds. */
function postsTitled(title) {
  const db = path.resolve(__dirname, "../../target/e2e/app.db");
  return Number(
    execFileSync("python3", [
      "-c",
      "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM posts WHERE title = ?', (sys.argv[2],)).fetchone()[0])",
      db,
      title,
    ])
      .toString()
      .trim(),
  );
}

/** Opens the header's OrganizationSwitcher and returns its popover. */
async function openSwitcher(page) {
  const popover = page.locator(".cl-organizationSwitcherPopoverCard");
  if (!(await popover.isVisible())) await page.locator(".cl-organizationSwitcherTrigger").click();
  await popover.waitFor();
  await steady(popover);
  return popover;
}

/** Picks `name` (or "Personal account") in the switcher. */
async function switchTo(page, name) {
  const popover = await openSwitcher(page);
  await popover.getByText(name, { exact: true }).click();
  await expect(page.locator(".cl-organizationSwitcherTrigger")).toContainText(name);
}

test("an admin creates an organization and invites the free user, who joins through the console's link, reads its posts but cannot delete the admin's; deleting it removes them", async ({ page, openPage, consoleErrors }, testInfo) => {
  test.setTimeout(120_000);
  const name = `Globex ${Date.now()}`;
  const title = `Globex roadmap ${Date.now()}`;

  // The admin creates the organization from the switcher's link.
  const admin = await openPage();
  await signIn(admin, "admin@inkpad.dev", "inkpad-admin-demo");
  await expect(admin.getByTestId("space")).toContainText("personal space");
  const switcher = await openSwitcher(admin);
  await switcher.getByRole("menuitem", { name: "Create organization" }).or(switcher.getByRole("button", { name: "Create organization" })).first().click();
  await admin.waitForURL("**/organizations/new");
  await hydrated(admin);
  const create = admin.locator(".clerk-create-organization");
  await create.getByLabel("Name").fill(name);
  await snap(admin, testInfo, "create-organization");
  await create.getByRole("button", { name: "Create organization" }).click();
  await admin.waitForURL("**/dashboard");
  await hydrated(admin);
  await expect(admin.getByTestId("space")).toContainText("In the organization");
  await expect(admin.locator(".cl-organizationSwitcherTrigger")).toContainText(name);

  // …writes in it…
  const form = admin.getByRole("form", { name: "New post" });
  await form.getByLabel("Title").fill(title);
  await form.getByLabel("Content").fill("What the team builds next.");
  await form.getByRole("button", { name: "Publish" }).click();
  await expect(admin.getByTestId("post").filter({ hasText: title })).toBeVisible();

  // …and invites the free user from OrganizationProfile ("Manage").
  const menu = await openSwitcher(admin);
  await menu.getByRole("menuitem", { name: "Manage" }).or(menu.getByRole("button", { name: "Manage" })).first().click();
  await admin.waitForURL("**/organization**");
  await hydrated(admin);
  const profile = admin.locator(".clerk-organization-profile");
  await profile.getByRole("button", { name: "Members" }).click();
  await profile.getByRole("button", { name: "Invite" }).click();
  const emails = profile.getByRole("textbox", { name: /name@example\.com/ });
  await emails.fill("free@inkpad.dev");
  await emails.press("Enter");
  await profile.getByRole("button", { name: "Select role" }).click();
  await admin.getByRole("option", { name: "Member" }).or(admin.getByRole("button", { name: "Member", exact: true })).first().click();
  await profile.getByRole("button", { name: "Send invitations" }).click();
  await expect(profile.getByText(/Invitations successfully sent/)).toBeVisible();
  await snap(admin, testInfo, "organization-profile-invited");

  // The free user opens the invitation's link from the console (the
  // instance's mailbox): Clerk's SignIn redeems its ticket.
  await page.goto("/__clerk/");
  const link = page.getByRole("link", { name: `Accept the invitation of free@inkpad.dev to ${name}` });
  await expect(link).toBeVisible();
  await snap(page, testInfo, "console-invitation");
  await link.click();
  await page.waitForURL("**/dashboard");
  await hydrated(page);
  await expect(page.getByTestId("space")).toContainText("personal space");
  await expect(page.getByTestId("post").filter({ hasText: title })).toHaveCount(0);

  // The switcher lists the new organization; switching shows its posts.
  await openSwitcher(page);
  await snap(page, testInfo, "organization-switcher");
  await switchTo(page, name);
  await expect(page.getByTestId("space")).toContainText("In the organization");
  const post = page.getByTestId("post").filter({ hasText: title });
  await expect(post).toBeVisible();
  // org:member: no Edit or Delete on the admin's post…
  await expect(post.getByText("Delete", { exact: true })).toHaveCount(0);
  await expect(post.getByText("Edit", { exact: true })).toHaveCount(0);
  // …and, once the webhooks have brought them, the organization's name and
  // its two members.
  await expect
    .poll(async () => {
      await page.reload();
      await hydrated(page);
      return page.getByTestId("space").textContent();
    }, { timeout: 15_000 })
    .toContain(`${name} (2 members)`);
  await snap(page, testInfo, "organization-member-dashboard");
  // Forced, the server refuses: org:member has no org:posts:manage.
  const list = await call(page, "GET", "/api/protected/posts");
  const id = list.json.items.find((p) => p.title === title).id;
  const forced = await call(page, "DELETE", `/api/protected/posts/${id}`);
  expect(forced.status).toBe(403);
  expect(forced.json.error).toBe("Forbidden");

  // Back to the personal space: gone from the list.
  await switchTo(page, "Personal account");
  await expect(page.getByTestId("space")).toContainText("personal space");
  await expect(page.getByTestId("post").filter({ hasText: title })).toHaveCount(0);

  // The admin deletes the organization in OrganizationProfile; Clerk's
  // organization.deleted reaches the app and the post is gone.
  await admin.goto("/organization");
  await hydrated(admin);
  await profile.getByRole("button", { name: "General" }).click();
  await profile.getByRole("button", { name: "Delete organization" }).click();
  await profile.getByRole("textbox", { name: `Type "${name}" below to continue.` }).fill(name);
  const confirm = profile.getByRole("button", { name: "Delete organization" }).last();
  await expect(confirm).toBeEnabled();
  await snap(admin, testInfo, "organization-delete");
  await confirm.click();
  await expect.poll(() => postsTitled(title), { timeout: 15_000 }).toBe(0);
});
