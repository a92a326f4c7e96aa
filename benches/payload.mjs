// What a browser downloads on a first load of every page (the public ones
// signed out, the rest as the bench's admin on the Pro plan):
// end2end/payload.js measures every script, WASM and CSS response Chromium
// receives, Clerk's own script excluded, raw, gzip -9 and brotli q11.
// Prints one line: PAYLOADJSON <json>.
//
//   node benches/payload.mjs <base url> <session token>
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("@playwright/test");
const { firstLoad, signedInCookies } = require("../end2end/payload.js");
const [base, token] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

const signedIn = signedInCookies(base, token);
const pages = [];
for (const path of ["/", "/sign-in", "/sign-up", "/pricing"]) {
  pages.push(await firstLoad(browser, base, path));
}
for (const path of ["/dashboard", "/settings", "/premium", "/admin", "/onboarding", "/organizations/new", "/organization"]) {
  pages.push(await firstLoad(browser, base, path, signedIn));
}
await browser.close();
process.stdout.write(`PAYLOADJSON ${JSON.stringify(pages)}\n`);
