import { beforeAll, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/lib/config/env";
import { findInvitation } from "@/lib/workspace/invitations";
import { signUp } from "@/lib/workspace/signup";
import { formData } from "@/testing/expect-next";
import { captureMail } from "@/testing/mail";
import { actAs } from "@/testing/next-request";
import { linkIn } from "@/testing/smtp-capture";
import { inviteMemberAction } from "./actions";

vi.mock("next/headers", () => import("@/testing/next-request"));
vi.mock("next/cache", () => import("@/testing/next-cache"));

const mailbox = captureMail();
let slug: string;
let ownerId: string;

beforeAll(async () => {
  const { user, workspace } = await signUp({ name: "Ola Owner", email: "ola@invite-mail.test", password: "ola-password-1", workspaceName: "Mailers" }, { emailVerified: true });
  slug = workspace.slug;
  ownerId = user.id;
});

it("mails the invitation with the same single-use link the admin is shown", async () => {
  await actAs(ownerId);
  const state = await inviteMemberAction(slug, {}, formData({ email: "Pia@Invite-Mail.test", role: "agent" }));
  expect(state).toMatchObject({ ok: true, result: { email: "pia@invite-mail.test", mailed: "yes" } });
  const mail = await mailbox().waitFor("pia@invite-mail.test");
  expect(mail.subject).toBe("Ola Owner invited you to Mailers on Switchboard");
  expect(mail.text).toContain("join the workspace Mailers on Switchboard as an agent");
  const link = linkIn(mail, new URL(state.result!.link!).origin);
  expect(link).toBe(state.result!.link);
  expect(await findInvitation(new URL(link).pathname.split("/")[2]!)).toMatchObject({ email: "pia@invite-mail.test", role: "agent" });
});

it("still makes the invitation when the mail server is down, and tells the admin to pass the link on", async () => {
  const working = process.env.SMTP_URL;
  process.env.SMTP_URL = "smtp://127.0.0.1:9";
  resetEnvForTests();
  try {
    await actAs(ownerId);
    const state = await inviteMemberAction(slug, {}, formData({ email: "quin@invite-mail.test", role: "admin" }));
    expect(state).toMatchObject({ ok: true, result: { email: "quin@invite-mail.test", mailed: "no" } });
    expect(await findInvitation(new URL(state.result!.link!).pathname.split("/")[2]!)).toMatchObject({ email: "quin@invite-mail.test" });
  } finally {
    process.env.SMTP_URL = working;
    resetEnvForTests();
  }
});
