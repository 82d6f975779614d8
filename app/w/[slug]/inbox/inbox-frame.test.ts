import { randomUUID } from "node:crypto";
import { beforeAll, expect, it, vi } from "vitest";
import { createTestConversation, createTestNumber } from "@/testing/db/factories";
import { signUp } from "@/lib/workspace/signup";
import { requireWorkspace, type WorkspaceAccess } from "@/lib/edge/workspace-access";
import { rendered } from "@/testing/expect-next";
import { actAs } from "@/testing/next-request";
import { InboxFrame } from "./inbox-frame";

vi.mock("next/headers", () => import("@/testing/next-request"));

const unknownNumberNotice = "This link filters by a WhatsApp number this workspace does not have";

let access: WorkspaceAccess;
let numberId: string;

beforeAll(async () => {
  const { user, workspace } = await signUp({ name: "Fran", email: "fran@frame.test", password: "frame-password", workspaceName: "Frame" });
  numberId = (await createTestNumber(workspace.id, "330000000000001")).id;
  await createTestConversation(workspace.id, { numberId, name: "Marisol Vega" });
  await actAs(user.id);
  access = await requireWorkspace(workspace.slug);
});

const frame = (number: string | null) =>
  InboxFrame({ access, filters: { status: "open", assignee: "all", number }, selectedId: null, children: null }).then(rendered);

it("lists the conversations of the number a link filters by", async () => {
  const page = await frame(numberId);
  expect(page).toContain("Marisol Vega");
  expect(page).not.toContain(unknownNumberNotice);
});

it.each([
  ["not an id", "not-a-number-id"],
  ["another workspace's or a made-up id", randomUUID()],
])("says a link's number filter is not this workspace's (%s) and offers every number, instead of a silently empty inbox", async (_, number) => {
  const page = await frame(number);
  expect(page).toContain(unknownNumberNotice);
  expect(page).toContain("Show every number");
  expect(page).toContain(`"href":"/w/${access.workspace.slug}/inbox"`);
  expect(page).not.toContain("Marisol Vega");
});
