import { describe, expect, it } from "vitest";
import { cappedBody, cappedJson, defaultBodyLimit, readBodyUpTo } from "./body";

const chunk = (size: number) => new Uint8Array(size).fill(97);

function streamOf(chunks: Uint8Array[], pulled: { count: number }) {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[pulled.count++];
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

it("reads a body up to the limit in full", async () => {
  const body = await readBodyUpTo(streamOf([chunk(4), chunk(6)], { count: 0 }), 10);
  expect(body.byteLength).toBe(10);
});

it("stops reading a body as soon as it is over the limit", async () => {
  const pulled = { count: 0 };
  const body = await readBodyUpTo(streamOf(Array.from({ length: 100 }, () => chunk(4)), pulled), 10);
  expect(body.byteLength).toBeGreaterThan(10);
  expect(pulled.count).toBeLessThan(10);
});

it("reads node streams and async iterables the same way, and an absent body as empty", async () => {
  async function* chunks() {
    yield chunk(3);
    yield chunk(3);
  }
  expect((await readBodyUpTo(chunks(), 10)).byteLength).toBe(6);
  expect((await readBodyUpTo(null, 10)).byteLength).toBe(0);
});

/** A body of `total` bytes made on demand, counting what the reader pulled. */
function endless(total: number, pulled: { bytes: number }) {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.bytes >= total) return controller.close();
      const next = chunk(Math.min(16 * 1024, total - pulled.bytes));
      pulled.bytes += next.byteLength;
      controller.enqueue(next);
    },
  });
}

const sixtyFourMegabytes = 64 * 1024 * 1024;
const post = (body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}) =>
  new Request("http://localhost:3000/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);

describe("cappedBody", () => {
  it("refuses a chunked body over the limit with 413 after reading just past the limit", async () => {
    const pulled = { bytes: 0 };
    const answer = await cappedBody(post(endless(sixtyFourMegabytes, pulled)));
    expect(answer).toBeInstanceOf(Response);
    expect((answer as Response).status).toBe(413);
    expect(await (answer as Response).json()).toEqual({ error: "The request body is too large: this address accepts at most 64 KB." });
    expect(pulled.bytes).toBeLessThan(defaultBodyLimit + 64 * 1024);
  });

  it("does not believe a Content-Length that understates the body", async () => {
    const pulled = { bytes: 0 };
    const answer = await cappedBody(post(endless(sixtyFourMegabytes, pulled), { "content-length": "12" }));
    expect((answer as Response).status).toBe(413);
    expect(pulled.bytes).toBeLessThan(defaultBodyLimit + 64 * 1024);
  });

  it("refuses a declared length over the limit without reading the body", async () => {
    const pulled = { bytes: 0 };
    const answer = await cappedBody(post(endless(sixtyFourMegabytes, pulled), { "content-length": String(sixtyFourMegabytes) }));
    expect((answer as Response).status).toBe(413);
    expect(pulled.bytes).toBeLessThanOrEqual(16 * 1024);
  });

  it("hands over a body up to the limit byte for byte, and a route's own larger limit", async () => {
    const exact = "x".repeat(defaultBodyLimit);
    expect(((await cappedBody(post(exact))) as Buffer).toString()).toBe(exact);
    expect(((await cappedBody(post(`${exact}y`), defaultBodyLimit + 1)) as Buffer).byteLength).toBe(defaultBodyLimit + 1);
    expect(((await cappedBody(post(`${exact}y`))) as Response).status).toBe(413);
  });
});

describe("cappedJson", () => {
  it("parses JSON (a byte-order mark included) and answers 400 for anything else", async () => {
    expect(await cappedJson(post('\ufeff{"a":[1]}'))).toEqual({ a: [1] });
    const refusal = (await cappedJson(post("{not json"))) as Response;
    expect(refusal.status).toBe(400);
    expect(await refusal.json()).toEqual({ error: "The request body must be JSON." });
  });
});
