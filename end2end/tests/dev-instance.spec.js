// The local Clerk development instance in a real browser: its console with
// Clerk's own widgets, and — for machines without Clerk's builds — its own
// small fallback script, whose widgets sign up, sign out and sign in too.
const fs = require("node:fs");
const path = require("node:path");
const { test, expect, hydrated, snap, mailedCode, openUserMenu, signOutFromMenu } = require("./fixtures");

/**
 * What the instance serves when scripts/bootstrap could not fetch Clerk's
 * builds: its own clerk.browser.js at clerk-js's entry path and an empty
 * script at @clerk/ui's. (This server has the builds, so the browser is
 * handed the fallback here instead.)
 */
async function useFallbackScript(page) {
  const script = fs.readFileSync(path.resolve(__dirname, "../../crates/clerk-dev/src/clerk.browser.js"), "utf8");
  await page.route(/\/__clerk\/npm\/@clerk\/clerk-js@6\/dist\/clerk\.browser\.js$/, (route) =>
    route.fulfill({ body: script, contentType: "application/javascript" }),
  );
  await page.route(/\/__clerk\/npm\/@clerk\/ui@1\/dist\/ui\.browser\.js$/, (route) =>
    route.fulfill({ body: "/* no @clerk/ui */", contentType: "application/javascript" }),
  );
}

const expectedErrors = /status of (401|422)/; // a refused sign-in is a 422 the page shows
test.afterEach(async ({ consoleErrors }) => {
  expect(consoleErrors.filter((e) => !expectedErrors.test(e)), "no console errors").toEqual([]);
});

test("the fallback script: sign up, see the account, sign out and sign back in", async ({ page }, testInfo) => {
  await useFallbackScript(page);
  const email = `grace.${Date.now()}@example.com`;
  await page.goto("/__clerk/?mode=sign-up");
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await snap(page, testInfo, "dev-console-sign-up");

  // Validation before anything is sent.
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("alert")).toHaveText("Passwords must be 8 characters or more.");

  await page.getByLabel("First name").fill("Grace");
  await page.getByLabel("Last name").fill("Hopper");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByLabel("Password").press("Enter");
  // The address proves itself with the code from the instance's mailbox,
  // which the console lists (its table shows the message too).
  await expect(page.getByRole("heading", { name: "Verify your email" })).toBeVisible();
  const code = await mailedCode(page, email);
  await expect(page.locator(`#mailbox tr[data-message-to="${email}"] [data-code]`)).toHaveText(code, { timeout: 10000 });
  await snap(page, testInfo, "dev-console-verify-email");
  await page.getByLabel("Verification code").fill(code);
  await page.getByLabel("Verification code").press("Enter");
  const avatar = page.getByRole("button", { name: /Open account menu for Grace Hopper/ });
  await expect(avatar).toHaveText("GH");
  await expect(page.getByRole("status")).toHaveText("Signed in as Grace Hopper.");
  await snap(page, testInfo, "dev-console-signed-in");

  // The app's server-rendered header knows who is signed in: the session
  // cookie the script set was verified on the server. (It says "Your
  // account" until the user's name reaches the app's table by webhook.)
  await page.goto("/");
  await hydrated(page);
  await expect(page.locator(".signed-in-as")).toHaveText(/^(Grace Hopper|Your account)$/);
  await expect(page.getByRole("link", { name: "Dashboard" })).toBeVisible();
  await snap(page, testInfo, "landing-signed-in");

  // The user button's menu, by keyboard: email, manage account, sign out.
  await page.goto("/__clerk/");
  await avatar.focus();
  await page.keyboard.press("Enter");
  const menu = page.getByRole("menu");
  await expect(menu).toContainText(email);
  await expect(page.getByRole("menuitem", { name: "Manage account" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await avatar.click();
  await page.getByRole("menuitem", { name: "Manage account" }).click();
  const dialog = page.getByRole("dialog", { name: "Manage account" });
  await dialog.getByLabel("First name").fill("Amazing Grace");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("Signed in as Amazing Grace Hopper.");
  await snap(page, testInfo, "dev-console-renamed");

  await page.getByRole("button", { name: /Open account menu/ }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.goto("/");
  await expect(page.locator(".signed-in-as")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Sign in" }).first()).toBeVisible();

  // A wrong password is refused with a clear message; the right one works.
  await page.goto("/__clerk/");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill("wrong password!");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("alert")).toHaveText("Email address or password is incorrect.");
  await snap(page, testInfo, "dev-console-wrong-password");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("status")).toHaveText("Signed in as Amazing Grace Hopper.");
});

test("demo accounts sign in on the console through Clerk's SignIn, and an admin is an admin on the server", async ({ page }, testInfo) => {
  await page.goto("/__clerk/");
  await expect(page.getByRole("table").filter({ hasText: "Development password" })).toContainText("admin@inkpad.dev");
  const widget = page.locator("#account");
  await widget.getByLabel("Email address").fill("admin@inkpad.dev");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await widget.getByLabel("Password", { exact: true }).fill("inkpad-admin-demo");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("Signed in as Ada Admin.");
  const res = await page.request.get("/api/session");
  expect(res.status()).toBe(200);
  const me = await res.json();
  expect([me.role, me.plan]).toEqual(["admin", "pro"]);
  await expect(await openUserMenu(page)).toContainText("admin@inkpad.dev");
  await snap(page, testInfo, "dev-console-admin");
  // Leave signed out for the other journeys.
  await signOutFromMenu(page);
  await expect(page.getByRole("status")).toHaveText("Signed out.");
  expect((await page.request.get("/api/session")).status()).toBe(401);
});

test("the console changes a plan and shows the webhook it queued", async ({ page }, testInfo) => {
  await page.goto("/__clerk/");
  const row = page.locator('tr[data-user="free@inkpad.dev"]');
  await expect(row).toBeVisible();
  const plan = page.getByRole("combobox", { name: "Plan for free@inkpad.dev" });
  await expect(plan).toHaveValue("free");
  // Wait for the console's own call: earlier journeys' user.updated
  // entries are already listed, so the list alone cannot tell.
  const changed = (res) => res.url().includes("/__clerk/console/api/users/") && res.request().method() === "POST";
  await Promise.all([page.waitForResponse(changed), plan.selectOption("pro")]);
  await expect(page.locator("#webhooks")).toContainText("user.updated");
  await page.reload();
  await expect(page.getByRole("combobox", { name: "Plan for free@inkpad.dev" })).toHaveValue("pro");
  await snap(page, testInfo, "dev-console-admin-panel");
  // Put the demo account back as it was.
  await Promise.all([
    page.waitForResponse(changed),
    page.getByRole("combobox", { name: "Plan for free@inkpad.dev" }).selectOption("free"),
  ]);
  await page.reload();
  await expect(page.getByRole("combobox", { name: "Plan for free@inkpad.dev" })).toHaveValue("free");
});
