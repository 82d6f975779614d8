import type { Page } from "@playwright/test";

/**
 * Stand-ins for Facebook at its real addresses, for "Connect with Facebook" (Meta's Embedded
 * Signup): the page loads the SDK from https://connect.facebook.net, which `page.route` answers
 * with a small SDK whose FB.login opens Facebook's dialog in a frame on https://www.facebook.com
 * (routed too), and that frame posts WA_EMBEDDED_SIGNUP to the page. So the page's
 * Content-Security-Policy (the csp fixture fails any violation) and its origin check are what
 * they are in production. Graph is the fake (scripts/fake-graph.ts).
 */

export const configId = "1234567890123"; // playwright.config.ts: META_CONFIG_ID
export const appId = "670843887433847"; // playwright.config.ts: META_APP_ID

/** The SDK's stand-in: records init and login options, opens the dialog frame, and answers FB.login with the code the frame sends. */
const stubSdk = `(function () {
  window.FB = {
    init: function (options) { window.__fbInit = options; },
    login: function (callback, options) {
      window.__fbLogin = options;
      window.addEventListener("message", function (event) {
        if (event.origin !== "https://www.facebook.com") return;
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data && data.stub === "login") callback({ status: "connected", authResponse: { code: data.code } });
      });
      var frame = document.createElement("iframe");
      frame.title = "Facebook";
      frame.width = "600";
      frame.height = "120";
      frame.src = "https://www.facebook.com/" + window.__fbInit.version + "/dialog/oauth?client_id=" + encodeURIComponent(window.__fbInit.appId) +
        "&config_id=" + encodeURIComponent(options.config_id);
      document.body.appendChild(frame);
    }
  };
  if (window.fbAsyncInit) window.fbAsyncInit();
})();`;

/** The session message Facebook's dialog posts when the business has finished. */
export const finish = (ids: { wabaId: string; phoneNumberId: string }) =>
  JSON.stringify({ type: "WA_EMBEDDED_SIGNUP", event: "FINISH", data: { phone_number_id: ids.phoneNumberId, waba_id: ids.wabaId, business_id: "2000000000001" } });

/**
 * Routes Facebook's SDK and dialog to the stand-ins. With `finished`, the dialog reports the
 * business done at once (the session message, then the code); without, it waits for the test.
 */
export async function standInForFacebook(page: Page, finished?: { wabaId: string; phoneNumberId: string; code: string }) {
  await page.route("https://connect.facebook.net/en_US/sdk.js", (route) =>
    route.fulfill({ status: 200, contentType: "text/javascript", body: stubSdk }),
  );
  const script = finished
    ? `<script>
        parent.postMessage(${JSON.stringify(finish(finished))}, "*");
        parent.postMessage(${JSON.stringify(JSON.stringify({ stub: "login", code: finished.code }))}, "*");
      </script>`
    : "";
  await page.route("https://www.facebook.com/**", (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: `<!doctype html><title>Facebook</title><p>Embedded Signup</p>${script}` }),
  );
}
