"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useId, useState } from "react";
import type { TemplateOption } from "@/lib/templates/templates";
import { buttonClass, inputClass } from "@/components/ui/styles";
import { composerStateKey, fetchRole, sendTemplateRequest, syncTemplatesRequest, type TemplateBody } from "./api";
import { SendFailure } from "./send-failure";
import { useSend } from "./use-send";

type Template = Omit<TemplateBody, "messageId">;

// UTC, so the server's render and the browser's agree.
const optOutDate = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

const sameTemplate = (a: Template, b: Template) => a.templateId === b.templateId && JSON.stringify(a.variables) === JSON.stringify(b.variables);

/** With the 24-hour window closed: pick an approved template, fill in its variables, send it. */
export function TemplatePicker({
  slug,
  conversationId,
  templates,
  marketingOptOutSince = null,
  describedBy,
}: {
  slug: string;
  conversationId: string;
  templates: TemplateOption[];
  /** ISO time the customer stopped marketing messages, if they did. */
  marketingOptOutSince?: string | null;
  describedBy?: string;
}) {
  const id = useId();
  const queryClient = useQueryClient();
  const [templateId, setTemplateId] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [syncing, setSyncing] = useState(false);
  const [syncMessage, setSyncMessage] = useState<string | null>(null);
  const role = useQuery({ queryKey: ["me-role", slug], queryFn: () => fetchRole(slug), staleTime: 5 * 60_000 });
  const request = useCallback(
    (messageId: string, body: Template) => sendTemplateRequest(slug, conversationId, { ...body, messageId }),
    [slug, conversationId],
  );
  const { send, retry, dismiss, pending, error, canRetry } = useSend(slug, conversationId, request);

  const template = templates.find((t) => t.id === templateId) ?? null;
  const optedOut = marketingOptOutSince !== null && template?.category.toUpperCase() === "MARKETING";
  const missing = template?.variables.filter((v) => !values[v.key]?.trim()) ?? [];

  async function sync() {
    setSyncing(true);
    setSyncMessage(null);
    const result = await syncTemplatesRequest(slug);
    await queryClient.invalidateQueries({ queryKey: composerStateKey(slug, conversationId) });
    setSyncing(false);
    setSyncMessage(result.message);
  }

  async function submit() {
    if (!template || !template.sendable || missing.length > 0 || pending) return;
    const variables = Object.fromEntries(template.variables.map((v) => [v.key, values[v.key]!.trim()]));
    const result = await send({ templateId: template.id, variables }, sameTemplate);
    if (result === "sent" || result === "stored") {
      setTemplateId("");
      setValues({});
    }
  }

  const isAdmin = role.data === "admin" || role.data === "owner";
  return (
    <div className="space-y-3">
      <SendFailure error={error} canRetry={canRetry} pending={pending} onRetry={() => void retry()} onDismiss={dismiss} />
      {templates.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-300">
          No approved templates yet for this number’s WhatsApp Business Account.
          {isAdmin ? " Sync them from WhatsApp:" : role.isSuccess ? " Ask an admin to sync them." : ""}
        </p>
      ) : (
        <form
          className="space-y-3"
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <div>
            <label htmlFor={`${id}-template`} className="mb-1.5 block text-sm font-medium text-slate-700 dark:text-slate-200">
              Template
            </label>
            <select
              id={`${id}-template`}
              value={templateId}
              aria-describedby={describedBy}
              onChange={(event) => {
                setTemplateId(event.target.value);
                setValues({});
              }}
              className={inputClass}
            >
              <option value="">Choose a template…</option>
              {templates.map((t) => (
                <option key={t.id} value={t.id} disabled={!t.sendable}>
                  {t.name} ({t.language}){t.sendable ? "" : " — not supported"}
                  {t.sendable && marketingOptOutSince && t.category.toUpperCase() === "MARKETING" ? " — customer opted out of marketing" : ""}
                </option>
              ))}
            </select>
          </div>
          {template ? (
            <>
              <p className="whitespace-pre-wrap rounded-lg bg-slate-50 px-3 py-2 text-sm text-slate-700 dark:bg-slate-800 dark:text-slate-200">
                {template.preview}
              </p>
              {optedOut ? (
                <p role="alert" className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
                  This customer opted out of marketing messages on {optOutDate.format(new Date(marketingOptOutSince!))}. WhatsApp will
                  not deliver this marketing template to them: pick a utility template, or wait until they opt back in.
                </p>
              ) : null}
              {template.unsupportedReason ? (
                <p className="text-sm text-red-700 dark:text-red-300">{template.unsupportedReason}</p>
              ) : null}
              {template.variables.map((variable) => (
                <div key={variable.key}>
                  <label htmlFor={`${id}-${variable.key}`} className="mb-1.5 block text-sm font-medium text-slate-700 dark:text-slate-200">
                    {variable.label}
                  </label>
                  <input
                    id={`${id}-${variable.key}`}
                    value={values[variable.key] ?? ""}
                    maxLength={1024}
                    required
                    placeholder={variable.example ?? undefined}
                    onChange={(event) => setValues((current) => ({ ...current, [variable.key]: event.target.value }))}
                    className={inputClass}
                  />
                </div>
              ))}
              <button
                type="submit"
                className={buttonClass.primary}
                disabled={!template.sendable || missing.length > 0 || pending}
                aria-busy={pending}
              >
                {pending ? "Sending…" : "Send template"}
              </button>
            </>
          ) : null}
        </form>
      )}
      {isAdmin ? (
        <div className="flex items-center gap-3">
          <button type="button" className={buttonClass.secondary} onClick={() => void sync()} disabled={syncing} aria-busy={syncing}>
            {syncing ? "Syncing…" : "Sync templates"}
          </button>
          <p aria-live="polite" className="text-xs text-slate-600 dark:text-slate-300">
            {syncMessage}
          </p>
        </div>
      ) : null}
    </div>
  );
}
