import { expect, it } from "vitest";
import { readBodyUpTo } from "./whatsapp";

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
