// The product's journeys in Chromium, against the release build and the
// local Clerk development instance running Clerk's own clerk-js 6 and
// @clerk/ui 1: the guide's six checks, a new writer's first posts, an
// upgrade without signing out, a step-up, a revoked session, deleting an
// account in Clerk's UserProfile, and no secret in any page, script or WASM.
const { test, expect, hydrated, snap, call, signIn, signUp, startSignUp, mailedCode, enterEmailCode, openUserMenu, signOutFromMenu, instanceSecrets } = require("./fixtures");

// Refusals the journeys provoke on purpose show up as resource errors.
// (A 400 is the dashboard's validation message, provoked on purpose.)
const expectedErrors = /status of (400|401|403|422)/;
test.afterEach(async ({ consoleErrors }) => {
  expect(consoleErrors.filter((e) => !expectedErrors.test(e)), "no console errors").toEqual([]);
});

const unique = (name) => `${name}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;

/** What Clerk does when a tab regains focus: refresh the session, then tell listeners. */
async function refocus(page) {
  await page.evaluate(() => window.dispatchEvent(new Event("focus")));
}

test("guide check: unauthenticated /dashboard goes to sign-in and back after signing in", async ({ page }, testInfo) => {
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in\?redirect_url=%2Fdashboard$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Welcome back" })).toBeVisible();
  await snap(page, testInfo, "sign-in");
  // Clerk's SignIn widget: the email, then the password; a wrong one is
  // refused in Clerk's words.
  const widget = page.locator(".clerk-sign-in");
  await expect(widget.getByText("Sign in to Inkpad")).toBeVisible();
  await widget.getByLabel("Email address").fill("free@inkpad.dev");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  const password = widget.getByLabel("Password", { exact: true });
  await password.fill("not the password");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(widget.getByText(/password is incorrect/i)).toBeVisible();
  await snap(page, testInfo, "sign-in-wrong-password");
  await password.fill("inkpad-free-demo");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard");
  await expect(page.getByRole("heading", { name: "Your posts" })).toBeVisible();
  await expect(page.getByTestId("user-button")).toBeVisible();
});

test("guide checks: protected API without auth is 401, unsigned webhook is 400", async ({ request }) => {
  for (const [method, url] of [
    ["get", "/api/protected/posts"],
    ["get", "/api/user/profile"],
    ["post", "/api/premium/generate"],
    ["get", "/api/admin/users"],
  ]) {
    const res = await request[method](url);
    expect(res.status(), url).toBe(401);
    expect((await res.json()).error).toBe("Unauthenticated");
  }
  const hook = await request.post("/api/webhooks/clerk", { data: { type: "user.created", data: {} } });
  expect(hook.status()).toBe(400);
  const forged = await request.post("/api/webhooks/clerk", {
    data: { type: "user.deleted", timestamp: Date.now(), data: { id: "user_x" } },
    headers: { "svix-id": "msg_x", "svix-timestamp": String(Math.floor(Date.now() / 1000)), "svix-signature": "v1,Zm9yZ2Vk" },
  });
  expect(forged.status()).toBe(400);
});

test("guide checks: /admin as a member is the unauthorized page; another's post cannot be deleted", async ({ page, openPage }, testInfo) => {
  await signIn(page, "free@inkpad.dev", "inkpad-free-demo");
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/unauthorized$/);
  await expect(page.getByRole("heading", { name: "You don't have access to that page" })).toBeVisible();
  await snap(page, testInfo, "unauthorized");

  // The pro demo user writes a post; the free user tries to delete it.
  const otherPage = await openPage();
  await signIn(otherPage, "pro@inkpad.dev", "inkpad-pro-demo");
  const created = await call(otherPage, "POST", "/api/protected/posts", { title: "Mine alone", content: "Hands off." });
  expect(created.status).toBe(201);
  const post = created.json;
  const del = await call(page, "DELETE", `/api/protected/posts/${post.id}`);
  expect(del.status).toBe(403);
  expect(del.json.error).toBe("Forbidden");
  expect((await call(otherPage, "GET", `/api/protected/posts/${post.id}`)).status).toBe(200);
  expect((await call(otherPage, "DELETE", `/api/protected/posts/${post.id}`)).status).toBe(204);

  // The same delete forged from another site, with the owner's cookies:
  // refused before anything reads it.
  const forged = await otherPage.request.delete(`/api/protected/posts/${post.id}`, {
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
  });
  expect(forged.status()).toBe(403);
});

test("a new writer: sign-up, onboarding, dashboard, create, edit, delete, sign-out", async ({ page, openPage }, testInfo) => {
  const email = unique("ada");
  // Clerk's default: the address proves itself with a code before the
  // account exists. The development instance's mailbox holds it; a wrong
  // one is refused under the code field.
  const widget = await startSignUp(page, email, "Ada", "Lovelace");
  await expect(widget).toContainText(email);
  const code = await mailedCode(page, email);
  await widget.getByLabel("Enter verification code").fill(code === "000000" ? "111111" : "000000");
  await expect(widget).toContainText("Incorrect code");
  await expect(page).toHaveURL(/\/sign-up\/verify-email-address/);
  await snap(page, testInfo, "sign-up-verify-email");
  await enterEmailCode(page, email);
  await expect(page.getByRole("heading", { name: "Welcome to Inkpad" })).toBeVisible();
  await expect(page.getByTestId("onboarding-plan")).toContainText("You're on Free");
  await expect(page.getByLabel("First name")).toHaveValue("Ada");
  await snap(page, testInfo, "onboarding");
  await page.getByLabel("First name").fill("Augusta Ada");
  await page.getByRole("button", { name: "Save my name" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");
  await expect(page.locator(".site-header .signed-in-as")).toHaveText("Augusta Ada Lovelace");

  await page.getByRole("link", { name: "Continue to your dashboard" }).click();
  await page.waitForURL("**/dashboard");
  await hydrated(page);
  await expect(page.getByTestId("no-posts")).toBeVisible();

  // Validation comes from the server's rules, shown where the writer is.
  const form = page.getByRole("form", { name: "New post" });
  await form.getByRole("button", { name: "Publish" }).click();
  // Each message sits under the field it is about.
  await expect(page.getByTestId("title-error")).toHaveText("Give your post a title.");
  await expect(page.getByTestId("content-error")).toHaveText("Write something before saving.");
  await expect(form.getByLabel("Title")).toHaveAttribute("aria-invalid", "true");
  await snap(page, testInfo, "dashboard-field-errors");
  await form.getByLabel("Title").fill("Notes on the Engine");
  await form.getByLabel("Content").fill("The Analytical Engine weaves algebraic patterns.");
  await form.getByRole("button", { name: "Publish" }).click();
  const post = page.getByTestId("post");
  await expect(post).toHaveCount(1);
  await expect(post.getByRole("heading")).toHaveText("Notes on the Engine");
  await expect(form.getByLabel("Title")).toHaveValue("");
  await snap(page, testInfo, "dashboard");

  await post.locator("summary", { hasText: "Edit" }).click();
  await post.getByLabel("Title").fill("Notes on the Analytical Engine");
  await post.getByRole("button", { name: "Save" }).click();
  await expect(post.getByRole("heading")).toHaveText("Notes on the Analytical Engine");
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("post").getByRole("heading")).toHaveText("Notes on the Analytical Engine");

  await page.getByTestId("post").locator("summary", { hasText: "Delete" }).click();
  await page.getByRole("button", { name: "Confirm delete" }).click();
  await expect(page.getByTestId("no-posts")).toBeVisible();

  // Guide check: the sign-up reached the app's users table (by webhook),
  // as an admin sees it.
  const adminPage = await openPage();
  await signIn(adminPage, "admin@inkpad.dev", "inkpad-admin-demo", "/admin");
  await adminPage.getByLabel("Search by email or name").fill(email);
  await adminPage.getByRole("button", { name: "Search" }).click();
  await expect(adminPage.locator(`tr[data-email="${email}"]`)).toContainText("Augusta Ada Lovelace");

  // Sign out from Clerk's user button in the header.
  const menu = await openUserMenu(page);
  await expect(menu).toContainText(email);
  await snap(page, testInfo, "user-button-menu");
  await signOutFromMenu(page);
  await page.waitForURL((url) => url.pathname === "/");
  await expect(page.getByTestId("sign-in-button")).toBeVisible();
  expect((await page.request.get("/api/session")).status()).toBe(401);
});

test("a free writer is upgraded by an admin and gets the Pro feature without signing out", async ({ page, openPage }, testInfo) => {
  const email = unique("grace");
  await signUp(page, email, "Grace", "Hopper");
  await page.goto("/premium");
  await hydrated(page);
  await expect(page.getByTestId("upgrade-prompt")).toBeVisible();
  await snap(page, testInfo, "premium-upgrade-prompt");
  expect((await call(page, "POST", "/api/premium/generate")).status).toBe(403);
  const post = await call(page, "POST", "/api/protected/posts", { title: "Compilers", content: "one two three four" });
  expect(post.status).toBe(201);

  const adminPage = await openPage();
  await signIn(adminPage, "admin@inkpad.dev", "inkpad-admin-demo", "/admin");
  await adminPage.getByLabel("Search by email or name").fill(email);
  await adminPage.getByRole("button", { name: "Search" }).click();
  await adminPage.getByRole("combobox", { name: `Plan of ${email}` }).selectOption("pro");
  await expect(adminPage.getByTestId("audit")).toContainText("plan.changed free → pro");
  await snap(adminPage, testInfo, "admin");

  // The writer's tab regains focus: Clerk refreshes the token, the app asks
  // the server again, and the new plan shows without signing out.
  // The server's answer differs from the page's, so the page loads again.
  await refocus(page);
  await expect(page.getByTestId("exporter")).toBeVisible();
  await hydrated(page);
  await page.getByRole("button", { name: "Export as Markdown" }).click();
  await expect(page.getByTestId("export-stats")).toContainText("4");
  await expect(page.getByTestId("export-markdown")).toContainText("## Compilers");
  // A real .md file, saved from the answer the API client fetched.
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: /^Download .*\.md$/ }).click(),
  ]);
  expect(file.suggestedFilename()).toMatch(/\.md$/);
  expect(require("node:fs").readFileSync(await file.path(), "utf8")).toContain("## Compilers");
  await snap(page, testInfo, "premium-export");
  expect((await call(page, "POST", "/api/premium/generate")).status).toBe(200);
});

test("an admin who changes their own plan sees it at once, without focus or sign-out", async ({ page, request }) => {
  const { secretKey } = instanceSecrets();
  const auth = { authorization: `Bearer ${secretKey}` };
  const [admin] = await (await request.get("/__clerk/api/v1/users?email_address=admin@inkpad.dev", { headers: auth })).json();
  const choosePlan = async (plan) => {
    await page.getByRole("combobox", { name: "Plan of admin@inkpad.dev" }).selectOption(plan);
    await expect(page.getByTestId("audit")).toContainText(`plan.changed ${plan === "free" ? "pro → free" : "free → pro"}`);
  };
  try {
    await signIn(page, "admin@inkpad.dev", "inkpad-admin-demo", "/admin");
    await page.getByLabel("Search by email or name").fill("admin@inkpad.dev");
    await page.getByRole("button", { name: "Search" }).click();
    await choosePlan("free");
    // The next page is the server's to render, from the token the change
    // refreshed: no focus, no sign-out.
    await page.getByRole("link", { name: "Premium", exact: true }).click();
    await expect(page.getByTestId("upgrade-prompt")).toBeVisible();
    await page.getByRole("link", { name: "Admin", exact: true }).click();
    await page.waitForURL("**/admin");
    await hydrated(page);
    await page.getByLabel("Search by email or name").fill("admin@inkpad.dev");
    await page.getByRole("button", { name: "Search" }).click();
    await choosePlan("pro");
    await page.getByRole("link", { name: "Premium", exact: true }).click();
    await expect(page.getByTestId("exporter")).toBeVisible();
  } finally {
    // The demo admin stays Pro for the other journeys whatever happened.
    await request.patch(`/__clerk/api/v1/users/${admin.id}/metadata`, {
      headers: auth,
      data: { public_metadata: { plan: "pro" } },
    });
  }
});

test("an admin whose password check is older than ten minutes confirms it; a wrong password changes nothing; the change lands once", async ({ page, openPage }, testInfo) => {
  const email = unique("stepup");
  const writer = await openPage();
  await signUp(writer, email, "Step", "Up");

  await signIn(page, "admin@inkpad.dev", "inkpad-admin-demo", "/admin");
  // The console backdates this session's password check (the fact the
  // rule reads, never the rule): the next token says 11 minutes.
  await page.waitForFunction(() => window.Clerk && window.Clerk.loaded && window.Clerk.session);
  const sid = await page.evaluate(() => window.Clerk.session.id);
  expect((await call(page, "POST", `/__clerk/console/api/sessions/${sid}/verified`, { minutes_ago: 11 })).status).toBe(200);
  await page.evaluate(() => window.Clerk.session.getToken({ skipCache: true }));

  await page.getByLabel("Search by email or name").fill(email);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("combobox", { name: `Plan of ${email}` }).selectOption("pro");
  const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
  await expect(dialog).toBeVisible();
  await snap(page, testInfo, "step-up-dialog");

  const planOf = async () => (await call(page, "GET", `/api/admin/users?search=${encodeURIComponent(email)}`)).json.items[0].plan;
  await dialog.getByLabel("Password").fill("not the password");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog.getByTestId("step-up-error")).toHaveText(/incorrect/i);
  await snap(page, testInfo, "step-up-wrong-password");
  expect(await planOf()).toBe("free");

  await dialog.getByLabel("Password").fill("inkpad-admin-demo");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("audit")).toContainText("plan.changed free → pro");
  expect(await planOf()).toBe("pro");
  const log = (await call(page, "GET", "/api/admin/audit?per_page=100")).json.items;
  const changes = log.filter((e) => e.subject_email === email && e.action === "plan.changed");
  expect(changes.map((e) => [e.detail, e.status])).toEqual([["free → pro", "done"]]);
});

test("a session revoked from the development console sends the open tab to sign-in", async ({ page, openPage }) => {
  const email = unique("revoked");
  await signUp(page, email, "Rev", "Oked");
  await page.goto("/dashboard");
  await hydrated(page);

  const consolePage = await openPage();
  await consolePage.goto("/__clerk/");
  await consolePage.getByRole("button", { name: `Revoke session of ${email}` }).click();
  await expect(consolePage.getByRole("button", { name: `Revoke session of ${email}` })).toHaveCount(0);

  await refocus(page);
  await page.waitForURL(/\/sign-in\?redirect_url=(%2F|\/)dashboard$/);
  await expect(page.getByRole("heading", { name: "Welcome back" })).toBeVisible();
});

test("a session token that has lapsed is renewed by Clerk's handshake on the next page load: the page comes back signed in", async ({ page, browser, request }, testInfo) => {
  await signIn(page, "pro@inkpad.dev", "inkpad-pro-demo");
  await page.waitForFunction(() => window.Clerk && window.Clerk.session);
  const sid = await page.evaluate(() => window.Clerk.session.id);
  // A token for this session that lapses in a second (the Backend API's
  // "create a session token"), in place of the browser's __session.
  const { secretKey } = instanceSecrets();
  const minted = await request.post(`/__clerk/api/v1/sessions/${sid}/tokens`, {
    headers: { authorization: `Bearer ${secretKey}` },
    data: { expires_in_seconds: 1 },
  });
  expect(minted.status()).toBe(200);
  const { jwt } = await minted.json();
  // clerk-js 6 keeps the token in __session and in its suffixed copy
  // (__session_<suffix>, which the server prefers); both lapse together.
  const isSession = (c) => c.name === "__session" || c.name.startsWith("__session_");
  const state = await page.context().storageState();
  expect(state.cookies.filter(isSession).length).toBeGreaterThanOrEqual(1);
  state.cookies = state.cookies.map((c) => (isSession(c) ? { ...c, value: jwt } : c));
  const context = await browser.newContext({ storageState: state });
  const tab = await context.newPage();
  const errors = [];
  tab.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  try {
    // Past its expiry and the server's five seconds of allowed clock skew.
    await new Promise((resolve) => setTimeout(resolve, 7_500));
    const expired = await tab.request.get("/api/session", { headers: { authorization: `Bearer ${jwt}` } });
    expect(expired.status(), "the lapsed token alone is refused").toBe(401);

    const res = await tab.goto("/dashboard");
    // The server sent the browser through the instance's handshake, which
    // answered with a one-time nonce; the server redeemed it through the
    // Backend API for a fresh __session and sent the browser on to the
    // page: one page load, no sign-in page.
    const hops = [];
    for (let r = res.request(); r; r = r.redirectedFrom()) {
      const url = new URL(r.url());
      hops.unshift(url.pathname + (url.searchParams.has("__clerk_handshake_nonce") ? "?nonce" : ""));
    }
    expect(hops).toEqual(["/dashboard", "/__clerk/v1/client/handshake", "/dashboard?nonce", "/dashboard"]);
    await hydrated(tab);
    await expect(tab.getByRole("heading", { name: "Your posts" })).toBeVisible();
    for (const fresh of (await context.cookies()).filter(isSession)) expect(fresh.value, fresh.name).not.toBe(jwt);
    expect((await tab.request.get("/api/session")).status()).toBe(200);
    await snap(tab, testInfo, "after-handshake");
    expect(errors, "no console errors in the renewed tab").toEqual([]);
  } finally {
    await context.close();
  }
});

test("every page renders, and none carries a secret or private metadata", async ({ page, request, consoleErrors }, testInfo) => {
  const { secretKey, webhookSecret } = instanceSecrets();
  const secrets = [secretKey, webhookSecret, webhookSecret.replace("whsec_", ""), "cus_E2E_PRIVATE_7731"];

  // Private metadata on the admin demo account, set through the Backend API.
  const users = await request.get("/__clerk/api/v1/users?email_address=admin@inkpad.dev", {
    headers: { authorization: `Bearer ${secretKey}` },
  });
  const [adminUser] = await users.json();
  const meta = await request.patch(`/__clerk/api/v1/users/${adminUser.id}/metadata`, {
    headers: { authorization: `Bearer ${secretKey}` },
    data: { private_metadata: { stripe_customer: "cus_E2E_PRIVATE_7731" } },
  });
  expect(meta.status()).toBe(200);

  const check = (what, body) => {
    for (const secret of secrets) expect(body.includes(secret), `${what} contains a secret`).toBe(false);
  };
  for (const [url, name] of [["/", "landing"], ["/pricing", "pricing"], ["/sign-up", "sign-up"], ["/no-such-page", "not-found"]]) {
    const res = await page.goto(url);
    check(url, await res.text());
    await hydrated(page);
    await snap(page, testInfo, name);
    if (res.status() === 404) {
      // The not-found page's own status is the one 404 Chromium may report.
      const i = consoleErrors.findIndex((e) => /status of 404/.test(e));
      if (i >= 0) consoleErrors.splice(i, 1);
    }
  }

  await signIn(page, "admin@inkpad.dev", "inkpad-admin-demo");
  for (const [url, name] of [
    ["/dashboard", "dashboard-admin"],
    ["/onboarding", "onboarding-admin"],
    ["/settings", "settings"],
    ["/pricing", "pricing-signed-in"],
    ["/premium", "premium"],
    ["/admin", "admin-page"],
  ]) {
    const res = await page.goto(url);
    expect(res.status(), url).toBe(200);
    check(url, await res.text());
    await hydrated(page);
    check(`${url} (hydrated DOM)`, await page.content());
    await snap(page, testInfo, name);
  }
  await page.goto("/settings");
  await hydrated(page);
  await expect(page.getByTestId("profile-email")).toHaveText("admin@inkpad.dev");
  await expect(page.getByTestId("profile-role")).toHaveText("admin");
  await expect(page.getByTestId("profile-plan")).toHaveText("pro");
  check("/settings (hydrated DOM)", await page.content());
  for (const api of ["/api/user/profile", "/api/session"]) {
    check(api, await (await page.request.get(api)).text());
  }

  // The bundles every visitor downloads, as the page names them.
  const landing = await (await request.get("/")).text();
  const bundles = [...new Set(landing.match(/\/pkg\/[\w.-]+\.(js|wasm|css)/g))];
  expect(bundles.some((b) => b.endsWith(".wasm")), `${bundles}`).toBe(true);
  for (const asset of [...bundles, "/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js"]) {
    const res = await request.get(asset);
    expect(res.status(), asset).toBe(200);
    check(asset, (await res.body()).toString("latin1"));
  }
});

/**
 * What a reader sees of each page: no button, link or heading whose name
 * is source code (a `view!` macro that swallowed an expression once made a
 * pager button read `= pages on : click = move | _ | …`), and nothing
 * tucked under the sticky header, the page's first heading clear of it.
 */
async function checkPageChrome(page, url) {
  const res = await page.goto(url);
  expect(res.status(), url).toBeLessThan(500);
  await hydrated(page);
  const tree = await page.locator("body").ariaSnapshot();
  const names = [...tree.matchAll(/^\s*- (button|link|heading)\s+"(.*?)"/gm)].map((m) => `${m[1]} "${m[2]}"`);
  expect(names.length, `${url}: the page has named controls`).toBeGreaterThan(0);
  const codeLike = names.filter((n) => /=>|move \||::|[{}]|\bon:|\|_\|/.test(n));
  expect(codeLike, `${url}: names that look like code`).toEqual([]);

  const layout = await page.evaluate(() => {
    window.scrollTo(0, 0);
    const header = document.querySelector(".site-header").getBoundingClientRect();
    const under = [];
    for (const el of document.querySelectorAll("main *")) {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (r.width === 0 || r.height === 0 || style.visibility === "hidden" || style.position === "fixed") continue;
      if (r.top < header.bottom - 0.5) under.push(`${el.tagName.toLowerCase()}.${el.className} top ${Math.round(r.top)}`);
    }
    const heading = document.querySelector("main h1");
    return {
      under: under.slice(0, 5),
      gap: heading ? heading.getBoundingClientRect().top - header.bottom : null,
    };
  });
  expect(layout.under, `${url}: elements under the sticky header`).toEqual([]);
  if (layout.gap !== null) expect(layout.gap, `${url}: the heading's clearance below the header`).toBeGreaterThanOrEqual(12);
}

