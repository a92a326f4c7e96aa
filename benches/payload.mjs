// What a browser downloads on a first load of /, /sign-in and /dashboard:
// every script, WASM and CSS response Chromium receives (Clerk's own script
// excluded, as the comparison with Next.js excludes it), with its size raw,
// gzip -9 and brotli q11. Prints one line: PAYLOADJSON <json>.
//
//   node benches/payload.mjs <base url> <session token>
import { createRequire } from "node:module";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const require = createRequire(import.meta.url);
const { chromium } = require("@playwright/test");
const [base, token] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function firstLoad(path, signedIn) {
  const context = await browser.newContext();
  if (signedIn) {
    const url = new URL(base);
    await context.addCookies([
      { name: "__session", value: token, domain: url.hostname, path: "/" },
      { name: "__client_uat", value: String(Math.floor(Date.now() / 1000) - 60), domain: url.hostname, path: "/" },
    ]);
  }
  const page = await context.newPage();
  const files = [];
  page.on("response", async (res) => {
    const url = new URL(res.url());
    const type = res.request().resourceType();
    const asset = /\.(js|wasm|css)$/.test(url.pathname) || ["script", "stylesheet"].includes(type);
    if (!asset || res.status() !== 200 || url.origin !== new URL(base).origin || url.pathname.includes("clerk-js")) return;
    try {
      const body = await res.body();
      files.push({
        url: url.pathname,
        encoding: res.headers()["content-encoding"] || "identity",
        raw: body.length,
        gzip: gzipSync(body, { level: 9 }).length,
        brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      });
    } catch (_) {}
  });
  await page.goto(base + path, { waitUntil: "networkidle" });
  await page.waitForTimeout(500);
  await context.close();
  const sum = (k) => files.reduce((n, f) => n + f[k], 0);
  return { page: path, files, raw: sum("raw"), gzip: sum("gzip"), brotli: sum("brotli") };
}

const pages = [await firstLoad("/", false), await firstLoad("/sign-in", false), await firstLoad("/dashboard", true)];
await browser.close();
process.stdout.write(`PAYLOADJSON ${JSON.stringify(pages)}\n`);
