// Clerk's own browser code against the development instance, offline:
// clerk-js 6.40.0 and @clerk/ui 1.36.0 as scripts/bootstrap installs them
// (target/clerk-bundles). The app asks for the entry scripts at Clerk's
// unversioned paths, where this server answers with its own small script;
// here the browser is handed Clerk's builds there instead, and everything
// they load after that — their chunks from the instance's versioned paths,
// every frontend API call — goes to the server as it would in production.
const path = require("node:path");
const { test, expect, hydrated, snap } = require("./fixtures");

const bundles = path.resolve(__dirname, "../../target/clerk-bundles/@clerk");

// Refused on purpose: the wrong password (422) and the revoked session's
// touch (401).
const expectedErrors = /status of (401|422)/;
test.afterEach(async ({ consoleErrors }) => {
  expect(consoleErrors.filter((e) => !expectedErrors.test(e)), "no console errors").toEqual([]);
});

async function useOfficialClerk(page) {
  await page.route(/\/__clerk\/npm\/@clerk\/clerk-js@6\/dist\/clerk\.browser\.js$/, (route) =>
    route.fulfill({ path: `${bundles}/clerk-js@6.40.0/dist/clerk.browser.js`, contentType: "text/javascript" }),
  );
  await page.route(/\/__clerk\/npm\/@clerk\/ui@1\/dist\/ui\.browser\.js$/, (route) =>
    route.fulfill({ path: `${bundles}/ui@1.36.0/dist/ui.browser.js`, contentType: "text/javascript" }),
  );
}

/** Signs in through Clerk's own SignIn widget (identifier, then password). */
async function signInOfficially(page, email, password, next = "/dashboard") {
  await page.goto(`/sign-in?redirect_url=${encodeURIComponent(next)}`);
  await hydrated(page);
  const widget = page.locator(".clerk-sign-in");
  await widget.getByLabel("Email address").fill(email);
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await widget.getByLabel("Password", { exact: true }).fill(password);
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await page.waitForURL((url) => url.pathname === next);
  await hydrated(page);
}

test("Clerk's own clerk-js 6 and @clerk/ui 1: the official sign-in (a wrong password refused), Clerk's user button, and sign-out", async ({ page }, testInfo) => {
  await useOfficialClerk(page);
  await page.goto("/sign-in?redirect_url=%2Fdashboard");
  await hydrated(page);
  const widget = page.locator(".clerk-sign-in");
  await expect(widget.getByText("Sign in to Inkpad")).toBeVisible();
  await snap(page, testInfo, "official-sign-in");

  await widget.getByLabel("Email address").fill("free@inkpad.dev");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  const password = widget.getByLabel("Password", { exact: true });
  await password.fill("not the password");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(widget.getByText(/password is incorrect/i)).toBeVisible();
  await snap(page, testInfo, "official-wrong-password");
  await password.fill("inkpad-free-demo");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();

  await page.waitForURL((url) => url.pathname === "/dashboard");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Your posts" })).toBeVisible();
  expect((await page.request.get("/api/session")).status()).toBe(200);
  // Clerk's own user button, mounted from Rust.
  await page.locator(".cl-userButtonTrigger").click();
  const menu = page.locator(".cl-userButtonPopoverCard");
  await expect(menu).toContainText("free@inkpad.dev");
  await snap(page, testInfo, "official-user-button");
  await menu.getByRole("menuitem", { name: "Sign out" }).or(menu.getByRole("button", { name: "Sign out" })).first().click();
  await page.waitForURL((url) => url.pathname === "/");
  await hydrated(page);
  await expect(page.getByTestId("sign-in-button")).toBeVisible();
  expect((await page.request.get("/api/session")).status()).toBe(401);
});

test("Clerk's own SignUp widget creates the account and the app takes the new session, on both sides", async ({ page }, testInfo) => {
  await useOfficialClerk(page);
  const email = `official.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto("/sign-up");
  await hydrated(page);
  const widget = page.locator(".clerk-sign-up");
  await expect(widget.getByText("Create your account")).toBeVisible();
  await widget.getByLabel("Email address").fill(email);
  await widget.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await page.waitForURL((url) => url.pathname === "/onboarding");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Welcome to Inkpad" })).toBeVisible();
  await snap(page, testInfo, "official-signed-up");
  const session = await page.request.get("/api/session");
  expect(session.status()).toBe(200);
  expect(await page.evaluate(() => window.Clerk.user.primaryEmailAddress.emailAddress)).toBe(email);
});

test("with Clerk's own clerk-js, a session revoked from the console sends the open tab to sign-in", async ({ page }) => {
  await useOfficialClerk(page);
  await signInOfficially(page, "pro@inkpad.dev", "inkpad-pro-demo");
  await page.waitForFunction(() => window.Clerk && window.Clerk.session);
  const sid = await page.evaluate(() => window.Clerk.session.id);
  const revoked = await page.evaluate(async (sid) => (await fetch(`/__clerk/console/api/sessions/${sid}/revoke`, { method: "POST" })).status, sid);
  expect(revoked).toBe(200);
  // The tab comes back into focus: clerk-js touches the session, hears it
  // is gone, and the app sends the tab to sign in and back.
  await page.evaluate(() => window.dispatchEvent(new Event("focus")));
  await page.waitForURL((url) => url.pathname === "/sign-in" && url.searchParams.get("redirect_url") === "/dashboard");
  expect((await page.request.get("/api/session")).status()).toBe(401);
});
