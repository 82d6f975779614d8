import net from "node:net";

/**
 * The request header carrying the address sign-in throttles by. The server entry (server.ts)
 * always overwrites it, so whatever a client sends under this name never reaches the app.
 */
export const clientAddressHeader = "x-switchboard-client-ip";

/**
 * The address of whoever sent a request, as far as it can be known: the socket's peer, or,
 * behind `trustedProxyHops` proxies that each append the address they were called from to
 * `X-Forwarded-For`, the entry that many places from the right of that list. Entries further
 * left were written by the client and are never used. An entry that is not an IP address
 * (a misconfigured proxy) falls back to the socket's.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustedProxyHops: number): string {
  const peer = plainAddress(socketAddress ?? "") || "unknown";
  if (trustedProxyHops === 0) return peer;
  const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const chain = [...forwarded, peer];
  const chosen = plainAddress(chain[Math.max(0, chain.length - 1 - trustedProxyHops)]!);
  return chosen || peer;
}

/** An IP address without IPv4-in-IPv6 wrapping, or "" when `value` is not an IP address. */
function plainAddress(value: string): string {
  const address = value.startsWith("::ffff:") && net.isIPv4(value.slice(7)) ? value.slice(7) : value;
  return net.isIP(address) ? address : "";
}
