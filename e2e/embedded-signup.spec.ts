import fs from "node:fs";
import path from "node:path";
import { expect, test } from "./support/csp";
import { appId, configId, finish, standInForFacebook } from "./support/facebook";
import { appSecret, customerWrites, metaGrants, metaIssuesCode, metaReceived, signUpOwner, uniqueDigits } from "./support/whatsapp";

/**
 * "Connect with Facebook" in detail, against the stand-ins of support/facebook.ts: the options
 * the SDK is given, the code exchanged once, a refused PIN corrected, the app's secret in no
 * page or script, and the origin check. The day-one journey (onboarding.spec.ts) walks it once
 * among everything else a new business does.
 */

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
}

test("an admin connects a number through Embedded Signup with the register step, and its messages reach the inbox", async ({ page }) => {
  const phoneNumberId = uniqueDigits("15");
  const wabaId = uniqueDigits("1047");
  const token = `EAAGe2eSignup${uniqueDigits("")}Token`;
  const code = `AQDe2e${uniqueDigits("")}`;
  // What Meta knows once the business finished in Facebook's window: the number has a PIN already.
  await metaGrants(page.request, { token, wabaId, phoneNumberIds: [phoneNumberId], pin: "135790" });
  await metaIssuesCode(page.request, { code, token });
  await standInForFacebook(page, { wabaId, phoneNumberId, code });

  const slug = await signUpOwner(page, "Signup");
  await page.goto(`/w/${slug}/settings/numbers`);
  await page.getByRole("button", { name: "Connect with Facebook" }).click();

  await expect(page.getByText(`Facebook gave Switchboard access to phone number ID ${phoneNumberId}`)).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __fbInit: unknown }).__fbInit)).toMatchObject({ appId, version: "v25.0" });
  expect(await page.evaluate(() => (window as unknown as { __fbLogin: unknown }).__fbLogin)).toEqual({
    config_id: configId,
    response_type: "code",
    override_default_response_type: true,
    extras: { setup: {}, featureType: "", sessionInfoVersion: "3" },
  });
  const [exchange] = await metaReceived(page.request, "oauth_access_token");
  expect(exchange!.query).toEqual({ client_id: appId, client_secret: appSecret, code });

  await page.getByLabel("Two-step verification PIN").fill("000000");
  await page.getByLabel("Label (optional)").fill("Front desk");
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect(page.getByText("Meta refused the PIN: Two step verification PIN Mismatch")).toBeVisible();
  await expect(page.locator(`[data-number="${phoneNumberId}"]`)).toHaveCount(0);

  await page.getByLabel("Two-step verification PIN").fill("135790");
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect(page.getByText(`Front desk (+${phoneNumberId}) is connected.`)).toBeVisible();
  const row = page.locator(`[data-number="${phoneNumberId}"]`);
  await expect(row.getByText("Connected", { exact: true })).toBeVisible();
  await expect(row.locator("dt", { hasText: "App subscribed" }).locator("+ dd")).toHaveText("yes");
  expect((await metaReceived(page.request, "register")).filter((r) => r.path.includes(phoneNumberId)).map((r) => r.body)).toEqual([
    { messaging_product: "whatsapp", pin: "000000" },
    { messaging_product: "whatsapp", pin: "135790" },
  ]);
  // The code was exchanged once: the corrected PIN went with the same sign-in.
  expect((await metaReceived(page.request, "oauth_access_token")).filter((r) => r.query.code === code)).toHaveLength(1);

  // The app's secret is in no page the browser gets, nor in the built scripts it loads.
  for (const body of [await page.content(), await (await page.request.get(`/w/${slug}/settings/numbers`)).text()]) {
    expect(body).not.toContain(appSecret);
    expect(body).not.toContain(token);
  }
  const flight = await page.request.get(`/w/${slug}/settings/numbers`, { headers: { RSC: "1" } });
  expect(await flight.text()).not.toContain(appSecret);
  const leaking = filesUnder(path.join(process.cwd(), ".next/static")).filter((file) => fs.readFileSync(file, "utf8").includes(appSecret));
  expect(leaking).toEqual([]);

  await customerWrites(page.request, { phoneNumberId, from: "5215533334444", name: "Ximena Signup", text: "¿Ya está conectado?" });
  await page.goto(`/w/${slug}/inbox`);
  await page.locator("[data-conversation-row]", { hasText: "Ximena Signup" }).click();
  await expect(page.getByRole("list", { name: "Messages" }).getByText("¿Ya está conectado?")).toBeVisible();
});

test("Embedded Signup's message is believed only from Facebook: the page's own origin and a look-alike are ignored", async ({ page, context }) => {
  const phoneNumberId = uniqueDigits("16");
  const wabaId = uniqueDigits("1048");
  const token = `EAAGe2eForged${uniqueDigits("")}Token`;
  const code = `AQDe2e${uniqueDigits("")}`;
  const forged = { wabaId: uniqueDigits("1049"), phoneNumberId: uniqueDigits("17") };
  await metaGrants(page.request, { token, wabaId, phoneNumberIds: [phoneNumberId] });
  await metaIssuesCode(page.request, { code, token });
  await standInForFacebook(page);
  // A look-alike that a suffix check (`endsWith("facebook.com")`) would let in.
  await context.route("https://evilfacebook.com/**", (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>Not Facebook</title>" }),
  );

  const slug = await signUpOwner(page, "Forged");
  await page.goto(`/w/${slug}/settings/numbers`);
  await page.getByRole("button", { name: "Connect with Facebook" }).click();
  await expect(page.getByText("Finish the steps in Facebook's window.")).toBeVisible();

  await page.evaluate((message) => window.postMessage(message, "*"), finish(forged));
  const [lookAlike] = await Promise.all([page.waitForEvent("popup"), page.evaluate(() => void window.open("https://evilfacebook.com/dialog"))]);
  await lookAlike.evaluate((message) => window.opener.postMessage(message, "*"), finish(forged));
  await lookAlike.close();

  // Facebook's frame hands over the code first: had the page believed a forged message, it would
  // go on now with the forged number and ignore what Facebook says next.
  const isFacebook = (url: string) => url.startsWith("https://www.facebook.com/");
  await expect.poll(() => page.frames().some((frame) => isFacebook(frame.url()))).toBe(true);
  const facebook = page.frames().find((frame) => isFacebook(frame.url()));
  await facebook!.evaluate((login) => parent.postMessage(login, "*"), JSON.stringify({ stub: "login", code }));
  await expect(page.getByText("Finish the steps in Facebook's window.")).toBeVisible();
  await facebook!.evaluate((message) => parent.postMessage(message, "*"), finish({ wabaId, phoneNumberId }));

  await expect(page.getByText(`Facebook gave Switchboard access to phone number ID ${phoneNumberId} in WhatsApp Business Account ${wabaId}`)).toBeVisible();
  await expect(page.getByText(forged.phoneNumberId)).toHaveCount(0);
  await page.getByLabel("Two-step verification PIN").fill("246801");
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect(page.getByText(`Demo Coffee Roasters (+${phoneNumberId}) is connected.`)).toBeVisible();
  await expect(page.locator(`[data-number="${forged.phoneNumberId}"]`)).toHaveCount(0);
});
