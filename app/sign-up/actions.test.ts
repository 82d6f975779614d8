import { expect, it, vi } from "vitest";
import { signUp } from "@/lib/workspace/signup";
import { captureMail } from "@/testing/mail";
import { actAs } from "@/testing/next-request";
import { signUpAction } from "./actions";

vi.mock("next/headers", () => import("@/testing/next-request"));

const mailbox = captureMail();

function form(fields: Record<string, string>) {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

it("answers an address that already has an account exactly as a new one: check your inbox", async () => {
  await signUp({ name: "Ivy", email: "ivy@sign-up-action.test", password: "ivy-password-1", workspaceName: "Ivy Co" });
  await actAs(null, { ip: "192.0.2.40" });
  const typed = { name: "Someone", password: "another-password", workspaceName: "Copycat" };
  const taken = await signUpAction({}, form({ ...typed, email: "ivy@sign-up-action.test" }));
  const fresh = await signUpAction({}, form({ ...typed, email: "jo@sign-up-action.test" }));
  const withoutEmail = (state: typeof taken) => JSON.parse(JSON.stringify(state).replaceAll(/"(ivy|jo)@sign-up-action\.test"/g, '"<email>"'));
  expect(withoutEmail(taken)).toEqual(withoutEmail(fresh));
  expect(taken).toEqual({ ok: true, values: { name: typed.name, workspaceName: typed.workspaceName, email: "ivy@sign-up-action.test" }, result: { email: "ivy@sign-up-action.test" } });
  expect(JSON.stringify(taken)).not.toContain("already");
  expect((await mailbox().waitFor("ivy@sign-up-action.test")).subject).toContain("Someone tried to sign up");
  expect((await mailbox().waitFor("jo@sign-up-action.test")).subject).toContain("Confirm your email address");
});
