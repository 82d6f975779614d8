import { expect, test, type BrowserContext, type Page } from "./support/csp";
import { signUpConfirmed } from "./support/mailbox";
import { metaGrants } from "./support/whatsapp";

/**
 * The accounts journey a business goes through on day one, in two browsers: the owner's
 * and a new agent's. Every response either browser receives is kept and scanned for
 * secrets at the end.
 */
const stamp = Date.now().toString(36);
const owner = { name: "Olivia Owner", email: `olivia-${stamp}@example.test`, password: "owner-password-123" };
const agent = { name: "Arjun Agent", email: `arjun-${stamp}@example.test`, password: "agent-password-456" };
const accessToken = `EAAGe2eSecretToken${stamp}XYZ9876`;
const phoneNumberId = `1${Date.now()}`;
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/accounts-${name}.png`, fullPage: true });

type Seen = { url: string; body: string };

function recordResponses(context: BrowserContext, into: Seen[]) {
  context.on("response", async (response) => {
    const type = response.headers()["content-type"] ?? "";
    if (!/html|json|x-component|javascript|text\/plain/.test(type)) return;
    try {
      into.push({ url: response.url(), body: await response.text() });
    } catch {
      // Redirects and aborted navigations have no body to read.
    }
  });
}

test("owner signs up, connects a number, invites an agent, and removes them", async ({ browser, baseURL }) => {
  const ownerSeen: Seen[] = [];
  const agentSeen: Seen[] = [];
  const ownerContext = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  recordResponses(ownerContext, ownerSeen);
  const ownerPage = await ownerContext.newPage();

  // Sign up: the account, the workspace and the owner membership; the address is confirmed from the mail.
  await ownerPage.goto("/sign-up");
  await shot(ownerPage, "01-sign-up");
  await signUpConfirmed(ownerPage, { name: owner.name, email: owner.email, password: owner.password, workspace: `Acme ${stamp}` });
  await expect(ownerPage.getByText("No conversations yet")).toBeVisible();
  const slug = new URL(ownerPage.url()).pathname.split("/")[2]!;
  await shot(ownerPage, "02-owner-inbox");

  // Add a number.
  await ownerPage.getByRole("link", { name: "Connect a WhatsApp number" }).click();
  await expect(ownerPage.getByRole("heading", { name: "Add a WhatsApp number" })).toBeVisible();
  // Meta (the fake Graph) knows the token sees this number in the WABA.
  await metaGrants(ownerPage.request, { token: accessToken, wabaId: "104400000000001", phoneNumberIds: [phoneNumberId] });
  await ownerPage.getByLabel("Phone number ID").fill(phoneNumberId);
  await ownerPage.getByLabel("Label", { exact: true }).fill("Support");
  await ownerPage.getByLabel("WhatsApp Business Account ID").fill("104400000000001");
  await ownerPage.getByLabel("Access token", { exact: true }).fill(accessToken);
  await ownerPage.getByRole("button", { name: "Add number" }).click();
  await expect(ownerPage.getByText(`Support (+${phoneNumberId}) is connected.`)).toBeVisible();
  await expect(ownerPage.getByText(`••••${accessToken.slice(-4)}`)).toBeVisible();
  await expect(ownerPage.getByLabel("Access token", { exact: true })).toHaveValue("");
  // The business sees its number's state, not the platform's webhook settings.
  await expect(ownerPage.getByText("Verified by Meta")).toBeVisible();
  await expect(ownerPage.getByText("Callback URL")).toHaveCount(0);
  await shot(ownerPage, "03-number-added");

  // Invite an agent: a link to copy.
  await ownerPage.getByRole("link", { name: "Members" }).click();
  await ownerPage.getByLabel("Email address").fill(agent.email);
  await ownerPage.getByLabel("Role").selectOption("agent");
  await ownerPage.getByRole("button", { name: "Send invitation" }).click();
  const linkField = ownerPage.getByRole("textbox", { name: `Invitation link for ${agent.email}` });
  await expect(linkField).toBeVisible();
  const invitationLink = await linkField.inputValue();
  expect(invitationLink).toMatch(new RegExp(`^${baseURL}/invite/`));
  await shot(ownerPage, "04-invitation-link");

  // The agent accepts in a browser of their own.
  const agentContext = await browser.newContext();
  recordResponses(agentContext, agentSeen);
  const agentPage = await agentContext.newPage();
  await agentPage.goto(invitationLink);
  await expect(agentPage.getByRole("heading", { name: `Join Acme ${stamp}` })).toBeVisible();
  await agentPage.getByLabel("Your name").fill(agent.name);
  await agentPage.getByLabel("Choose a password").fill(agent.password);
  await shot(agentPage, "05-accept-invitation");
  await agentPage.getByRole("button", { name: "Create account and join" }).click();

  // The agent sees the inbox, and no settings: not in the navigation, not by address.
  await expect(agentPage.getByRole("heading", { name: "Inbox" })).toBeVisible();
  const nav = agentPage.getByRole("navigation", { name: "Workspace" });
  await expect(nav.getByRole("link", { name: "Inbox" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Settings" })).toHaveCount(0);
  await shot(agentPage, "06-agent-inbox");
  const settings = await agentPage.goto(`/w/${slug}/settings/numbers`);
  expect(settings?.status()).toBe(404);
  await expect(agentPage.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await agentPage.goto(`/w/${slug}/inbox`);
  await expect(agentPage.getByRole("heading", { name: "Inbox" })).toBeVisible();

  // The owner removes the agent.
  await ownerPage.reload();
  const row = ownerPage.getByRole("listitem").filter({ hasText: agent.email });
  await row.getByText("Remove", { exact: true }).click();
  await row.getByRole("button", { name: `Remove ${agent.name}` }).click();
  await expect(ownerPage.getByRole("listitem").filter({ hasText: agent.email })).toHaveCount(0);
  await shot(ownerPage, "07-agent-removed");

  // The agent's very next navigation is refused.
  await agentPage.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Inbox" }).click();
  await expect(agentPage.getByRole("heading", { name: "Page not found" })).toBeVisible();
  const refused = await agentPage.goto(`/w/${slug}/inbox`);
  expect(refused?.status()).toBe(404);
  await shot(agentPage, "08-agent-refused");

  // The audit log tells the story.
  await ownerPage.getByRole("link", { name: "Audit log" }).click();
  for (const entry of ["removed a member", "joined the workspace", "invited a member", "added a WhatsApp number", "created the workspace"]) {
    await expect(ownerPage.getByRole("cell", { name: new RegExp(entry) }).first()).toBeVisible();
  }
  await shot(ownerPage, "09-audit-log");

  // A full page load of the numbers settings, so the scan below certainly holds a response
  // that carries the verify token (client navigations may be served from the router cache).
  const numbersPage = await ownerPage.goto(`/w/${slug}/settings/numbers`);
  expect(numbersPage?.status()).toBe(200);
  await ownerPage.waitForLoadState("networkidle");

  // Nothing secret ever reached either browser.
  const secrets = [
    accessToken,
    "$argon2id$",
    "e2e-auth-secret-e2e-auth-secret-e2e-auth-secret",
    "e2e-app-secret-0123456789abcdef",
    Buffer.alloc(32, 7).toString("base64"),
    "password_hash",
    "passwordHash",
    "access_token_encrypted",
    "accessTokenEncrypted",
    "tokenHash",
    owner.password,
    agent.password,
  ];
  expect(ownerSeen.length).toBeGreaterThan(10);
  expect(agentSeen.length).toBeGreaterThan(5);
  for (const { url, body } of [...ownerSeen, ...agentSeen]) {
    for (const secret of secrets) expect(body.includes(secret), `${secret} in ${url}`).toBe(false);
  }
  // The verify token is the operator's (npm run ops -- webhook): no workspace member, owner included, receives it.
  for (const { url, body } of [...agentSeen, ...ownerSeen]) expect(body.includes("e2e-verify-token-0123456789"), url).toBe(false);

  await agentContext.close();
  await ownerContext.close();
});

test("sign-in and sign-out refuse a request made by another site", async ({ request }) => {
  const response = await request.post("/api/auth/callback/credentials", {
    headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
    data: "email=a%40b.test&password=x&csrfToken=x",
  });
  expect(response.status()).toBe(403);
});

test("an existing user signs in from an invitation, joins, and switches between workspaces", async ({ browser }) => {
  const host = { email: `hana-${stamp}@example.test`, password: "host-password-789" };
  const guest = { email: `gabe-${stamp}@example.test`, password: "guest-password-012" };
  const signUp = (page: Page, who: { email: string; password: string }, name: string, workspace: string) =>
    signUpConfirmed(page, { ...who, name, workspace });

  const hostPage = await (await browser.newContext()).newPage();
  await signUp(hostPage, host, "Hana Host", `Harbor ${stamp}`);
  const guestContext = await browser.newContext();
  const guestPage = await guestContext.newPage();
  await signUp(guestPage, guest, "Gabe Guest", `Garden ${stamp}`);
  await guestPage.getByRole("button", { name: "Sign out" }).first().click();
  await expect(guestPage.getByRole("heading", { name: "Sign in" })).toBeVisible();

  await hostPage.goto(new URL(hostPage.url()).pathname.replace("/inbox", "/settings/members"));
  await hostPage.getByLabel("Email address").fill(guest.email);
  await hostPage.getByLabel("Role").selectOption("admin");
  await hostPage.getByRole("button", { name: "Send invitation" }).click();
  const link = await hostPage.getByRole("textbox", { name: `Invitation link for ${guest.email}` }).inputValue();

  await guestPage.goto(link);
  await guestPage.getByRole("link", { name: "Sign in to accept" }).click();
  await expect(guestPage.getByLabel("Email")).toHaveValue(guest.email);
  await guestPage.getByLabel("Password").fill(guest.password);
  await guestPage.getByRole("button", { name: "Sign in" }).click();
  await guestPage.getByRole("button", { name: `Join Harbor ${stamp}` }).click();
  await expect(guestPage.getByRole("heading", { name: "Inbox" })).toBeVisible();
  await expect(guestPage.getByText(`Conversations with customers of Harbor ${stamp}.`)).toBeVisible();
  await expect(guestPage.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Settings" })).toBeVisible();

  await guestPage.getByText(`Harbor ${stamp}`, { exact: true }).first().click();
  await shot(guestPage, "11-workspace-switcher");
  await guestPage.getByRole("link", { name: `Garden ${stamp}` }).click();
  await expect(guestPage.getByText(`Conversations with customers of Garden ${stamp}.`)).toBeVisible();

  // The used link is spent.
  await guestPage.goto(link);
  await expect(guestPage.getByRole("heading", { name: "This invitation can't be used" })).toBeVisible();
  await guestContext.close();
});
