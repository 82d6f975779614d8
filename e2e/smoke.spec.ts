import { expect, test } from "./support/csp";

test("the app serves its home page and reports a healthy database", async ({ page, request }) => {
  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: "ok", db: "ok" });

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Switchboard" })).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/home.png", fullPage: true });
});
