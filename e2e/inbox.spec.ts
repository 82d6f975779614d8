import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "./support/csp";
import { customerWrites, customerWritesMany, ownerWithCloudNumber } from "./support/whatsapp";

/**
 * The inbox in two workspaces side by side: a signed WhatsApp delivery for A shows up live
 * in A's open inbox and never in B's; A's owner then works it (read, assign, resolve,
 * filter, search, keyboard), and the pages pass an accessibility check.
 */
const stamp = Date.now().toString(36);
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/inbox-${name}.png`, fullPage: true });

async function ownerWithNumber(browser: Browser, who: string, phoneNumberId: string) {
  const page = await (await browser.newContext()).newPage();
  const { slug } = await ownerWithCloudNumber(page, who, phoneNumberId);
  await page.goto(`/w/${slug}/inbox`);
  return { page, slug };
}

async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

test("a delivery for A appears live in A's inbox only, and A works it", async ({ browser, request }) => {
  const numberA = `71${Date.now()}`;
  const numberB = `72${Date.now()}`;
  const a = await ownerWithNumber(browser, "Alpha", numberA);
  const b = await ownerWithNumber(browser, "Bravo", numberB);
  await expect(a.page.getByText("No conversations yet")).toBeVisible();
  await expect(a.page.locator('[data-live="connected"]')).toBeAttached();
  await expect(b.page.locator('[data-live="connected"]')).toBeAttached();

  const customer = `Lupita ${stamp}`;
  await customerWrites(request, { phoneNumberId: numberA, from: "5215512345678", name: customer, text: "Hola, ¿dónde está mi pedido 4471?\nGracias" });

  // Live, without reload, with an unread badge; never in B.
  const row = a.page.locator("[data-conversation-row]", { hasText: customer });
  await expect(row).toBeVisible();
  await expect(row.getByTestId("unread-badge")).toHaveText(/1/);
  await shot(a.page, "01-desktop-list");
  await expect(b.page.getByText("No conversations yet")).toBeVisible();
  await b.page.reload();
  await expect(b.page.getByText("No conversations yet")).toBeVisible();
  await expect(b.page.getByText(customer)).toHaveCount(0);
  await expectAccessible(a.page);

  // Keyboard: j focuses the first conversation, Enter opens it, Esc comes back.
  await a.page.locator("body").click({ position: { x: 5, y: 5 } });
  await a.page.keyboard.press("j");
  await expect(row).toBeFocused();
  await a.page.keyboard.press("Enter");
  await expect(a.page.getByRole("heading", { name: customer, level: 2 })).toBeVisible();
  await expect(a.page.getByRole("list", { name: "Messages" }).getByText(/Hola, ¿dónde está mi pedido 4471\?\s+Gracias/)).toBeVisible();

  // Opening it reads it, and so does a message arriving while it is open on screen.
  await expect(row.getByTestId("unread-badge")).toHaveCount(0);
  const conversationUrl = a.page.url().replace(`/w/${a.slug}/inbox/`, `/api/w/${a.slug}/conversations/`);
  await customerWrites(request, { phoneNumberId: numberA, from: "5215512345678", name: customer, text: "¿Sigue ahí?" });
  await expect(a.page.getByRole("list", { name: "Messages" }).getByText("¿Sigue ahí?")).toBeVisible();
  await expect
    .poll(async () => ((await (await a.page.request.get(conversationUrl)).json()) as { unreadCount: number }).unreadCount)
    .toBe(0);
  await expect(row.getByTestId("unread-badge")).toHaveCount(0);
  await shot(a.page, "02-desktop-thread");
  await expectAccessible(a.page);
  await a.page.keyboard.press("Escape");
  await expect(a.page).toHaveURL(new RegExp(`/w/${a.slug}/inbox$`));

  // Assign to me, then resolve: both recorded in the thread.
  await row.click();
  await a.page.getByRole("button", { name: "Assign to me" }).click();
  await expect(a.page.getByText("Alpha Owner took this conversation")).toBeVisible();
  await a.page.getByRole("button", { name: "Resolve" }).click();
  await expect(a.page.getByText("Alpha Owner resolved this conversation")).toBeVisible();
  await expect(a.page.getByRole("button", { name: "Reopen" })).toBeVisible();

  // Filters: gone from Open, present under Resolved and Mine.
  await a.page.goto(`/w/${a.slug}/inbox`);
  await expect(a.page.getByText(customer)).toHaveCount(0);
  await a.page.getByRole("link", { name: "Resolved", exact: true }).click();
  await expect(row).toBeVisible();
  await a.page.getByRole("link", { name: "Mine", exact: true }).click();
  await expect(a.page).toHaveURL(/status=resolved&assignee=mine/);
  await expect(row).toBeVisible();
  await a.page.getByRole("link", { name: "Unassigned", exact: true }).click();
  await expect(a.page.getByText(customer)).toHaveCount(0);

  // Search: "/" focuses it; a message hit opens the thread at the message.
  await a.page.locator("body").click({ position: { x: 5, y: 5 } });
  await a.page.keyboard.press("/");
  await expect(a.page.getByLabel("Search conversations and messages")).toBeFocused();
  await a.page.keyboard.type("pedido 4471");
  const hit = a.page.getByTestId("search-results").getByRole("link", { name: /dónde está mi pedido/ });
  await expect(hit).toBeVisible();
  await hit.click();
  await expect(a.page).toHaveURL(/\?m=[0-9a-f-]+/);
  await expect(a.page.locator('[data-highlighted="true"]')).toContainText("pedido 4471");

  // B's search never finds it.
  await b.page.getByLabel("Search conversations and messages").fill("pedido 4471");
  await expect(b.page.getByTestId("search-results")).toContainText("Nothing matches");

  // Phone width: the list, then the thread.
  await a.page.setViewportSize({ width: 390, height: 844 });
  await a.page.goto(`/w/${a.slug}/inbox?status=resolved`);
  await expect(row).toBeVisible();
  await shot(a.page, "03-phone-list");
  await row.click();
  await expect(a.page.getByRole("heading", { name: customer, level: 2 })).toBeVisible();
  await expect(a.page.getByTestId("conversation-list")).toBeHidden();
  await shot(a.page, "04-phone-thread");
  await expectAccessible(a.page);
});

test("a long thread loads older messages as the person scrolls up, and keeps their place", async ({ browser, request }) => {
  const number = `73${Date.now()}`;
  const c = await ownerWithNumber(browser, "Charlie", number);
  const customer = `Paco ${stamp}`;
  const notes = Array.from({ length: 70 }, (_, i) => `Note ${i + 1}`);
  await customerWritesMany(request, { phoneNumberId: number, from: "5215599990000", name: customer, texts: notes });

  await c.page.locator("[data-conversation-row]", { hasText: customer }).click();
  const thread = c.page.getByRole("list", { name: "Messages" });
  await expect(thread.getByText("Note 70", { exact: true })).toBeVisible();
  await expect(thread.getByText("Note 1", { exact: true })).toHaveCount(0);

  // Scrolling to the top fetches the older page by itself; what was at the top stays in view.
  await thread.hover();
  await c.page.mouse.wheel(0, -50_000);
  await expect(thread.getByText("Note 1", { exact: true })).toBeAttached();
  await expect(thread.getByText("Note 21", { exact: true })).toBeInViewport();
  await expect(c.page.getByRole("button", { name: "Load older messages" })).toHaveCount(0);
});
