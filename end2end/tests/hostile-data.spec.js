// The hostile-data walk in Chromium (the HTTP half is tests/hostile_data.rs;
// both read tests/hostile/surface.json). Every text a user, an organization,
// a webhook or an address can set holds a payload that tries each HTML
// context at once; then every page is opened signed out, as the writer who
// set them, as an organization admin and as the app's admin, the
// development console too. A page fails if the server's HTML holds the
// payload unescaped, if the live DOM (after hydration and Clerk's own
// widgets have drawn) holds an element carrying the marker, if it does
// not show a field it should, or (the fixtures) on any console error —
// hydration mismatches included — or CSP violation.
const crypto = require("node:crypto");
const surface = require("../../tests/hostile/surface.json");
const { test, expect, hydrated, snap, call, signIn, mailedCode, instanceSecrets } = require("./fixtures");

// The walk opens the not-found (404) and no-access (403) pages on purpose.
const expectedErrors = /status of (403|404)/;
test.afterEach(async ({ consoleErrors }) => {
  expect(consoleErrors.filter((e) => !expectedErrors.test(e)), "no console errors").toEqual([]);
});

const payload = (id) => {
  const field = surface.fields.find((f) => f.id === id);
  if (!field) throw new Error(`surface.json has no field ${id}`);
  return surface.payloads[field.payload].replaceAll("{id}", id);
};

/** `template` with each `{field}` replaced by that field's payload, encoded as the field says. */
const address = (template) => {
  let out = template;
  for (const field of surface.fields) {
    const slot = `{${field.id}}`;
    if (!out.includes(slot)) continue;
    let value;
    if (field.encoding === "query") {
      value = encodeURIComponent(payload(field.id));
    } else if (field.encoding === "server-fn-error") {
      const error = JSON.stringify({ error: "Forbidden", message: payload(field.id) });
      value = encodeURIComponent(Buffer.from(error).toString("base64").replaceAll("+", "-").replaceAll("/", "_"));
    } else {
      throw new Error(`field ${field.id} has no encoding for addresses`);
    }
    out = out.replaceAll(slot, value);
  }
  if (out.includes("{")) throw new Error(`${template}: a slot names no field`);
  return out;
};

/** Every element carrying the marker: one selector per field, as CSS has no wildcard for attribute names. */
const markerSelector = surface.fields.map((f) => `[${surface.marker}${f.id}]`).join(",");

/** What the server's HTML must never hold: the payload's tag, unescaped. */
const unescaped = (html) =>
  surface.fields.map((f) => f.id).filter((id) => [`<i data-inject-${id}>`, `<i/data-inject-${id}>`].some((tag) => html.toLowerCase().includes(tag)));

/** Delivers `event` to the app's webhook as Clerk would: Svix-signed with the instance's secret, dated a minute ahead. */
async function deliver(request, webhookSecret, id, event) {
  const body = JSON.stringify({ ...event, timestamp: Date.now() + 60_000 });
  const ts = Math.floor(Date.now() / 1000);
  const key = Buffer.from(webhookSecret.replace(/^whsec_/, ""), "base64");
  const signature = crypto.createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
  const res = await request.post("/api/webhooks/clerk", {
    headers: { "svix-id": id, "svix-timestamp": String(ts), "svix-signature": `v1,${signature}`, "content-type": "application/json" },
    data: body,
  });
  expect(res.ok(), `webhook ${id}`).toBe(true);
}

/**
 * Makes `org` the page's active organization, as the switcher does
 * (clerk-js's setActive). That changes the caller's access, so the page
 * loads again (what the server rendered depends on it): wait for that.
 */
async function activate(page, org) {
  await page.waitForFunction(() => window.Clerk && window.Clerk.loaded);
  const reloaded = page.waitForEvent("load");
  await page.evaluate((id) => {
    window.Clerk.setActive({ organization: id });
  }, org);
  await reloaded;
  await hydrated(page);
}