test("no page shows code as a label or hides under the header: signed out", async ({ page, consoleErrors }) => {
  for (const url of ["/", "/pricing", "/sign-in", "/sign-up", "/no-such-page"]) await checkPageChrome(page, url);
  // The not-found page's own 404 is the one error Chromium reports.
  const i = consoleErrors.findIndex((e) => /status of 404/.test(e));
  if (i >= 0) consoleErrors.splice(i, 1);
});

test("no page shows code as a label or hides under the header: a member with two pages of posts", async ({ page }) => {
  await signUp(page, unique("pager"), "Page", "Turner");
  // One more than a page, so the dashboard shows its pager.
  for (let i = 1; i <= 21; i++) {
    const res = await call(page, "POST", "/api/protected/posts", { title: `Post ${i}`, content: "Words." });
    expect(res.status, `post ${i}`).toBe(201);
  }
  for (const url of ["/dashboard", "/settings", "/pricing", "/premium", "/onboarding", "/admin"]) await checkPageChrome(page, url);
  await page.goto("/dashboard");
  await hydrated(page);
  await expect(page.getByRole("navigation", { name: "Pages" })).toContainText("Page 1 of 2");
  // The pager is links, so it pages without JavaScript too.
  await page.getByRole("link", { name: "Older" }).click();
  await page.waitForURL("**/dashboard?page=2");
  await expect(page.getByRole("navigation", { name: "Pages" })).toContainText("Page 2 of 2");
  await expect(page.getByTestId("post")).toHaveCount(1);
  await expect(page.getByRole("link", { name: "Newer" })).toBeVisible();
});

