import { expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./secret-box";

it("round-trips a token without the plaintext appearing in the stored form", () => {
  const token = "EAAG-real-looking-access-token-1234";
  const sealed = encryptSecret(token, "number:1");
  expect(sealed).not.toContain(token);
  expect(sealed).not.toBe(encryptSecret(token, "number:1"));
  expect(decryptSecret(sealed, "number:1")).toBe(token);
});

it("refuses a ciphertext that was tampered with or moved to another record", () => {
  const sealed = encryptSecret("secret-token", "number:1");
  expect(() => decryptSecret(sealed, "number:2")).toThrow();
  const parts = sealed.split(".");
  const data = Buffer.from(parts[3]!, "base64url");
  data[0] = data[0]! ^ 1;
  parts[3] = data.toString("base64url");
  expect(() => decryptSecret(parts.join("."), "number:1")).toThrow();
});
