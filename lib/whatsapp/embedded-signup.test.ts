import { describe, expect, it } from "vitest";
import { readSignupMessage } from "./embedded-signup";

const finish = { type: "WA_EMBEDDED_SIGNUP", event: "FINISH", data: { phone_number_id: "110000000000001", waba_id: "104400000000001", business_id: "2000001" } };

describe("reading Embedded Signup's message", () => {
  it("takes the WABA and number from Facebook's two origins, as JSON text or an object", () => {
    const read = { event: "finish", wabaId: "104400000000001", phoneNumberId: "110000000000001" };
    expect(readSignupMessage("https://www.facebook.com", JSON.stringify(finish))).toEqual(read);
    expect(readSignupMessage("https://web.facebook.com", finish)).toEqual(read);
  });

  it.each([
    "https://evilfacebook.com",
    "https://www.facebook.com.evil.test",
    "http://www.facebook.com",
    "https://facebook.com",
    "https://m.facebook.com:8443",
    "http://127.0.0.1:3000",
    "null",
  ])("ignores the same message from %s", (origin) => {
    expect(readSignupMessage(origin, JSON.stringify(finish))).toBeNull();
  });

  it("ignores other messages from Facebook: other types, text that is not JSON, ids that are not Meta's", () => {
    expect(readSignupMessage("https://www.facebook.com", JSON.stringify({ ...finish, type: "WA_OTHER" }))).toBeNull();
    expect(readSignupMessage("https://www.facebook.com", "fb-xd-ping")).toBeNull();
    expect(readSignupMessage("https://www.facebook.com", JSON.stringify({ ...finish, event: "SOMETHING_NEW" }))).toBeNull();
    expect(readSignupMessage("https://www.facebook.com", { ...finish, data: { waba_id: "1044';--", phone_number_id: "110000000000001" } })).toEqual({
      event: "finish_without_number",
    });
  });

  it("tells a cancel, an error and a finish without a number apart", () => {
    const from = (event: string, data: Record<string, unknown>) => readSignupMessage("https://www.facebook.com", { type: "WA_EMBEDDED_SIGNUP", event, data });
    expect(from("CANCEL", { current_step: "PHONE_NUMBER_SETUP" })).toEqual({ event: "cancel", step: "PHONE_NUMBER_SETUP" });
    expect(from("ERROR", { error_message: "Your business is not eligible" })).toEqual({ event: "error", message: "Your business is not eligible" });
    expect(from("FINISH_ONLY_WABA", { waba_id: "104400000000001" })).toEqual({ event: "finish_without_number" });
  });
});
