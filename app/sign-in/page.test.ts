import { beforeAll, describe, expect, it, vi } from "vitest";
import { authOptions } from "@/lib/auth/options";
import { signUp } from "@/lib/workspace/signup";
import { env } from "@/lib/config/env";
import { expectRedirect, rendered } from "@/testing/expect-next";
import { actAs } from "@/testing/next-request";
import SignInPage from "./page";

vi.mock("next/headers", () => import("@/testing/next-request"));

const conversation = "/w/acme/inbox/5b1a0d1e-6c2f-4d43-9a5e-0f4b7b0c1d2e";
const visit = (callbackUrl: string | string[]) => SignInPage({ searchParams: Promise.resolve({ callbackUrl }) });
/** The callbackUrl the sign-in form is handed, to go to once the password is accepted. */
const formTarget = async (callbackUrl: string | string[]) => /"callbackUrl":"((?:[^"\\]|\\.)*)"/.exec(rendered(await visit(callbackUrl)))?.[1];

let userId: string;
beforeAll(async () => {
  userId = (await signUp({ name: "Ana", email: "ana@sign-in.test", password: "ana-password-1", workspaceName: "Acme" })).user.id;
});

describe("the sign-in page's callbackUrl", () => {
  it("sends a signed-in visitor on to a deep link of our own site", async () => {
    await actAs(userId);
    await expectRedirect(() => visit(`${conversation}?status=open#m-1`), `${conversation}?status=open#m-1`);
    await expectRedirect(() => visit(`${env().APP_URL}${conversation}`), conversation);
  });

  it("sends a signed-in visitor home, not off the site and not into a 500, for a nasty one", async () => {
    await actAs(userId);
    // As Next hands them over, already percent-decoded: `/%09/evil.example/x`, `/%0A`, `%0A`.
    for (const nasty of ["/\t/evil.example/x", "/\n", "\n", "//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", ["/w", "//evil.example"]]) {
      await expectRedirect(() => visit(nasty), "/");
    }
  });

  it("hands the form only a path of our own site to go to after signing in", async () => {
    await actAs(null);
    expect(await formTarget(conversation)).toBe(conversation);
    expect(await formTarget("/\t/evil.example/x")).toBe("/");
    expect(await formTarget("/\r\n")).toBe("/");
    expect(await formTarget("https://evil.example/x")).toBe("/");
  });
});

describe("next-auth's redirect", () => {
  const redirect = (url: string) => authOptions().callbacks!.redirect!({ url, baseUrl: "https://evil.example" });

  it("resolves against APP_URL and keeps our own deep links", async () => {
    expect(await redirect(conversation)).toBe(`${env().APP_URL}${conversation}`);
    expect(await redirect(`${env().APP_URL}${conversation}?q=1`)).toBe(`${env().APP_URL}${conversation}?q=1`);
  });

  it("sends anything else to our home page instead of failing", async () => {
    for (const nasty of ["/\t/evil.example/x", "\n", "https://evil.example/x", "//evil.example", "javascript:alert(1)", "http://[::1"]) {
      expect(await redirect(nasty), JSON.stringify(nasty)).toBe(`${env().APP_URL}/`);
    }
  });
});
