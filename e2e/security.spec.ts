import { expect, test, type Page } from "./support/csp";
import { signUpConfirmed } from "./support/mailbox";
import { addNumber, customerWrites, openConversation, uniqueDigits } from "./support/whatsapp";

/**
 * Redirects that stay on the site, and the headers every page carries, on the production
 * server. Every journey also fails on any Content-Security-Policy violation (support/csp.ts).
 */
async function signUp(page: Page, who: string) {
  const account = { email: `${who.toLowerCase()}-${uniqueDigits("")}@example.test`, password: `${who}-password-123` };
  const slug = await signUpConfirmed(page, { ...account, name: `${who} Owner`, workspace: `${who} ${uniqueDigits("")}` });
  return { ...account, slug };
}

async function signIn(page: Page, account: { email: string; password: string }) {
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a conversation's address survives signing in", async ({ page, request, baseURL }) => {
  const account = await signUp(page, "Deep");
  const phoneNumberId = uniqueDigits("99976");
  await addNumber(page, account.slug, { phoneNumberId, label: "Deep line" });
  const customer = `Dora ${uniqueDigits("")}`;
  await customerWrites(request, { phoneNumberId, from: "5215500000076", name: customer, text: "¿Sigue disponible?" });
  const conversationId = await openConversation(page, account.slug, customer);
  const deepLink = `/w/${account.slug}/inbox/${conversationId}`;

  await page.getByRole("button", { name: "Sign out" }).first().click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  await page.goto(deepLink);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  expect(new URL(page.url()).searchParams.get("callbackUrl")).toBe(deepLink);
  await signIn(page, account);
  await expect(page.getByRole("heading", { name: customer, level: 2 })).toBeVisible();
  expect(page.url()).toBe(`${baseURL}${deepLink}`);
});

test("a callbackUrl that leads off the site, or breaks the header, ends on our home page", async ({ page, baseURL }) => {
  const account = await signUp(page, "Redirect");
  await page.getByRole("button", { name: "Sign out" }).first().click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  // A tab the browser drops would turn this into //evil.example/x once signed in.
  await page.goto("/sign-in?callbackUrl=/%09/evil.example/x");
  await signIn(page, account);
  await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  expect(new URL(page.url()).origin).toBe(baseURL);

  // Signed in, the sign-in page redirects at once: a newline must not reach the Location header.
  for (const nasty of ["/%0A", "%0A", "//evil.example/x", "/%5Cevil.example", "https://evil.example/", "javascript:alert(1)"]) {
    const response = await page.goto(`/sign-in?callbackUrl=${nasty}`);
    expect(response?.status(), nasty).toBe(200);
    expect(new URL(page.url()).origin, nasty).toBe(baseURL);
    await expect(page.getByRole("heading", { name: "Inbox" }), nasty).toBeVisible();
  }
});

test("pages carry a nonce-based policy that refuses an injected script", async ({ page, request, cspViolations }) => {
  const response = await page.goto("/sign-in");
  const headers = response!.headers();
  const nonce = /'nonce-([^']+)'/.exec(headers["content-security-policy"] ?? "")?.[1];
  expect(nonce).toBeDefined();
  expect(headers["content-security-policy"]).toContain("'strict-dynamic'");
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["strict-transport-security"]).toBeUndefined(); // APP_URL is http here
  // Next.js put the nonce on its own scripts, which ran: the form is interactive.
  const scripts = await page.locator("script").evaluateAll((nodes) => nodes.map((node) => (node as HTMLScriptElement).nonce));
  expect(scripts.length).toBeGreaterThan(0);
  expect(scripts.every((value) => value === nonce)).toBe(true);

  // What an injected bit of markup would try: an inline handler. It does not run, and is reported.
  await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", `<img src="/no-such-image.png" onerror="document.title = 'pwned'">`));
  await expect.poll(() => cspViolations.length).toBeGreaterThan(0);
  expect(await page.title()).not.toBe("pwned");
  cspViolations.length = 0;

  // A page that does not exist is a page too: rendered per request, so its scripts carry the nonce.
  const missing = await page.goto("/no-such-page");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  const missingNonce = /'nonce-([^']+)'/.exec(missing!.headers()["content-security-policy"] ?? "")?.[1];
  const missingScripts = await page.locator("script").evaluateAll((nodes) => nodes.map((node) => (node as HTMLScriptElement).nonce));
  expect(missingScripts.every((value) => value === missingNonce)).toBe(true);

  // Meta's webhook is not a page: no policy, the fixed headers all the same.
  const webhook = await request.get("/api/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1");
  expect(webhook.headers()["content-security-policy"]).toBeUndefined();
  expect(webhook.headers()["x-content-type-options"]).toBe("nosniff");
});
