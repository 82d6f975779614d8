import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { beforeAll, expect, it, vi } from "vitest";
import { withTenant } from "@/db/tenant";
import { createTestMember } from "@/testing/db/factories";
import { signUp } from "@/lib/workspace/signup";
import { actAs } from "@/testing/next-request";
import { createInvitation } from "@/lib/workspace/invitations";
import MembersPage from "./page";

vi.mock("next/headers", () => import("@/testing/next-request"));

/**
 * The members page as an owner or an admin reads it: the words that say what each role may
 * do, each member's role, and the role an invitation grants.
 */
let slug: string;
let ownerId: string;
let adminId: string;
beforeAll(async () => {
  const { user, workspace } = await signUp({ name: "Ana Owner", email: "ana@members-page.test", password: "ana-password-1", workspaceName: "Acme" }, { emailVerified: true });
  slug = workspace.slug;
  ownerId = user.id;
  adminId = (await createTestMember(workspace.id, "admin", "Bea Admin")).id;
  await createTestMember(workspace.id, "agent", "Cruz Agent");
  const owner = { tenantId: workspace.id, userId: user.id, role: "owner" as const };
  await withTenant(workspace.id, (tx) => createInvitation({ tx, actor: owner }, { email: "dee@members-page.test", role: "admin" }));
});

const decode = (text: string) => text.replace(/&amp;/g, "&").replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">");
/** The text a person reads in a piece of markup, one " | " per element boundary. */
const textOf = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, "")
    .split(/<[^>]+>/)
    .map((part) => decode(part).trim())
    .filter(Boolean)
    .join(" | ");

async function seenBy(userId: string) {
  await actAs(userId);
  const html = renderToStaticMarkup(createElement("main", null, await MembersPage({ params: Promise.resolve({ slug }) })));
  const row = (name: string) => {
    const item = html.split(/<li\b/).find((part) => part.includes(`>${name} <`) || part.includes(`>${name}<`));
    return { text: textOf(`<li${item ?? ""}`), html: item ?? "" };
  };
  return { text: textOf(html), row };
}

it("tells an admin in words what each role may do", async () => {
  const page = await seenBy(adminId);
  expect(page.text).toContain(
    "Members (3) | Owner: Everything, including deleting the workspace and transferring ownership. " +
      "Admin: WhatsApp numbers, members and settings, plus the inbox. Agent: The inbox: conversations and replies.",
  );
});

it("shows an admin each member's role, and offers to change only the roles an admin may grant", async () => {
  const page = await seenBy(adminId);
  expect(page.row("Ana Owner").text).toMatch(/^Ana Owner \| ana@members-page\.test · joined .+ \| Owner$/);
  expect(page.row("Bea Admin").text).toMatch(/^Bea Admin \| You \| .+ · joined .+ \| Admin$/);
  const agent = page.row("Cruz Agent");
  expect(agent.text).toMatch(/\| Role for Cruz Agent \| Admin \| Agent \| Save \|/);
  expect(agent.html).toContain('<option value="agent" selected="">Agent</option>');
});

it("offers an owner every role by name for another member", async () => {
  const page = await seenBy(ownerId);
  expect(page.row("Ana Owner").text).toMatch(/^Ana Owner \| You \| .+ \| Owner$/);
  const admin = page.row("Bea Admin");
  expect(admin.text).toMatch(/\| Role for Bea Admin \| Owner \| Admin \| Agent \| Save \|/);
  expect(admin.html).toContain('<option value="admin" selected="">Admin</option>');
});

it("names the role a pending invitation grants", async () => {
  const page = await seenBy(adminId);
  expect(page.row("dee@members-page.test").text).toMatch(/^dee@members-page\.test \| Admin · expires \w{3} \d{1,2}, \d{4} \| Revoke \|/);
});
