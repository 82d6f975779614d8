import type { Mail } from "./transport";

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** A mail of a few paragraphs and one button-like link, in plain text and the same in simple HTML. */
function compose(kind: string, to: string, subject: string, parts: { paragraphs: string[]; action: string; link: string; footer: string }): Mail {
  const text = [...parts.paragraphs, `${parts.action}:\n${parts.link}`, parts.footer, "— Switchboard"].join("\n\n");
  const html = [
    `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#0f172a">`,
    ...parts.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p><a href="${escapeHtml(parts.link)}" style="display:inline-block;padding:8px 16px;background:#059669;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(parts.action)}</a></p>`,
    `<p style="font-size:12px;color:#475569">Or open this address: ${escapeHtml(parts.link)}</p>`,
    `<p style="font-size:12px;color:#475569">${escapeHtml(parts.footer)}</p>`,
    `</body></html>`,
  ].join("\n");
  return { kind, to, subject, text, html, link: parts.link };
}

export function verifyEmailMail(to: string, link: string): Mail {
  return compose("verify_email", to, "Confirm your email address for Switchboard", {
    paragraphs: [`Someone, probably you, created a Switchboard account with ${to}. Confirm it is your address to connect WhatsApp numbers and invite your team.`],
    action: "Confirm my email address",
    link,
    footer: "The link works once and for 48 hours. If you did not sign up, ignore this mail: nothing happens without a click.",
  });
}

export function signUpAttemptMail(to: string, resetLink: string): Mail {
  return compose("sign_up_attempt", to, "Someone tried to sign up to Switchboard with your address", {
    paragraphs: [
      `Someone tried to create a Switchboard account with ${to}, but you already have one. No new account was made and nothing changed on yours.`,
      "If it was you, sign in with your password. If you forgot it, or did not try to sign up and want to be safe, reset your password:",
    ],
    action: "Reset my password",
    link: resetLink,
    footer: "If it was you and you remember your password, ignore this mail.",
  });
}

export function resetPasswordMail(to: string, link: string): Mail {
  return compose("reset_password", to, "Reset your Switchboard password", {
    paragraphs: [`Someone, probably you, asked to reset the password of the Switchboard account ${to}.`],
    action: "Choose a new password",
    link,
    footer:
      "The link works once and for 1 hour. Setting a new password signs you out on every other device. If you did not ask, ignore this mail: your password stays as it is.",
  });
}

export function invitationMail(to: string, invitation: { link: string; workspaceName: string; inviterName: string; role: string }): Mail {
  return compose("invitation", to, `${invitation.inviterName} invited you to ${invitation.workspaceName} on Switchboard`, {
    paragraphs: [`${invitation.inviterName} invited you to join the workspace ${invitation.workspaceName} on Switchboard as ${invitation.role === "admin" ? "an admin" : "an agent"}, to answer its customers on WhatsApp together.`],
    action: "Accept the invitation",
    link: invitation.link,
    footer: "The link works once and for 7 days. If you did not expect it, ignore this mail.",
  });
}
