import { createHmac } from "node:crypto";
import { expect, test } from "@playwright/test";

/**
 * Answering a customer from a sandbox number (no access token): the reply is stored and
 * shown at once, clearly labelled as not sent, and nothing is sent anywhere.
 */
const appSecret = "e2e-app-secret-0123456789abcdef"; // playwright.config.ts: WHATSAPP_APP_SECRET
const stamp = Date.now().toString(36);

function signedText(phoneNumberId: string, from: string, name: string, text: string) {
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "104400000000001",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550100001", phone_number_id: phoneNumberId },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [{ from, id: `wamid.out${stamp}`, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
  const signature = `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
  return { data: body, headers: { "content-type": "application/json", "x-hub-signature-256": signature } };
}

test("an owner replies from a sandbox number and sees it stored as not sent", async ({ page, request }) => {
  const phoneNumberId = `73${Date.now()}`;
  await page.goto("/sign-up");
  await page.getByLabel("Your name").fill("Sandy Owner");
  await page.getByLabel("Work email").fill(`sandy-${stamp}@example.test`);
  await page.getByLabel("Password").fill("Sandy-password-123");
  await page.getByLabel("Workspace name").fill(`Sandbox ${stamp}`);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  const slug = new URL(page.url()).pathname.split("/")[2]!;

  await page.goto(`/w/${slug}/settings/numbers`);
  await page.getByLabel("Phone number ID").fill(phoneNumberId);
  await page.getByLabel("Label", { exact: true }).fill("Try-out line");
  await page.getByLabel("Display phone number").fill("+1 555 010 0003");
  await page.getByLabel("WhatsApp Business Account ID").fill("104400000000003");
  await page.getByRole("button", { name: "Add number" }).click();
  await expect(page.getByText("Try-out line (+1 555 010 0003) is connected.")).toBeVisible();

  const customer = `Ana ${stamp}`;
  expect((await request.post("/api/webhooks/whatsapp", signedText(phoneNumberId, "5215500000001", customer, "¿Tienen envío hoy?"))).status()).toBe(200);

  await page.goto(`/w/${slug}/inbox`);
  await page.locator("[data-conversation-row]", { hasText: customer }).click();
  await expect(page.getByRole("heading", { name: customer, level: 2 })).toBeVisible();

  const composer = page.getByRole("region", { name: "Reply composer" });
  const box = composer.getByRole("textbox");
  await box.fill("Sí, hoy antes de las 6.");
  await box.press("Enter");

  const thread = page.getByRole("list", { name: "Messages" });
  const reply = thread.locator("li", { hasText: "Sí, hoy antes de las 6." });
  await expect(reply).toBeVisible();
  await expect(reply.getByText("Not sent (sandbox number)")).toBeVisible();
  await expect(box).toHaveValue("");
  await page.screenshot({ path: "test-results/screenshots/outbound-sandbox-reply.png", fullPage: true });

  // A reload shows the same single message: the send was stored once.
  await page.reload();
  await expect(page.getByRole("list", { name: "Messages" }).locator("li", { hasText: "Sí, hoy antes de las 6." })).toHaveCount(1);
});
