/**
 * What each kind of message is called, in one place: the summary stored with a message,
 * the conversation list's preview and the bubble's heading all take their words from here,
 * so a kind is never named twice in one line.
 */
const typeLabels: Record<string, string> = {
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
  contacts: "Contact",
  order: "Order",
  template: "Template",
  reaction: "Reaction",
  unsupported: "Unsupported message",
};

/** An audio message recorded in WhatsApp (Meta sets `audio.voice`), not a file. */
export const voiceMessageLabel = "Voice message";

/** Types whose text reads as the whole message: the preview shows it without a label. */
const selfDescribing = new Set(["text", "interactive", "button", "system"]);

export function typeLabel(type: string): string {
  return typeLabels[type] ?? "Message";
}

export function isSelfDescribing(type: string): boolean {
  return selfDescribing.has(type);
}

/** The label for one message, which for audio depends on whether it is a voice message. */
export function messageLabel(type: string, voice: boolean): string {
  return type === "audio" && voice ? voiceMessageLabel : typeLabel(type);
}

/**
 * The names a stored summary of this type may begin with when it names its own kind: the
 * label (which "Contact card", stored before this table, begins with too), the voice label,
 * and `<type> message`, what a type Meta adds later is stored as.
 */
export function namesOf(type: string): string[] {
  const names = [typeLabel(type), `${type} message`];
  if (type === "audio") names.push(voiceMessageLabel);
  return names;
}
