import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withPlatform, workspacesOfUser } from "@/db/platform";
import { users, workspaces } from "@/db/schema";
import { env } from "@/lib/config/env";
import { captureMail } from "@/testing/mail";
import { linkIn } from "@/testing/smtp-capture";
import { register, signUp } from "./signup";

it("creates the user, the workspace and the owner membership, with an argon2id hash", async () => {
  const { user, workspace } = await signUp({ name: "Ana", email: "ana@acme.test", password: "s3cret-password", workspaceName: "Acme Café" });
  expect(workspace.slug).toBe("acme-cafe");
  const mine = await withPlatform((tx) => workspacesOfUser(tx, user.id));
  expect(mine).toEqual([{ id: workspace.id, name: "Acme Café", slug: "acme-cafe", role: "owner" }]);
  const [stored] = await withPlatform((tx) => tx.select().from(users).where(eq(users.id, user.id)));
  expect(stored!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  expect(stored!.passwordHash).not.toContain("s3cret-password");
});

it("gives a second workspace with the same name its own slug", async () => {
  const a = await signUp({ name: "A", email: "a@same.test", password: "password-1", workspaceName: "Same Name" });
  const b = await signUp({ name: "B", email: "b@same.test", password: "password-2", workspaceName: "Same Name" });
  expect(a.workspace.slug).toBe("same-name");
  expect(b.workspace.slug).toMatch(/^same-name-[0-9a-f]{6}$/);
});

it("refuses a taken email and leaves no half-made workspace behind", async () => {
  await signUp({ name: "C", email: "c@taken.test", password: "password-1", workspaceName: "First" });
  const error = await signUp({ name: "C2", email: "c@taken.test", password: "password-2", workspaceName: "Second Try" }).catch((e) => e);
  expect(error).toMatchObject({ kind: "rejected" });
  expect(error).toMatchObject({ field: "email" });
  const leftover = await withPlatform((tx) => tx.select().from(workspaces).where(eq(workspaces.name, "Second Try")));
  expect(leftover).toEqual([]);
});

describe("sign-up as a stranger sees it (register)", () => {
  const mailbox = captureMail();
  const origin = () => env().APP_URL;

  it("makes an unconfirmed account and its workspace, and mails a link that confirms the address", async () => {
    await register({ name: "Nia", email: "nia@register.test", password: "nia-password-1", workspaceName: "Nia Co" }, "192.0.2.1");
    const [user] = await withPlatform((tx) => tx.select().from(users).where(eq(users.email, "nia@register.test")));
    expect(user!.emailVerifiedAt).toBeNull();
    expect(await withPlatform((tx) => workspacesOfUser(tx, user!.id))).toMatchObject([{ name: "Nia Co", role: "owner" }]);
    const mail = await mailbox().waitFor("nia@register.test");
    expect(mail.subject).toBe("Confirm your email address for Switchboard");
    expect(linkIn(mail, origin())).toMatch(new RegExp(`^${origin()}/verify-email/[A-Za-z0-9_-]{43}$`));
  });

  it("answers an address that has an account exactly as a new one, changes nothing, and mails its owner instead", async () => {
    const { user } = await signUp({ name: "Owen", email: "owen@register.test", password: "owen-password-1", workspaceName: "Owen Co" });
    const [before] = await withPlatform((tx) => tx.select().from(users).where(eq(users.id, user.id)));
    const answer = await register({ name: "Mallory", email: "owen@register.test", password: "mallory-pass-1", workspaceName: "Taken Over" }, "192.0.2.2");
    const fresh = await register({ name: "Fay", email: "fay@register.test", password: "fay-password-1", workspaceName: "Fay Co" }, "192.0.2.2");
    expect(answer).toEqual(fresh);

    const [after] = await withPlatform((tx) => tx.select().from(users).where(eq(users.id, user.id)));
    expect(after).toEqual(before);
    expect(await withPlatform((tx) => tx.select().from(workspaces).where(eq(workspaces.name, "Taken Over")))).toEqual([]);
    const mail = await mailbox().waitFor("owen@register.test");
    expect(mail.subject).toBe("Someone tried to sign up to Switchboard with your address");
    expect(mail.text).toContain("reset your password");
    expect(linkIn(mail, origin())).toMatch(new RegExp(`^${origin()}/reset-password/`));
  });

  it("takes about as long for an address that has an account as for a new one: the password is hashed either way", async () => {
    await signUp({ name: "Tim", email: "tim@register.test", password: "tim-password-1", workspaceName: "Tim Co" });
    const timed = async (email: string) => {
      const started = performance.now();
      await register({ name: "T", email, password: "some-password-1", workspaceName: "Timing" }, "192.0.2.3");
      return performance.now() - started;
    };
    const taken: number[] = [];
    const fresh: number[] = [];
    for (let i = 0; i < 3; i++) {
      taken.push(await timed("tim@register.test"));
      fresh.push(await timed(`new-${i}@register.test`));
    }
    const median = (values: number[]) => values.sort((x, y) => x - y)[1]!;
    // A hash is tens of milliseconds; skipping it for a taken address would make that answer a fraction of the other.
    expect(median(taken)).toBeGreaterThan(median(fresh) * 0.5);
  });

  it("sends at most 5 mails an hour to one address, and the answer never changes", async () => {
    const email = "flood@register.test";
    for (let i = 0; i < 7; i++) {
      await register({ name: "F", email, password: "flood-password-1", workspaceName: "Flood" }, `198.51.100.${i}`);
    }
    await mailbox().waitFor(email);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mailbox().mails.filter((m) => m.to.includes(email))).toHaveLength(5);
  });
});
