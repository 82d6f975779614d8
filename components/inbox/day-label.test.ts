import { afterAll, beforeAll, expect, it, vi } from "vitest";

// The viewer's zone must be set before the module builds its date formats.
const zoneBefore = process.env.TZ;
process.env.TZ = "Europe/Berlin";
const { dayLabel } = await import("./api");

beforeAll(() => vi.useFakeTimers({ toFake: ["Date"] }));
afterAll(() => {
  vi.useRealTimers();
  process.env.TZ = zoneBefore;
});

it("labels the day before as Yesterday just after clocks went forward (a 23-hour day)", () => {
  // Berlin moved from +01:00 to +02:00 at 02:00 on 29 March 2026.
  vi.setSystemTime(new Date("2026-03-30T00:30:00+02:00"));
  expect(dayLabel("2026-03-29T12:00:00+02:00")).toBe("Yesterday");
  expect(dayLabel("2026-03-29T00:10:00+01:00")).toBe("Yesterday");
  expect(dayLabel("2026-03-30T00:10:00+02:00")).toBe("Today");
  expect(dayLabel("2026-03-28T23:50:00+01:00")).not.toMatch(/Today|Yesterday/);
});

it("labels the day before as Yesterday late on the day clocks went back (a 25-hour day)", () => {
  // Berlin moved from +02:00 to +01:00 at 03:00 on 25 October 2026.
  vi.setSystemTime(new Date("2026-10-25T23:30:00+01:00"));
  expect(dayLabel("2026-10-24T12:00:00+02:00")).toBe("Yesterday");
  expect(dayLabel("2026-10-25T00:10:00+02:00")).toBe("Today");
  expect(dayLabel("2026-10-23T23:50:00+02:00")).not.toMatch(/Today|Yesterday/);
});
