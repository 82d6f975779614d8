import http from "node:http";

/**
 * A sign-in the way the form posts it (next-auth's credentials callback), sent from a chosen
 * local address: 127.0.0.1 and 127.0.0.2 are both this machine, and the server sees two clients.
 */
export type SignInResult = "signed-in" | "refused" | "paused";

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };

function send(url: URL, localAddress: string, options: { method: string; headers: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: options.method, headers: options.headers, localAddress, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on("error", reject);
    request.end(options.body);
  });
}

const cookiePairs = (answer: Answer) => (answer.headers["set-cookie"] ?? []).map((cookie) => cookie.split(";")[0]!);

export async function signInFrom(
  baseUrl: string,
  localAddress: string,
  credentials: { email: string; password: string },
  headers: Record<string, string> = {},
): Promise<SignInResult> {
  const csrf = await send(new URL("/api/auth/csrf", baseUrl), localAddress, { method: "GET", headers });
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const answer = await send(new URL("/api/auth/callback/credentials", baseUrl), localAddress, {
    method: "POST",
    headers: {
      ...headers,
      origin: new URL(baseUrl).origin,
      cookie: cookiePairs(csrf).join("; "),
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ csrfToken, ...credentials, callbackUrl: baseUrl, json: "true" }).toString(),
  });
  if (cookiePairs(answer).some((pair) => /next-auth\.session-token=./.test(pair))) return "signed-in";
  const next = answer.headers.location ?? (JSON.parse(answer.body) as { url: string }).url;
  const error = new URL(next, baseUrl).searchParams.get("error") ?? "";
  if (error.startsWith("Too many sign-in attempts")) return "paused";
  if (error === "CredentialsSignin") return "refused";
  throw new Error(`unexpected sign-in answer ${answer.status}: ${next}`);
}
