"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { ActionForm } from "@/components/forms/action-form";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { buttonClass } from "@/components/ui/styles";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/forms";
import { facebookSdkUrl, readSignupMessage, signupLoginOptions } from "@/lib/whatsapp/embedded-signup";

type Action = (prev: FormState, formData: FormData) => Promise<FormState>;

type LoginResponse = { authResponse?: { code?: string } | null; status?: string };

/** The part of Meta's JavaScript SDK this page uses. */
type FacebookSdk = {
  init(options: { appId: string; version: string; xfbml: boolean; cookie: boolean }): void;
  login(callback: (response: LoginResponse) => void, options: ReturnType<typeof signupLoginOptions>): void;
};

declare global {
  interface Window {
    FB?: FacebookSdk;
    fbAsyncInit?: () => void;
  }
}

type Chosen = { wabaId: string; phoneNumberId: string };

type Phase =
  | { step: "loading" }
  | { step: "unavailable" }
  | { step: "ready"; problem?: string }
  | { step: "waiting" }
  | { step: "exchanging" }
  | ({ step: "pin"; grant: string } & Chosen);

/**
 * "Connect with Facebook": Meta's Embedded Signup in Facebook's own window. What that window
 * reports is believed only from Facebook's origins (`readSignupMessage`) and only while this
 * page is waiting for it. The code goes to the server at once (`exchange`), which answers a
 * sealed grant, never the token; the admin then chooses the number's PIN (`connect`).
 */
export function EmbeddedSignup({
  appId,
  configId,
  graphVersion,
  exchange,
  connect,
}: {
  appId: string;
  configId: string;
  graphVersion: string;
  exchange: Action;
  connect: Action;
}) {
  const [phase, setPhase] = useState<Phase>({ step: "loading" });
  /** What Facebook has sent in the current attempt; `waiting` false ignores anything more. */
  const session = useRef<{ waiting: boolean; code?: string; chosen?: Chosen }>({ waiting: false });

  useEffect(() => {
    const ready = () => {
      window.FB!.init({ appId, version: graphVersion, xfbml: false, cookie: false });
      setPhase({ step: "ready" });
    };
    if (window.FB) {
      // Loaded by an earlier visit to this page in the same tab.
      const timer = setTimeout(ready, 0);
      return () => clearTimeout(timer);
    }
    window.fbAsyncInit = ready;
    if (!document.getElementById("facebook-jssdk")) {
      const script = document.createElement("script");
      script.id = "facebook-jssdk";
      script.src = facebookSdkUrl;
      script.async = true;
      script.crossOrigin = "anonymous";
      script.onerror = () => setPhase({ step: "unavailable" });
      document.body.appendChild(script);
    }
  }, [appId, graphVersion]);

  const stop = useCallback((problem: string) => {
    session.current = { waiting: false };
    setPhase({ step: "ready", problem });
  }, []);

  /** Both halves arrived (the code and the chosen number, in either order): exchange the code now. */
  const proceed = useCallback(async () => {
    const { code, chosen } = session.current;
    if (!session.current.waiting || !code || !chosen) return;
    session.current = { waiting: false };
    setPhase({ step: "exchanging" });
    const form = new FormData();
    form.set("code", code);
    form.set("wabaId", chosen.wabaId);
    form.set("phoneNumberId", chosen.phoneNumberId);
    try {
      const answer = await exchange({}, form);
      if (answer.ok && answer.result?.grant) setPhase({ step: "pin", grant: answer.result.grant, ...chosen });
      else setPhase({ step: "ready", problem: answer.message ?? "Meta did not accept the sign-in. Start again." });
    } catch {
      setPhase({ step: "ready", problem: "Switchboard could not finish the sign-in. Check your connection and start again." });
    }
  }, [exchange]);

  useEffect(() => {
    function onMessage(event: MessageEvent) {
      const message = readSignupMessage(event.origin, event.data);
      if (!message || !session.current.waiting) return;
      switch (message.event) {
        case "finish":
          session.current.chosen = { wabaId: message.wabaId, phoneNumberId: message.phoneNumberId };
          void proceed();
          return;
        case "finish_without_number":
          stop("Facebook finished without a phone number, so there is nothing to connect yet. Start again and add a number in Facebook's window, or add it with a token below.");
          return;
        case "cancel":
          stop(`You left Facebook's window${message.step ? ` at the step ${message.step}` : ""}. Nothing was connected.`);
          return;
        case "error":
          stop(`Facebook reported a problem: ${message.message ?? "no details given"}. Nothing was connected; start again, or add the number with a token below.`);
      }
    }
    window.addEventListener("message", onMessage);
    return () => window.removeEventListener("message", onMessage);
  }, [proceed, stop]);

  function start() {
    session.current = { waiting: true };
    setPhase({ step: "waiting" });
    // Called straight from the click, so the browser lets Facebook open its window.
    window.FB!.login((response) => {
      const code = response.authResponse?.code;
      if (!session.current.waiting) return;
      if (!code) {
        stop("Facebook's window closed before the sign-up finished. Nothing was connected.");
        return;
      }
      session.current.code = code;
      void proceed();
    }, signupLoginOptions(configId));
  }

  if (phase.step === "pin") {
    return <PinForm connect={connect} chosen={phase} onDone={() => setPhase({ step: "ready" })} />;
  }

  const busy = phase.step !== "ready";
  return (
    <div className="space-y-3">
      {phase.step === "ready" ? <FormMessage ok={false} message={phase.problem} /> : null}
      {phase.step === "unavailable" ? (
        <FormMessage
          ok={false}
          message="Facebook's sign-in could not be loaded (the browser or the network blocked it). Add the number with a token below, or reload the page to try again."
        />
      ) : null}
      <button type="button" className={buttonClass.primary} onClick={start} disabled={busy} aria-disabled={busy}>
        Connect with Facebook
      </button>
      <p role="status" className="text-sm text-slate-600 dark:text-slate-300">
        {phase.step === "loading"
          ? "Loading Facebook's sign-in…"
          : phase.step === "waiting"
            ? "Finish the steps in Facebook's window. Switchboard connects the number when Facebook says you are done."
            : phase.step === "exchanging"
              ? "Finishing the sign-in with Meta…"
              : ""}
      </p>
    </div>
  );
}

