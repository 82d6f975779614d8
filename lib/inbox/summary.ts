/**
 * One line of readable text for a stored message, for list previews, reply quotes and
 * search hits. `text` is the summary the writer stored (the body, a caption, a button
 * title, a location name, a file name: see "Messages: how each kind is stored").
 */
const labels: Record<string, string> = {
  text: "Message",
  interactive: "Reply",
  button: "Reply",
  system: "System message",
  image: "Photo",
  video: "Video",
  audio: "Audio",
  document: "Document",
  sticker: "Sticker",
  location: "Location",
  contacts: "Contact card",
  order: "Order",
  template: "Template",
  reaction: "Reaction",
  unsupported: "Unsupported message",
};

/** Types whose stored text already reads as the whole message. */
const selfDescribing = new Set(["text", "interactive", "button", "system"]);

export function summarizeMessage(message: { type: string; text: string | null }): string {
  const text = message.text?.trim() || null;
  const label = labels[message.type] ?? "Message";
  if (selfDescribing.has(message.type)) return text ?? label;
  return text ? `${label}: ${text}` : label;
}
