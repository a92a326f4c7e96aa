// Time from navigation start to interactive — the page hydrated (the app
// marks <html data-hydrated> once the WASM has taken over all of it, lazy
// route included) — on a cold cache, in Chromium with the CPU slowed 4×
// and a 1.6 Mbps / 150 ms RTT network (Chrome DevTools Protocol:
// Emulation.setCPUThrottlingRate, Network.emulateNetworkConditions), the
// median of 5 loads per page. Prints one line: INTERACTIVEJSON <json>.
//
//   node benches/interactive.mjs <base url> <admin session token>
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("@playwright/test");
const { signedInCookies } = require("../end2end/payload.js");
const [base, token] = process.argv.slice(2);
const RUNS = Number(process.env.BENCH_INTERACTIVE_RUNS || 5);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const signedIn = signedInCookies(base, token);

async function interactive(path, cookies) {
  const context = await browser.newContext();
  if (cookies) await context.addCookies(cookies);
  const page = await context.newPage();
  // Clerk's scripts come from its frontend API; the app's own first load
  // is what is measured, so they are not fetched.
  await page.route((url) => url.pathname.includes("@clerk/"), (route) => route.abort());
  // The init script runs before the document has an <html> element, so it
  // watches the document itself for the attribute to appear.
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.documentElement?.hasAttribute("data-hydrated")) {
        window.__interactiveAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1000 * 1000) / 8,
    uploadThroughput: (750 * 1000) / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await page.goto(base + path, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__interactiveAt !== undefined, null, { timeout: 120_000 });
  const at = await page.evaluate(() => window.__interactiveAt);
  await context.close();
  return at;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
for (const [path, cookies] of [["/", null], ["/dashboard", signedIn], ["/admin", signedIn]]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await interactive(path, cookies));
  results.push({ page: path, median_ms: median(runs), runs_ms: runs });
}
await browser.close();
process.stdout.write(`INTERACTIVEJSON ${JSON.stringify(results)}\n`);
