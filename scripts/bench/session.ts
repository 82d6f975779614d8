import http from "node:http";
import { performance } from "node:perf_hooks";

/** A browser's part, without a browser: signing in through next-auth and reading the event stream. */

function cookiePairs(response: Response): string[] {
  return response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]!);
}

/** Signs in with the credentials form's requests; answers the Cookie header of the session. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookiePairs(csrf).join("; "), origin: baseUrl },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: baseUrl, json: "true" }),
  });
  const session = cookiePairs(response).find((pair) => pair.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`sign-in failed (${response.status}): ${(await response.text()).slice(0, 200)}`);
  return session;
}

export type StreamEvent = { type: string; data: unknown; at: number };

/**
 * Subscribes to a workspace's Server-Sent Events; resolves once the server said `resync`
 * (the subscription is live). `at` is `performance.now()` when the event's bytes arrived.
 */
export function openEventStream(url: string, cookie: string, onEvent: (event: StreamEvent) => void): Promise<{ close: () => void }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { cookie, accept: "text/event-stream" } }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`event stream answered ${response.statusCode}`));
        response.resume();
        return;
      }
      let buffer = "";
      let live = false;
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split("\n").find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
          const type = field("event");
          const data = field("data");
          if (!type) continue;
          const event = { type, data: data ? JSON.parse(data) : null, at };
          if (type === "resync" && !live) {
            live = true;
            resolve({ close: () => request.destroy() });
          }
          onEvent(event);
        }
      });
      response.on("error", () => {});
    });
    request.on("error", (error) => {
      if ((error as NodeJS.ErrnoException).code !== "ECONNRESET") reject(error);
    });
  });
}