function PinForm({ connect, chosen, onDone }: { connect: Action; chosen: Chosen & { grant: string }; onDone: () => void }) {
  return (
    <ActionForm action={connect}>
      {(state) =>
        state.ok ? (
          <button type="button" className={buttonClass.secondary} onClick={onDone}>
            Connect another number
          </button>
        ) : (
          <>
            <input type="hidden" name="grant" value={chosen.grant} />
            <input type="hidden" name="wabaId" value={chosen.wabaId} />
            <input type="hidden" name="phoneNumberId" value={chosen.phoneNumberId} />
            <p className="text-sm text-slate-600 dark:text-slate-300">
              Facebook gave Switchboard access to phone number ID <span className="font-mono">{chosen.phoneNumberId}</span> in WhatsApp
              Business Account <span className="font-mono">{chosen.wabaId}</span>. One step left: Meta registers the number for the Cloud API
              with a PIN.
            </p>
            {[...(state.fieldErrors?.phoneNumberId ?? []), ...(state.fieldErrors?.wabaId ?? [])].map((problem) => (
              <p key={problem} role="alert" className="text-sm font-medium text-red-700 dark:text-red-400">
                {problem}
              </p>
            ))}
            <div className="grid gap-4 sm:grid-cols-2">
              <Field
                idPrefix="signup"
                label="Two-step verification PIN"
                name="pin"
                type="password"
                inputMode="numeric"
                autoComplete="off"
                maxLength={6}
                errors={state.fieldErrors?.pin}
                hint="6 digits. A number that already has a PIN needs that one; otherwise this becomes its PIN. Keep it: WhatsApp asks for it whenever the number is registered again."
                required
              />
              <Field
                idPrefix="signup"
                label="Label (optional)"
                name="label"
                placeholder="Support"
                defaultValue={state.values?.label}
                errors={state.fieldErrors?.label}
                hint="What your team calls this number. Blank: the name Meta shows for it."
              />
            </div>
            <div className="flex justify-end gap-2">
              <button type="button" className={buttonClass.ghost} onClick={onDone}>
                Cancel
              </button>
              <SubmitButton pendingLabel="Registering with Meta…">Connect number</SubmitButton>
            </div>
          </>
        )
      }
    </ActionForm>
  );
}
