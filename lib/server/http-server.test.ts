import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { log } from "@/lib/log";
import { captureLogs } from "@/testing/logs";
import { clientAddressHeader } from "@/lib/http/client-address";
import { createAppServer } from "./http-server";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** The server entry's HTTP server, with a handler that answers the address it was given. */
async function listening(trustedProxyHops: number): Promise<number> {
  const server = createAppServer(async (request, response) => {
    response.end(String(request.headers[clientAddressHeader]));
  }, trustedProxyHops);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function askFrom(port: number, localAddress: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, localAddress, headers, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve(body));
    });
    request.on("error", reject);
  });
}

it("hands the app the socket's address, replacing whatever the client claims", async () => {
  const port = await listening(0);
  const forged = { "x-forwarded-for": "203.0.113.9", [clientAddressHeader]: "198.51.100.1" };
  expect(await askFrom(port, "127.0.0.1", forged)).toBe("127.0.0.1");
  expect(await askFrom(port, "127.0.0.2", forged)).toBe("127.0.0.2");
  expect(await askFrom(port, "127.0.0.2", { "x-forwarded-for": "127.0.0.1" })).toBe("127.0.0.2");
});

it("behind one declared proxy, hands the app the address that proxy appended", async () => {
  const port = await listening(1);
  expect(await askFrom(port, "127.0.0.2", { "x-forwarded-for": "6.6.6.6, 203.0.113.9" })).toBe("203.0.113.9");
  expect(await askFrom(port, "127.0.0.2")).toBe("127.0.0.2");
});

it("answers 500 when the handler fails, and keeps serving", async () => {
  const server = createAppServer(async (request) => {
    if (request.url === "/fail") throw new Error("boom");
  }, 0);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  expect((await fetch(`http://127.0.0.1:${port}/fail`)).status).toBe(500);
});

it("answers 400 to a path whose percent-encoding does not decode, before the app sees it", async () => {
  const seen: string[] = [];
  const server = createAppServer(async (request, response) => {
    seen.push(request.url ?? "");
    response.end("ok");
  }, 0);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  for (const path of ["/w/%E0%A4%A/inbox", "/api/w/%ZZ/conversations", "/%", "/w/x/%C0%AF"]) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    expect(response.status, path).toBe(400);
    expect(await response.text()).toMatch(/malformed/);
  }
  expect((await fetch(`http://127.0.0.1:${port}/w/caf%C3%A9/inbox?q=%ZZ`)).status).toBe(200);
  expect(seen).toEqual(["/w/caf%C3%A9/inbox?q=%ZZ"]);
});

it("marks every line logged while handling a request with the id it answers in X-Request-Id", async () => {
  const server = createAppServer(async (request, response) => {
    await Promise.resolve();
    log.warn("handling", { path: request.url });
    if (request.url === "/fail") throw Object.assign(new Error("boom"), { code: "XX000" });
    response.end("ok");
  }, 0);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const { result, output } = await captureLogs(async () => {
    const ok = await fetch(`http://127.0.0.1:${port}/ok`);
    const failed = await fetch(`http://127.0.0.1:${port}/fail`);
    return { ok: ok.headers.get("x-request-id"), failed: failed.headers.get("x-request-id") };
  });
  expect(result.ok).toMatch(/^[0-9a-f-]{36}$/);
  expect(result.failed).toMatch(/^[0-9a-f-]{36}$/);
  expect(result.failed).not.toBe(result.ok);
  const lines = output
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines).toMatchObject([
    { event: "handling", path: "/ok", requestId: result.ok },
    { event: "handling", path: "/fail", requestId: result.failed },
    { event: "request_failed", level: "error", requestId: result.failed, error: { name: "Error", message: "boom", code: "XX000" } },
  ]);
});
