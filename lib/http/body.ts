/**
 * Request bodies are read by counting bytes as they arrive, never by trusting
 * `Content-Length`: a chunked body has none, and a client can state any number.
 */

/** What a route reads at most, unless it says it needs more (the webhook: Meta's 3 MB). */
export const defaultBodyLimit = 64 * 1024;

/**
 * Reads a request body, but never more than `maxBytes + 1` bytes: enough for the receiver to
 * see that it is too large without holding an arbitrarily large body in memory.
 */
export async function readBodyUpTo(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null,
  maxBytes: number,
): Promise<Buffer> {
  if (!source) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const take = (chunk: Uint8Array) => {
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    size += chunk.byteLength;
    return size > maxBytes;
  };
  if ("getReader" in source) {
    const reader = source.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (take(value)) {
        await reader.cancel();
        break;
      }
    }
  } else {
    for await (const chunk of source) if (take(chunk)) break;
  }
  return Buffer.concat(chunks, size);
}

export function bodyTooLarge(maxBytes: number): Response {
  return Response.json(
    { error: `The request body is too large: this address accepts at most ${Math.floor(maxBytes / 1024)} KB.` },
    { status: 413 },
  );
}

/**
 * A route's request body, or its 413 answer. A declared length over the limit is refused
 * unread (a client only harms itself by overstating); otherwise the bytes are counted as
 * they arrive and reading stops one byte past the limit.
 */
export async function cappedBody(request: Request, maxBytes = defaultBodyLimit): Promise<Buffer | Response> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel();
    return bodyTooLarge(maxBytes);
  }
  const body = await readBodyUpTo(request.body, maxBytes);
  return body.byteLength > maxBytes ? bodyTooLarge(maxBytes) : body;
}

/** The body as JSON, or its 413/400 answer. */
export async function cappedJson(request: Request, maxBytes = defaultBodyLimit): Promise<unknown | Response> {
  const body = await cappedBody(request, maxBytes);
  if (body instanceof Response) return body;
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return Response.json({ error: "The request body must be JSON." }, { status: 400 });
  }
}
