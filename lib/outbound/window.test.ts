import { expect, it } from "vitest";
import { replyWindow } from "./window";

const now = new Date("2026-11-27T12:00:00Z");

it("is open for 24 hours after the customer's last message, and says when it closes", () => {
  expect(replyWindow({ lastInboundAt: new Date("2026-11-26T12:00:01Z") }, now)).toEqual({
    open: true,
    closesAt: new Date("2026-11-27T12:00:01Z"),
  });
});

it("is closed from the 24th hour on, and says when it closed", () => {
  expect(replyWindow({ lastInboundAt: new Date("2026-11-26T12:00:00Z") }, now)).toEqual({
    open: false,
    closedAt: new Date("2026-11-27T12:00:00Z"),
  });
});

it("is closed when the customer never wrote", () => {
  expect(replyWindow({ lastInboundAt: null }, now)).toEqual({ open: false, closedAt: null });
});
