// The example app's journey (examples/hello-clerk): cargo-leptos starts
// that app on 127.0.0.1:3100 and runs this from the example's directory.
const { defineConfig } = require("@playwright/test");
const base = require("../playwright.config.js");

module.exports = defineConfig({
  ...base,
  testDir: "./tests",
  reporter: [["list"]],
  outputDir: "../test-results/example",
  use: { ...base.use, baseURL: "http://127.0.0.1:3100" },
});
