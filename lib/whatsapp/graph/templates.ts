import { z } from "zod";
import type { TemplateComponentParameters } from "./messages";

/**
 * Message templates as `GET /{version}/{waba_id}/message_templates` describes them, and the
 * placeholders in them: positional `{{1}}` or named `{{first_name}}`, in a TEXT header, the
 * body, and URL buttons.
 */
export const templateButtonSchema = z.object({ type: z.string(), text: z.string().optional(), url: z.string().optional() }).loose();

export const templateDefinitionComponentSchema = z
  .object({
    type: z.string(),
    format: z.string().optional(),
    text: z.string().optional(),
    buttons: z.array(templateButtonSchema).optional(),
    example: z
      .object({
        header_text: z.array(z.string()).optional(),
        body_text: z.array(z.array(z.string())).optional(),
        header_text_named_params: z.array(z.object({ param_name: z.string(), example: z.string() })).optional(),
        body_text_named_params: z.array(z.object({ param_name: z.string(), example: z.string() })).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

export const templateDefinitionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    language: z.string(),
    status: z.string(),
    category: z.string(),
    components: z.array(templateDefinitionComponentSchema),
  })
  .loose();

export type TemplateDefinition = z.infer<typeof templateDefinitionSchema>;
export type TemplateDefinitionComponent = z.infer<typeof templateDefinitionComponentSchema>;

export type TemplateVariable = {
  /** Stable key for a form field and for `templateParameters`' values: `body.1`, `header.name`, `button.0.1`. */
  key: string;
  component: "header" | "body" | "button";
  /** `1`, `2`, … or the parameter's name. */
  name: string;
  /** For a form label: where the value goes. */
  label: string;
  /** Meta's example value, when the template has one. */
  example: string | null;
};

const placeholder = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

function placeholders(text: string | undefined): string[] {
  const names: string[] = [];
  for (const match of (text ?? "").matchAll(placeholder)) {
    if (!names.includes(match[1]!)) names.push(match[1]!);
  }
  return names;
}

const buttonTypesNeedingValues = new Set(["COPY_CODE", "OTP", "CATALOG", "MPM", "SPM"]);

/**
 * Whether Switchboard can send this template: media or location headers, carousels and
 * buttons that need a coupon code or catalog need more than text values.
 */
export function templateSupport(components: TemplateDefinitionComponent[]): { sendable: true } | { sendable: false; reason: string } {
  for (const c of components) {
    const type = c.type.toUpperCase();
    if (type === "HEADER" && c.format && c.format.toUpperCase() !== "TEXT") {
      return { sendable: false, reason: `This template has a ${c.format.toLowerCase()} header, which Switchboard cannot send yet.` };
    }
    if (type === "BUTTONS" && c.buttons?.some((b) => buttonTypesNeedingValues.has(b.type.toUpperCase()))) {
      return { sendable: false, reason: "This template has a button that needs a code or a catalog, which Switchboard cannot send yet." };
    }
    if (!["HEADER", "BODY", "FOOTER", "BUTTONS"].includes(type)) {
      return { sendable: false, reason: `This template has a ${c.type.toLowerCase()} section, which Switchboard cannot send yet.` };
    }
  }
  return { sendable: true };
}

function exampleFor(c: TemplateDefinitionComponent, kind: "header" | "body", name: string, position: number): string | null {
  const named = kind === "header" ? c.example?.header_text_named_params : c.example?.body_text_named_params;
  const byName = named?.find((p) => p.param_name === name)?.example;
  if (byName !== undefined) return byName;
  const positional = kind === "header" ? c.example?.header_text : c.example?.body_text?.[0];
  return positional?.[position] ?? null;
}

/** The values a person must fill in to send the template, in the order they appear. */
export function templateVariables(components: TemplateDefinitionComponent[]): TemplateVariable[] {
  const variables: TemplateVariable[] = [];
  for (const c of components) {
    const type = c.type.toUpperCase();
    if (type === "HEADER" || type === "BODY") {
      const kind = type === "HEADER" ? "header" : "body";
      placeholders(c.text).forEach((name, position) =>
        variables.push({
          key: `${kind}.${name}`,
          component: kind,
          name,
          label: `${kind === "header" ? "Header" : "Body"} {{${name}}}`,
          example: exampleFor(c, kind, name, position),
        }),
      );
    }
    if (type === "BUTTONS") {
      c.buttons?.forEach((button, index) => {
        if (button.type.toUpperCase() !== "URL") return;
        const example = Array.isArray(button.example) && typeof button.example[0] === "string" ? button.example[0] : null;
        for (const name of placeholders(button.url)) {
          variables.push({
            key: `button.${index}.${name}`,
            component: "button",
            name,
            label: `Link of button “${button.text ?? index + 1}” {{${name}}}`,
            example,
          });
        }
      });
    }
  }
  return variables;
}

const isPositional = (name: string) => /^\d+$/.test(name);

function parameter(name: string, value: string) {
  return isPositional(name) ? { type: "text" as const, text: value } : { type: "text" as const, text: value, parameter_name: name };
}

/** The `components` of a template send, from the values keyed as `templateVariables` keys them. */
export function templateParameters(
  components: TemplateDefinitionComponent[],
  values: Record<string, string>,
): TemplateComponentParameters[] {
  const variables = templateVariables(components);
  const result: TemplateComponentParameters[] = [];
  for (const kind of ["header", "body"] as const) {
    const own = variables.filter((v) => v.component === kind);
    if (own.length > 0) result.push({ type: kind, parameters: own.map((v) => parameter(v.name, values[v.key] ?? "")) });
  }
  const buttons = new Map<string, TemplateVariable[]>();
  for (const v of variables.filter((v) => v.component === "button")) {
    const index = v.key.split(".")[1]!;
    buttons.set(index, [...(buttons.get(index) ?? []), v]);
  }
  for (const [index, own] of buttons) {
    result.push({ type: "button", sub_type: "url", index, parameters: own.map((v) => ({ type: "text", text: values[v.key] ?? "" })) });
  }
  return result;
}

/** The text a customer sees (header, body, footer), placeholders filled in: the thread's summary. */
export function renderTemplateText(components: TemplateDefinitionComponent[], values: Record<string, string>): string {
  const parts: string[] = [];
  for (const c of components) {
    const type = c.type.toUpperCase();
    if (!["HEADER", "BODY", "FOOTER"].includes(type) || !c.text) continue;
    const kind = type.toLowerCase();
    parts.push(c.text.replace(placeholder, (whole, name: string) => values[`${kind}.${name}`] ?? whole));
  }
  return parts.join("\n");
}
