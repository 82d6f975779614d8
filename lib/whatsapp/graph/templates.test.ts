import { expect, it } from "vitest";
import { renderTemplateText, templateParameters, templateSupport, templateVariables, type TemplateDefinitionComponent } from "./templates";

const shipping: TemplateDefinitionComponent[] = [
  { type: "HEADER", format: "TEXT", text: "Order {{order}}", example: { header_text_named_params: [{ param_name: "order", example: "1042" }] } },
  {
    type: "BODY",
    text: "Hi {{first_name}}, your order ships {{day}}. Thanks, {{first_name}}!",
    example: { body_text_named_params: [{ param_name: "first_name", example: "Ana" }, { param_name: "day", example: "today" }] },
  },
  { type: "FOOTER", text: "Reply STOP to opt out" },
  { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Thanks" }, { type: "URL", text: "Track", url: "https://example.test/t/{{1}}", example: ["https://example.test/t/abc"] }] },
];

it("lists each placeholder once, in order, with Meta's examples", () => {
  expect(templateVariables(shipping)).toEqual([
    { key: "header.order", component: "header", name: "order", label: "Header {{order}}", example: "1042" },
    { key: "body.first_name", component: "body", name: "first_name", label: "Body {{first_name}}", example: "Ana" },
    { key: "body.day", component: "body", name: "day", label: "Body {{day}}", example: "today" },
    { key: "button.1.1", component: "button", name: "1", label: "Link of button “Track” {{1}}", example: "https://example.test/t/abc" },
  ]);
  expect(templateVariables([{ type: "BODY", text: "Tu pedido {{1}} va en camino.", example: { body_text: [["1042"]] } }])[0]!.example).toBe("1042");
});

it("builds named, positional and URL button parameters for the send", () => {
  const values = { "header.order": "77", "body.first_name": "Ana", "body.day": "mañana", "button.1.1": "abc" };
  expect(templateParameters(shipping, values)).toEqual([
    { type: "header", parameters: [{ type: "text", text: "77", parameter_name: "order" }] },
    {
      type: "body",
      parameters: [
        { type: "text", text: "Ana", parameter_name: "first_name" },
        { type: "text", text: "mañana", parameter_name: "day" },
      ],
    },
    { type: "button", sub_type: "url", index: "1", parameters: [{ type: "text", text: "abc" }] },
  ]);
  expect(renderTemplateText(shipping, values)).toBe("Order 77\nHi Ana, your order ships mañana. Thanks, Ana!\nReply STOP to opt out");
});

it("says which templates need more than text to send", () => {
  expect(templateSupport(shipping)).toEqual({ sendable: true });
  expect(templateSupport([{ type: "HEADER", format: "IMAGE" }, { type: "BODY", text: "x" }])).toMatchObject({ sendable: false });
  expect(templateSupport([{ type: "BUTTONS", buttons: [{ type: "COPY_CODE" }] }])).toMatchObject({ sendable: false });
  expect(templateSupport([{ type: "CAROUSEL" }])).toMatchObject({ sendable: false });
});
