import { expect, test } from "./support/csp";
import { customerWrites, metaGrants, signUpOwner, uniqueDigits } from "./support/whatsapp";

/**
 * Connecting a number is proved with Meta (the fake Graph API, scripts/fake-graph.ts): an
 * admin connects a number with a token Meta says sees it, sees its health and receives a
 * customer's message; a second workspace trying the same number with its own token, which
 * Meta says cannot see it, is refused and gets nothing.
 */
test("a number connects only with a token Meta confirms, and a second workspace's token is refused", async ({ browser }) => {
  const phoneNumberId = uniqueDigits("12");
  const wabaId = uniqueDigits("1045");
  const ownerToken = `EAAGe2eOwner${uniqueDigits("")}Token`;
  const strangerToken = `EAAGe2eStranger${uniqueDigits("")}Token`;

  const owner = await browser.newPage();
  await metaGrants(owner.request, { token: ownerToken, wabaId, phoneNumberIds: [uniqueDigits("13"), phoneNumberId] });
  await metaGrants(owner.request, { token: strangerToken, wabaId: uniqueDigits("1046"), phoneNumberIds: [uniqueDigits("14")] });

  const slug = await signUpOwner(owner, "Proven");
  await owner.goto(`/w/${slug}/settings/numbers`);
  await owner.getByLabel("Phone number ID").fill(phoneNumberId);
  await owner.getByLabel("Label", { exact: true }).fill("Support");
  await owner.getByLabel("WhatsApp Business Account ID").fill(wabaId);
  await owner.getByLabel("Access token", { exact: true }).fill(ownerToken);
  await owner.getByRole("button", { name: "Add number" }).click();
  await expect(owner.getByText(`Support (+${phoneNumberId}) is connected.`)).toBeVisible();

  const row = owner.locator(`[data-number="${phoneNumberId}"]`);
  await expect(row.getByText("Connected", { exact: true })).toBeVisible();
  await expect(row.locator("dt", { hasText: "Verified by Meta" }).locator("+ dd")).toHaveText("yes");
  await expect(row.getByText("Demo Coffee Roasters")).toBeVisible();
  await expect(row.locator("dt", { hasText: "App subscribed" }).locator("+ dd")).toHaveText("yes");
  await expect(row.locator("dt", { hasText: "Quality rating" }).locator("+ dd")).toHaveText("GREEN");
  await expect(row.locator("dt", { hasText: "Messaging limit" }).locator("+ dd")).toHaveText("TIER_1K");
  await expect(row.locator("dt", { hasText: "Last message" }).locator("+ dd")).toHaveText("none yet");

  await row.getByRole("button", { name: "Check again" }).click();
  await expect(owner.getByText("Meta confirms this number is yours; messages to it arrive here.")).toBeVisible();

  await customerWrites(owner.request, { phoneNumberId, from: "5215511112222", name: "Paula Prueba", text: "¿Está abierto hoy?" });
  await owner.goto(`/w/${slug}/inbox`);
  await expect(owner.locator("[data-conversation-row]", { hasText: "Paula Prueba" })).toBeVisible();
  await owner.goto(`/w/${slug}/settings/numbers`);
  await expect(owner.locator(`[data-number="${phoneNumberId}"]`).locator("dt", { hasText: "Last message" }).locator("+ dd")).not.toHaveText(
    "none yet",
  );

  const stranger = await browser.newPage();
  const strangerSlug = await signUpOwner(stranger, "Stranger");
  await stranger.goto(`/w/${strangerSlug}/settings/numbers`);
  await stranger.getByLabel("Phone number ID").fill(phoneNumberId);
  await stranger.getByLabel("Label", { exact: true }).fill("Mine now");
  await stranger.getByLabel("WhatsApp Business Account ID").fill(wabaId);
  await stranger.getByLabel("Access token", { exact: true }).fill(strangerToken);
  await stranger.getByRole("button", { name: "Add number" }).click();
  await expect(stranger.getByText(`This access token cannot see WhatsApp Business Account ${wabaId}`)).toBeVisible();
  await expect(stranger.getByText("No numbers yet. Add your first one below.")).toBeVisible();
  await stranger.goto(`/w/${strangerSlug}/inbox`);
  await expect(stranger.getByText("No conversations yet")).toBeVisible();
  await expect(stranger.getByText("Paula Prueba")).toHaveCount(0);
});
