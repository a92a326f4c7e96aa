// What a browser downloads on a first load: every script, WASM and CSS
// response of the page's own origin that Chromium receives until the
// network is idle (lazy chunks included; Clerk's own scripts excluded, as
// the comparison with Next.js excludes them, even when the development
// instance serves them from this origin), each with its size raw,
// gzip -9 and brotli q11. Shared by the first-load budget journey
// (tests/payload-budget.spec.js) and scripts/bench (benches/payload.mjs),
// so the check and the bench measure the same thing.
const { gzipSync, brotliCompressSync, constants } = require("node:zlib");

/**
 * Loads `path` in a fresh context of `browser` (with `cookies`, if any)
 * and returns `{ page, files, raw, gzip, brotli }`.
 */
async function firstLoad(browser, base, path, cookies = []) {
  const origin = new URL(base).origin;
  const context = await browser.newContext();
  if (cookies.length) await context.addCookies(cookies);
  const page = await context.newPage();
  // Clerk's own scripts are not fetched at all: they are not counted, and
  // what Clerk would do next (a browser without a Clerk client is signed
  // out by clerk-js, and the page then loads again as the server sees it)
  // is not part of this page's first load.
  await page.route((url) => /\/(@clerk)\/|clerk-js/.test(url.pathname), (route) => route.abort());
  const pending = [];
  page.on("response", (res) => {
    const url = new URL(res.url());
    const type = res.request().resourceType();
    const asset = /\.(js|wasm|css)$/.test(url.pathname) || ["script", "stylesheet"].includes(type);
    // Clerk's own code, wherever it is served from: its frontend API, a
    // proxy path, or the development instance on this origin (`/__clerk/`),
    // and the blob: workers it starts.
    const clerks = /\/(__clerk|@clerk)\/|clerk-js/.test(url.pathname);
    if (!asset || res.status() !== 200 || url.protocol === "blob:" || url.origin !== origin || clerks) return;
    pending.push(
      res.body().then(
        (body) => ({
          url: url.pathname,
          encoding: res.headers()["content-encoding"] || "identity",
          raw: body.length,
          gzip: gzipSync(body, { level: 9 }).length,
          brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
        }),
        () => null,
      ),
    );
  });
  await page.goto(base + path, { waitUntil: "networkidle" });
  // Lazy islands fetch their chunks as hydration reaches them, which can
  // be after the network first went idle (a cold start compiling the main
  // module): count until every island is live (the page's end mark), then
  // let the last responses land.
  await page
    .waitForFunction(() => document.documentElement.hasAttribute("data-hydrated"), null, { timeout: 30_000 })
    .catch(() => {});
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(500);
  const files = (await Promise.all(pending)).filter(Boolean);
  await context.close();
  const sum = (k) => files.reduce((n, f) => n + f[k], 0);
  return { page: path, files, raw: sum("raw"), gzip: sum("gzip"), brotli: sum("brotli") };
}

/**
 * The cookies of a browser signed in with `token` on `base`: the session,
 * and the client's last sign-in no later than the token (a token older
 * than its client would be sent through Clerk's handshake for a new one).
 */
function signedInCookies(base, token) {
  const domain = new URL(base).hostname;
  const { iat } = JSON.parse(Buffer.from(token.split(".")[1], "base64url"));
  return [
    { name: "__session", value: token, domain, path: "/" },
    { name: "__client_uat", value: String(iat), domain, path: "/" },
  ];
}

module.exports = { firstLoad, signedInCookies };
