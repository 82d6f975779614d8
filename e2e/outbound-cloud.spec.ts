import { expect, test, type Page } from "./support/csp";
import {
  customerWrites,
  metaAnswers,
  metaReports,
  metaWillAnswer,
  openConversation,
  ownerWithCloudNumber,
  storedMessage,
  uniqueDigits,
  metaGrants,
} from "./support/whatsapp";

/**
 * Answering customers from a number with an access token: the app server sends through the
 * fake Graph API (scripts/fake-graph.ts, answering from the shared fixtures), and Meta's
 * status webhooks arrive signed. Each journey signs up its own workspace.
 */
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/outbound-cloud-${name}.png`, fullPage: true });

const windowClosedReason = "More than 24 hours since the customer's last message — send a template";
const tokenExpiredReason = "This number's access token has expired — an admin must update it in Settings";

test("a reply goes pending → sent → delivered → read, as Meta reports it", async ({ page, request }) => {
  const phoneNumberId = uniqueDigits("71");
  const customerNumber = uniqueDigits("521");
  const customer = "Lucía Cloud";
  const { slug } = await ownerWithCloudNumber(page, "Cloud", phoneNumberId);
  await customerWrites(request, { phoneNumberId, from: customerNumber, name: customer, text: "¿Puedo cambiar la talla?" });
  const conversationId = await openConversation(page, slug, customer);

  // Meta answers only once the test has seen the message on its way.
  await metaWillAnswer(request, customerNumber, { hold: true });
  const text = "Claro, te enviamos la M.";
  const box = page.getByRole("region", { name: "Reply composer" }).getByRole("textbox", { name: "Reply" });
  await box.fill(text);
  await box.press("Enter");

  const bubble = page.getByRole("list", { name: "Messages" }).locator("li", { hasText: text });
  await expect(bubble.getByRole("img", { name: "Sending" })).toBeVisible();
  await shot(page, "01-pending");
  await metaAnswers(request, customerNumber);
  await expect(bubble.getByRole("img", { name: "Sent" })).toBeVisible();
  await expect(box).toHaveValue("");

  // The wamid Meta returned is stored: the status webhooks below find the message by it.
  const stored = await storedMessage(page, slug, conversationId, text);
  expect(stored).toMatchObject({ status: "sent", wamid: expect.stringMatching(/^wamid\./) });

  await metaReports(request, { phoneNumberId, wamid: stored!.wamid!, recipient: customerNumber, status: "delivered" });
  await expect(bubble.getByRole("img", { name: "Delivered" })).toBeVisible();
  await metaReports(request, { phoneNumberId, wamid: stored!.wamid!, recipient: customerNumber, status: "read" });
  await expect(bubble.getByRole("img", { name: "Read" })).toBeVisible();
  await shot(page, "02-read");

  await page.reload();
  await expect(page.getByRole("list", { name: "Messages" }).locator("li", { hasText: text })).toHaveCount(1);
});

test("with the 24-hour window closed, free text is off and a synced template goes out", async ({ page, request }) => {
  const phoneNumberId = uniqueDigits("72");
  const customerNumber = uniqueDigits("521");
  const customer = "Tomás Ventana";
  const wroteAt = new Date(Date.now() - 30 * 60 * 60 * 1000);
  const { slug } = await ownerWithCloudNumber(page, "Window", phoneNumberId);
  await customerWrites(request, { phoneNumberId, from: customerNumber, name: customer, text: "¿Ya salió mi pedido?", at: wroteAt });
  await openConversation(page, slug, customer);

  const composer = page.getByRole("region", { name: "Reply composer" });
  const closedAt = await page.evaluate(
    (iso) => new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)),
    new Date(wroteAt.getTime() + 24 * 60 * 60 * 1000).toISOString(),
  );
  await expect(composer.getByText(`The 24-hour reply window closed ${closedAt}.`)).toBeVisible();
  await expect(composer.getByText("Free text is off until the customer writes again")).toBeVisible();
  await expect(composer.getByRole("textbox", { name: "Reply" })).toHaveCount(0);

  // Templates come from Meta (message-templates-list fixture): approved ones only.
  await expect(composer.getByText("No approved templates yet")).toBeVisible();
  await composer.getByRole("button", { name: "Sync templates" }).click();
  await expect(composer.getByText("Templates synced from WhatsApp.")).toBeVisible();
  const picker = composer.getByLabel("Template", { exact: true });
  await expect(picker.getByRole("option", { name: "order_update (es_MX)" })).toHaveCount(1);
  await expect(picker.getByRole("option", { name: /draft_promo/ })).toHaveCount(0);
  await picker.selectOption({ label: "order_update (es_MX)" });
  await composer.getByLabel("Body {{1}}").fill("A-1042");
  await shot(page, "03-template-picker");
  await composer.getByRole("button", { name: "Send template" }).click();

  const bubble = page.getByRole("list", { name: "Messages" }).locator("li", { hasText: "Tu pedido A-1042 va en camino." });
  await expect(bubble.getByRole("img", { name: "Sent" })).toBeVisible();
  await shot(page, "04-template-sent");
});

test("Meta's 131047 shows the window reason on the message, and Retry sends it", async ({ page, request }) => {
  const phoneNumberId = uniqueDigits("73");
  const customerNumber = uniqueDigits("521");
  const customer = "Rita Reintento";
  const { slug } = await ownerWithCloudNumber(page, "Refused", phoneNumberId);
  await customerWrites(request, { phoneNumberId, from: customerNumber, name: customer, text: "Hola" });
  await openConversation(page, slug, customer);

  await metaWillAnswer(request, customerNumber, { fixture: "error-131047-reengagement-400" });
  const text = "Hola Rita, ¿te ayudo?";
  const box = page.getByRole("region", { name: "Reply composer" }).getByRole("textbox", { name: "Reply" });
  await box.fill(text);
  await box.press("Enter");

  const bubble = page.getByRole("list", { name: "Messages" }).locator("li", { hasText: text });
  await expect(bubble.getByRole("img", { name: "Failed" })).toBeVisible();
  await expect(bubble.getByText(`Not delivered: ${windowClosedReason}`)).toBeVisible();
  await shot(page, "05-failed-131047");

  // Meta's next answer is the default: accepted.
  await bubble.getByRole("button", { name: "Retry" }).click();
  await expect(bubble.getByRole("img", { name: "Sent" })).toBeVisible();
  await expect(bubble.getByText(windowClosedReason)).toHaveCount(0);
  await expect(bubble.getByRole("button", { name: "Retry" })).toHaveCount(0);
  await expect(page.getByRole("list", { name: "Messages" }).locator("li", { hasText: text })).toHaveCount(1);
});

test("an expired token (190) is explained, flagged in Settings, and Retry sends once it is replaced", async ({ page, request }) => {
  const phoneNumberId = uniqueDigits("74");
  const customerNumber = uniqueDigits("521");
  const customer = "Pablo Token";
  const { slug, wabaId } = await ownerWithCloudNumber(page, "Expired", phoneNumberId);
  await customerWrites(request, { phoneNumberId, from: customerNumber, name: customer, text: "¿Hay stock?" });
  const conversationId = await openConversation(page, slug, customer);

  await metaWillAnswer(request, customerNumber, { fixture: "error-190-token-expired-401" });
  const text = "Sí, quedan tres.";
  const composer = page.getByRole("region", { name: "Reply composer" });
  await composer.getByRole("textbox", { name: "Reply" }).fill(text);
  await composer.getByRole("textbox", { name: "Reply" }).press("Enter");

  const bubble = page.getByRole("list", { name: "Messages" }).locator("li", { hasText: text });
  await expect(bubble.getByText(`Not delivered: ${tokenExpiredReason}`)).toBeVisible();
  // Nothing more can go out from this number until an admin acts.
  await expect(composer.getByRole("alert")).toHaveText(tokenExpiredReason);
  await expect(composer.getByRole("textbox", { name: "Reply" })).toBeDisabled();
  await bubble.getByRole("button", { name: "Retry" }).click();
  await expect(bubble.getByRole("alert")).toHaveText(`Retry refused: ${tokenExpiredReason}`);
  await shot(page, "06-failed-190");

  await page.goto(`/w/${slug}/settings/numbers`);
  const row = page.getByRole("listitem").filter({ hasText: "Expired line" });
  await expect(row.getByText("Token rejected by Meta: replace it")).toBeVisible();
  // Meta knows the new token sees the number: it is checked before it is stored.
  await metaGrants(request, { token: "EAAGe2eReplacedToken0123456789", wabaId, phoneNumberIds: [phoneNumberId] });
  await row.getByText("Edit", { exact: true }).click();
  await row.getByLabel("New access token").fill("EAAGe2eReplacedToken0123456789");
  await row.getByRole("button", { name: "Save changes" }).click();
  await expect(row.getByText("Connected", { exact: true })).toBeVisible();

  await page.goto(`/w/${slug}/inbox/${conversationId}`);
  const again = page.getByRole("list", { name: "Messages" }).locator("li", { hasText: text });
  await again.getByRole("button", { name: "Retry" }).click();
  await expect(again.getByRole("img", { name: "Sent" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Reply composer" }).getByRole("textbox", { name: "Reply" })).toBeEnabled();
});