/** Waits for what a page draws after hydration: Clerk's widgets, the console's lists, the dashboard's organization line. */
async function settle(page, path) {
  if (path.startsWith("/__clerk/")) {
    for (const list of ["users", "organizations", "invitations", "webhooks"]) {
      await expect(page.locator(`#${list}`)).not.toHaveText("Loading…");
    }
    return;
  }
  await hydrated(page);
  // Every Clerk widget has drawn (into its mount point, or its root box
  // beside it: what the stylesheet waits for to hide "Loading…").
  await expect
    .poll(() => page.locator(".clerk-widget").evaluateAll((widgets) =>
      widgets.filter((w) => !w.querySelector(":scope > .clerk-mount > *, :scope > [class*='cl-rootBox']")).length), { timeout: 15_000 })
    .toBe(0);
  if (path.startsWith("/dashboard")) {
    await expect(page.getByTestId("space")).toContainText(/organization .*\(|personal space/);
  }
}

/** All the text and attribute values of the live DOM, open shadow roots included (what a reader can see). */
const visibleText = (page) =>
  page.evaluate(() => {
    const parts = [];
    const walk = (root) => {
      for (const el of root.querySelectorAll("*")) {
        if (el.localName === "script" || el.localName === "style") continue;
        for (const name of el.getAttributeNames()) parts.push(el.getAttribute(name));
        if ("value" in el && typeof el.value === "string") parts.push(el.value);
        for (const node of el.childNodes) if (node.nodeType === Node.TEXT_NODE) parts.push(node.data);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    return parts.join("\n");
  });

test("no page lets hostile text become markup: every field, every page, every visitor", async ({ page, openPage, request }, testInfo) => {
  test.setTimeout(240_000);
  const { secretKey, webhookSecret } = instanceSecrets();
  const backend = async (method, path, data) => {
    const res = await request.fetch(`/__clerk/api/v1${path}`, { method, headers: { authorization: `Bearer ${secretKey}` }, data });
    expect(res.ok(), `${method} ${path}: ${res.status()}`).toBe(true);
    return res.json();
  };
  const userId = async (email) => (await backend("GET", `/users?email_address=${encodeURIComponent(email)}`))[0]?.id;
  const seeded = new Set();

  // The writer signs up with hostile names and address (a rerun on the
  // same database starts from a new writer).
  const email = payload("email");
  const old = await userId(email);
  if (old) await backend("DELETE", `/users/${old}`);
  const signUp = await request.post("/__clerk/v1/client/sign_ups", {
    headers: { origin: new URL(testInfo.project.use.baseURL).origin },
    data: { email_address: email, password: "correct horse battery", first_name: payload("first-name"), last_name: payload("last-name") },
  });
  expect(signUp.status(), "the writer signs up").toBe(200);
  // …and proves the address with the code from the instance's mailbox.
  const signUpId = (await signUp.json()).response.id;
  const step = (action, data) =>
    request.post(`/__clerk/v1/client/sign_ups/${signUpId}/${action}`, {
      headers: { origin: new URL(testInfo.project.use.baseURL).origin },
      data: { strategy: "email_code", ...data },
    });
  expect((await step("prepare_verification", {})).status(), "a code for the writer").toBe(200);
  const verified = await step("attempt_verification", { code: await mailedCode(page, email) });
  expect(verified.status(), "the writer's code").toBe(200);
  ["email", "first-name", "last-name"].forEach((f) => seeded.add(f));
  const writerId = await userId(email);
  await backend("PATCH", `/users/${writerId}/metadata`, { public_metadata: { role: "member", plan: "pro" } });

  // An organization with a hostile name, an invitation to a hostile
  // address; the writer and the app's admin join it as members.
  const proId = await userId("pro@inkpad.dev");
  const adminId = await userId("admin@inkpad.dev");
  const org = (await backend("POST", "/organizations", { name: payload("org-name"), slug: `hostile-${Date.now()}`, created_by: proId })).id;
  for (const user of [writerId, adminId]) {
    await backend("POST", `/organizations/${org}/memberships`, { user_id: user, role: "org:member" });
  }
  await backend("POST", `/organizations/${org}/invitations`, { email_address: payload("invitation-email"), role: "org:member" });
  ["org-name", "invitation-email"].forEach((f) => seeded.add(f));

  // The writer, signed in through Clerk's own SignIn, posts in their
  // personal space and in the organization (once its webhooks reached
  // the app).
  const writer = await openPage();
  await signIn(writer, email, "correct horse battery");
  const post = async (title, content) =>
    expect
      .poll(async () => (await call(writer, "POST", "/api/protected/posts", { title, content })).status, { timeout: 15_000 })
      .toBe(201);
  await post(payload("post-title"), payload("post-content"));
  await activate(writer, org);
  await post(payload("org-post-title"), payload("org-post-content"));
  await activate(writer, null);
  ["post-title", "post-content", "org-post-title", "org-post-content"].forEach((f) => seeded.add(f));

  // What only Clerk's webhooks carry: a slug the instance would refuse, a
  // membership role, for a user of their own.
  await deliver(request, webhookSecret, `msg_hostile_org_${Date.now()}`, {
    object: "event", type: "organization.updated",
    data: { object: "organization", id: org, name: payload("org-name"), slug: payload("org-slug") },
  });
  await deliver(request, webhookSecret, `msg_hostile_user_${Date.now()}`, {
    object: "event", type: "user.created",
    data: {
      object: "user", id: "user_hostile_role", first_name: "Role", last_name: "Holder", primary_email_address_id: "idn_1",
      email_addresses: [{ id: "idn_1", email_address: "role.holder@hostile.example" }], public_metadata: {}, created_at: 1, updated_at: 1,
    },
  });
  await deliver(request, webhookSecret, `msg_hostile_membership_${Date.now()}`, {
    object: "event", type: "organizationMembership.created",
    data: { object: "organization_membership", id: "orgmem_hostile", role: payload("membership-role"), organization: { id: org }, public_user_data: { user_id: "user_hostile_role" } },
  });
  ["org-slug", "membership-role"].forEach((f) => seeded.add(f));
  // The walk sends the address fields itself.
  surface.fields.filter((f) => f.encoding).forEach((f) => seeded.add(f.id));
  for (const field of surface.fields) expect(seeded.has(field.id), `surface.json's field ${field.id} has a seeder`).toBe(true);

  // The visitors.
  const orgAdmin = await openPage();
  await signIn(orgAdmin, "pro@inkpad.dev", "inkpad-pro-demo");
  await activate(orgAdmin, org);
  const appAdmin = await openPage();
  await signIn(appAdmin, "admin@inkpad.dev", "inkpad-admin-demo");
  await activate(appAdmin, org);
  const visitors = { "signed-out": page, writer, "org-admin": orgAdmin, "app-admin": appAdmin };
  expect(Object.keys(visitors).sort()).toEqual(Object.keys(surface.personas).sort());

  // The walk.
  const problems = [];
  let visits = 0;
  for (const entry of surface.pages) {
    for (const persona of entry.as) {
      const tab = visitors[persona];
      const what = `${entry.path} as ${persona}`;
      const res = await tab.goto(address(entry.path));
      // The document the browser parsed (after any redirect).
      const html = await res.text();
      for (const id of unescaped(html)) problems.push(`${what}: ${id}: the payload is in the HTML unescaped`);
      await settle(tab, new URL(tab.url()).pathname);
      const hits = await tab.locator(markerSelector).evaluateAll((els) => els.map((el) => `<${el.localName} ${el.getAttributeNames().join(" ")}>`));
      for (const hit of hits) problems.push(`${what}: an element carrying the marker: ${hit}`);
      const text = await visibleText(tab);
      const shows = [...((entry.shows || {})[persona] || []), ...((entry.shows_in_browser || {})[persona] || [])];
      for (const id of shows) if (!text.includes(payload(id))) problems.push(`${what}: ${id}: not shown, though the page shows it`);
      await snap(tab, testInfo, `hostile-${persona}-${entry.path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "home"}`);
      visits += 1;
    }
  }
  console.log(`hostile-data walk: ${surface.fields.length} fields, ${visits} page visits, ${problems.length} problems`);
  expect(problems).toEqual([]);

  // Clerk's own widgets show the hostile texts as text too: the writer's
  // account menu, the organization switcher, the members and invitations.
  const menu = writer.locator(".cl-userButtonTrigger");
  await writer.goto("/dashboard");
  await settle(writer, "/dashboard");
  await menu.click();
  await expect(writer.locator(".cl-userButtonPopoverCard")).toContainText(payload("first-name"));
  await expect(writer.locator(markerSelector)).toHaveCount(0);
  await snap(writer, testInfo, "hostile-writer-user-menu");
  await orgAdmin.goto("/organization");
  await settle(orgAdmin, "/organization");
  const profile = orgAdmin.locator(".clerk-organization-profile");
  await profile.getByRole("button", { name: "Members" }).click();
  await expect(profile).toContainText(payload("first-name"));
  await expect(profile).toContainText(payload("email"));
  await profile.getByRole("tab", { name: /Invitations/ }).click();
  await expect(profile).toContainText(payload("invitation-email"));
  await orgAdmin.locator(".cl-organizationSwitcherTrigger").click();
  await expect(orgAdmin.locator(".cl-organizationSwitcherPopoverCard")).toBeVisible();
  await expect(orgAdmin.locator(markerSelector)).toHaveCount(0);
  await snap(orgAdmin, testInfo, "hostile-org-admin-invitations");

  // The organization admin's edit form holds the writer's text exactly.
  await orgAdmin.goto("/dashboard");
  await settle(orgAdmin, "/dashboard");
  const orgPost = orgAdmin.getByTestId("post").filter({ hasText: payload("org-post-title") });
  await orgPost.locator("summary", { hasText: "Edit" }).click();
  await expect(orgPost.getByLabel("Content")).toHaveValue(payload("org-post-content"));
  await expect(orgPost.getByLabel("Title")).toHaveValue(payload("org-post-title"));

  // Without JavaScript, too: the field shows the stored text before any
  // script runs, and saving it unchanged keeps it.
  const noScript = await (await writer.context().browser().newContext({ javaScriptEnabled: false, storageState: await writer.context().storageState() })).newPage();
  try {
    await noScript.goto("/dashboard");
    await expect(noScript.locator(markerSelector)).toHaveCount(0);
    const mine = noScript.getByTestId("post").filter({ hasText: payload("post-title") });
    await mine.locator("summary", { hasText: "Edit" }).click();
    await expect(mine.getByLabel("Content")).toHaveValue(payload("post-content"));
    await snap(noScript, testInfo, "hostile-no-js-edit");
    await mine.getByRole("button", { name: "Save" }).click();
    await noScript.waitForURL((url) => url.pathname === "/dashboard" && !url.search.includes("__err"));
    const saved = noScript.getByTestId("post").filter({ hasText: payload("post-title") });
    await expect(saved.locator(".post-content")).toHaveText(payload("post-content"));
  } finally {
    await noScript.context().close();
  }
});
