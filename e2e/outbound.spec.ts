import { expect, test } from "./support/csp";
import { addNumber, customerWrites, signUpOwner, uniqueDigits } from "./support/whatsapp";

/**
 * Answering a customer from a sandbox number (no access token): the reply is stored and
 * shown at once, clearly labelled as not sent, and nothing is sent anywhere.
 */
test("an owner replies from a sandbox number and sees it stored as not sent", async ({ page, request }) => {
  const phoneNumberId = uniqueDigits("999");
  const slug = await signUpOwner(page, "Sandy");
  await addNumber(page, slug, { phoneNumberId, label: "Try-out line" });

  const customer = `Ana ${uniqueDigits("")}`;
  await customerWrites(request, { phoneNumberId, from: "5215500000001", name: customer, text: "¿Tienen envío hoy?" });

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