test("no page shows code as a label or hides under the header: an admin", async ({ page }) => {
  await signIn(page, "admin@inkpad.dev", "inkpad-admin-demo");
  for (const url of ["/dashboard", "/settings", "/pricing", "/premium", "/admin"]) await checkPageChrome(page, url);
});

test("a writer downloads a copy of their data from settings: their profile and posts, nobody else's", async ({ page }) => {
  const email = unique("data");
  await signUp(page, email, "Dana", "Data");
  for (const title of ["Field notes", "Second thoughts"]) {
    expect((await call(page, "POST", "/api/protected/posts", { title, content: "Words of mine." })).status).toBe(201);
  }
  // The local profile is Clerk's, copied by the user.created webhook, which
  // arrives on its own schedule: wait until it has.
  await expect
    .poll(async () => (await call(page, "GET", "/api/user/export")).json?.profile?.email ?? null, { timeout: 15_000 })
    .toBe(email);
  await page.goto("/settings");
  await hydrated(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download my data" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("inkpad-data.json");
  const fs = require("node:fs");
  const data = JSON.parse(fs.readFileSync(await download.path(), "utf8"));
  expect(data.profile.email).toBe(email);
  expect(data.posts.map((p) => p.title).sort()).toEqual(["Field notes", "Second thoughts"]);
  expect(new Set(data.posts.map((p) => p.author_id))).toEqual(new Set([data.profile.id]));
  await expect(page.getByTestId("data-status")).toHaveText("Downloaded your profile and 2 posts.");
});

/** Waits until the user.created webhook has copied `email` into the app's users (an admin's search finds it). */
async function waitForSync(adminPage, email) {
  await expect
    .poll(async () => (await call(adminPage, "GET", `/api/admin/users?search=${encodeURIComponent(email)}`)).json?.items?.length ?? 0, { timeout: 15_000 })
    .toBe(1);
}

test("a writer adds a second email address in Clerk's UserProfile: the code from the mailbox verifies it", async ({ page }, testInfo) => {
  const email = unique("tao");
  await signUp(page, email, "Tao", "Twomail");
  const second = unique("tao.work");
  const menu = await openUserMenu(page);
  await menu.getByRole("menuitem", { name: "Manage account" }).or(menu.getByRole("button", { name: "Manage account" })).first().click();
  const profile = page.locator(".cl-userProfile-root");
  await profile.getByRole("button", { name: "Add email address" }).click();
  await profile.getByLabel("Email address").fill(second);
  await profile.getByRole("button", { name: "Add", exact: true }).click();
  // Clerk's verify step: the code the development mailbox holds.
  const codeInput = profile.getByLabel("Enter verification code");
  await expect(codeInput).toBeVisible();
  await snap(page, testInfo, "user-profile-verify-email");
  await codeInput.fill(await mailedCode(page, second));
  await expect(codeInput).toBeHidden();
  const row = profile.locator(".cl-profileSectionItem__emailAddresses", { hasText: second });
  await expect(row).toBeVisible();
  await expect(row.getByText("Unverified")).toHaveCount(0);
  await snap(page, testInfo, "user-profile-two-emails");
  // The instance says so too: both addresses verified, the first still primary.
  const client = await (await page.request.get("/__clerk/v1/client")).json();
  const user = client.client.sessions[0].user;
  expect(user.email_addresses.map((e) => [e.email_address, e.verification.status])).toEqual([
    [email.toLowerCase(), "verified"],
    [second.toLowerCase(), "verified"],
  ]);
});

test("a writer who forgot their password resets it in Clerk's SignIn: a code from the mailbox, a new password, their other session signed out", async ({ page, openPage }, testInfo) => {
  const email = unique("forgetful");
  await signUp(page, email, "Fay", "Forgetful");
  await page.goto("/dashboard");
  await hydrated(page);
  // Another browser: the identifier, then "Forgot password?".
  const other = await openPage();
  await other.goto("/sign-in?redirect_url=%2Fdashboard");
  await hydrated(other);
  const widget = other.locator(".clerk-sign-in");
  await widget.getByLabel("Email address").fill(email);
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await widget.getByRole("link", { name: "Forgot password?" }).or(widget.getByRole("button", { name: "Forgot password?" })).first().click();
  await widget.getByRole("button", { name: "Reset your password" }).click();
  const codeInput = widget.getByLabel("Enter verification code");
  await expect(codeInput).toBeVisible();
  await snap(other, testInfo, "sign-in-reset-code");
  await codeInput.fill(await mailedCode(other, email));
  // The new password, under the sign-up rules; "Sign out of all other
  // devices" is on by default.
  await expect(widget.getByLabel("New password")).toBeVisible();
  await widget.getByLabel("New password").fill("a fresh start, at last");
  await widget.getByLabel("Confirm password").fill("a fresh start, at last");
  await expect(widget.getByLabel("Sign out of all other devices")).toBeChecked();
  await snap(other, testInfo, "sign-in-reset-new-password");
  await widget.getByRole("button", { name: "Reset Password" }).click();
  await other.waitForURL((url) => url.pathname === "/dashboard");
  await hydrated(other);
  expect((await other.request.get("/api/session")).status()).toBe(200);
  // The first browser's session was signed out with the old password:
  // the open tab goes to sign-in as soon as Clerk looks again.
  await refocus(page);
  await page.waitForURL(/\/sign-in\?redirect_url=(%2F|\/)dashboard$/);
});

test("a writer deletes their account in Clerk's UserProfile: the password again first, then posts, profile and sessions go and the admin list drops them", async ({ page, openPage, consoleErrors }, testInfo) => {
  const email = unique("leaving");
  await signUp(page, email, "Lee", "Ving");
  const created = await call(page, "POST", "/api/protected/posts", { title: "Last words", content: "Goodbye, all." });
  expect(created.status).toBe(201);
  const postId = created.json.id;

  const adminPage = await openPage();
  await signIn(adminPage, "admin@inkpad.dev", "inkpad-admin-demo", "/admin");
  await waitForSync(adminPage, email);
  expect((await call(adminPage, "GET", `/api/protected/posts/${postId}`)).status).toBe(200);

  // The password check is older than Clerk's strict ten minutes (the
  // console backdates the fact; the rule is the instance's), so the
  // deletion asks for the password again.
  await page.waitForFunction(() => window.Clerk && window.Clerk.loaded && window.Clerk.session);
  const sid = await page.evaluate(() => window.Clerk.session.id);
  expect((await call(page, "POST", `/__clerk/console/api/sessions/${sid}/verified`, { minutes_ago: 11 })).status).toBe(200);

  await page.goto("/settings");
  await hydrated(page);
  await page.getByRole("button", { name: "Delete my account…" }).click();
  // Clerk's UserProfile opens on its Security page: this browser among the
  // active devices, then "Delete account".
  const profile = page.getByRole("dialog").filter({ has: page.getByRole("heading", { name: "Security" }) });
  await expect(profile.getByText("Active devices")).toBeVisible();
  await expect(profile.getByText(/Chrome \d+/).first()).toBeVisible();
  await expect(profile.getByText("This device")).toBeVisible();
  await profile.getByRole("button", { name: "Delete account" }).click();
  const confirm = profile.locator("form");
  await confirm.getByLabel('Type "Delete account" below to continue.').fill("Delete account");
  await confirm.getByRole("button", { name: "Delete account" }).click();
  const verify = page.getByRole("dialog").filter({ has: page.getByRole("heading", { name: "Verification required" }) });
  await verify.getByLabel("Password", { exact: true }).fill("not my password");
  await verify.getByRole("button", { name: "Continue" }).click();
  await expect(verify.getByText(/password is incorrect/i)).toBeVisible();
  await snap(page, testInfo, "delete-account-wrong-password");
  // A wrong password deleted nothing.
  expect((await call(page, "GET", "/api/user/export")).status).toBe(200);

  await verify.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await verify.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  await hydrated(page);
  await expect(page.getByTestId("sign-in-button")).toBeVisible();
  expect((await page.request.get("/api/session")).status()).toBe(401);

  // Clerk's user.deleted webhook reaches the app: the admin's list drops
  // the writer and their post is gone for everyone, admins included.
  await expect
    .poll(async () => (await call(adminPage, "GET", `/api/admin/users?search=${encodeURIComponent(email)}`)).json?.items?.length, { timeout: 15_000 })
    .toBe(0);
  expect((await call(adminPage, "GET", `/api/protected/posts/${postId}`)).status).toBe(404);
  await adminPage.getByLabel("Search by email or name").fill(email);
  await adminPage.getByRole("button", { name: "Search" }).click();
  await expect(adminPage.getByRole("navigation", { name: "User pages" })).toContainText("0 users");

  // And the account cannot sign in again.
  await page.goto("/sign-in");
  await hydrated(page);
  const widget = page.locator(".clerk-sign-in");
  await widget.getByLabel("Email address").fill(email);
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await widget.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(widget.getByText(/password is incorrect/i)).toBeVisible();
  // The admin's look-up of the deleted post answered 404, on purpose.
  const i = consoleErrors.findIndex((e) => /status of 404/.test(e));
  expect(i, "the deleted post's 404").toBeGreaterThanOrEqual(0);
  consoleErrors.splice(i, 1);
});

test("without JavaScript: the sign-in page says what it needs; a writer creates, edits and deletes a post and an admin changes a plan, all by plain forms", async ({ page, browser, openPage }, testInfo) => {
  // A browser with scripts off, holding the cookies a signed-in tab holds.
  const noScript = async (from) => {
    const context = await browser.newContext({ javaScriptEnabled: false, storageState: await from.context().storageState() });
    return context.newPage();
  };
  const anonymous = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await anonymous.goto("/sign-in");
  await expect(anonymous.getByTestId("no-script-notice")).toContainText("needs JavaScript");
  await expect(anonymous.getByText("Loading the sign-in form…")).toBeHidden();
  await snap(anonymous, testInfo, "no-js-sign-in");
  await anonymous.context().close();

  const email = unique("nojs");
  await signUp(page, email, "Noah", "Script");
  const writer = await noScript(page);
  try {
    await writer.goto("/dashboard");
    await expect(writer.getByTestId("no-posts")).toBeVisible();
    const form = writer.getByRole("form", { name: "New post" });
    // The server's field messages come back through the redirect.
    await form.getByRole("button", { name: "Publish" }).click();
    await expect(writer.getByTestId("title-error")).toHaveText("Give your post a title.");
    await expect(writer.getByTestId("content-error")).toHaveText("Write something before saving.");
    await snap(writer, testInfo, "no-js-field-errors");
    await form.getByLabel("Title").fill("Plain forms");
    await form.getByLabel("Content").fill("Posted by the browser itself.");
    await form.getByRole("button", { name: "Publish" }).click();
    await writer.waitForURL((url) => url.pathname === "/dashboard" && !url.search.includes("__err"));
    const post = writer.getByTestId("post");
    await expect(post.getByRole("heading")).toHaveText("Plain forms");

    await post.locator("summary", { hasText: "Edit" }).click();
    await post.getByLabel("Title").fill("Plain forms, edited");
    await post.getByRole("button", { name: "Save" }).click();
    await expect(writer.getByTestId("post").getByRole("heading")).toHaveText("Plain forms, edited");
    await snap(writer, testInfo, "no-js-dashboard");

    await writer.getByTestId("post").locator("summary", { hasText: "Delete" }).click();
    await writer.getByRole("button", { name: "Confirm delete" }).click();
    await expect(writer.getByTestId("no-posts")).toBeVisible();

    // The onboarding name form, filled in by the server, saves through Clerk.
    await writer.goto("/onboarding");
    await expect(writer.getByLabel("First name")).toHaveValue("Noah");
    await writer.getByLabel("First name").fill("Noa");
    await writer.getByRole("button", { name: "Save my name" }).click();
    await writer.waitForURL((url) => url.pathname === "/onboarding");
    await expect(writer.getByLabel("First name")).toHaveValue("Noa");
  } finally {
    await writer.context().close();
  }

  const adminTab = await openPage();
  await signIn(adminTab, "admin@inkpad.dev", "inkpad-admin-demo", "/admin");
  await waitForSync(adminTab, email);
  const admin = await noScript(adminTab);
  try {
    await admin.goto("/admin");
    await admin.getByLabel("Search by email or name").fill(email);
    await admin.getByRole("button", { name: "Search" }).click();
    await admin.waitForURL((url) => url.searchParams.get("search") === email);
    await expect(admin.getByLabel("Search by email or name")).toHaveValue(email);
    await admin.getByRole("combobox", { name: `Plan of ${email}` }).selectOption("pro");
    await admin.getByRole("button", { name: `Save plan of ${email}` }).click();
    await expect(admin.getByTestId("audit")).toContainText("plan.changed free → pro");
    await expect(admin.getByRole("combobox", { name: `Plan of ${email}` })).toHaveValue("pro");
    await snap(admin, testInfo, "no-js-admin");
  } finally {
    await admin.context().close();
  }
  // The writer's next token carries the plan the admin chose.
  await page.goto("/premium");
  await hydrated(page);
  await expect(page.getByTestId("exporter")).toBeVisible();
});
