// hello-clerk uses nothing but the crates' public API: a visitor signs in
// with Clerk's own form and reaches the page only signed-in people reach.
const { test, expect } = require("@playwright/test");

test("a visitor signs in and reaches the protected page", async ({ page }) => {
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));

  // Signed out, the route table sends the visitor to sign in, and back.
  await page.goto("/secret");
  await expect(page).toHaveURL(/\/sign-in\?redirect_url=(%2F|\/)secret$/);
  const widget = page.locator(".clerk-sign-in");
  await widget.getByLabel("Email address").fill("gold@hello.dev");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();
  await widget.getByLabel("Password", { exact: true }).fill("hello-gold-demo");
  await widget.getByRole("button", { name: "Continue", exact: true }).click();

  // The protected page, with a note the server function checked again.
  await page.waitForURL((url) => url.pathname === "/secret");
  await expect(page.getByTestId("note")).toContainText("Only you can read this, user_");
  await expect(page.getByTestId("note")).toContainText("(Gold tier)");

  // Show: only gold members see the line; the user button names them.
  await page.goto("/");
  await expect(page.getByTestId("gold")).toHaveText("Gold member");
  await expect(page.getByTestId("signed-in-as")).toContainText("user_");
  await expect(page.getByTestId("user-button")).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in" })).toHaveCount(0);
  expect(problems).toEqual([]);
});

test("the server function refuses a caller without a session", async ({ request }) => {
  const response = await request.post("/api/secret_note", {
    data: "",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  expect(response.status()).toBeGreaterThanOrEqual(400);
  expect(await response.text()).not.toContain("Only you can read this");
});

test("a signed-out visitor sees the signed-out page", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByText("You are signed out.")).toBeVisible();
  await expect(page.getByTestId("sign-in-button")).toHaveAttribute("href", "/sign-in?redirect_url=/");
  await expect(page.getByTestId("gold")).toHaveCount(0);
});
