/**
 * The one list of field names whose values never reach a log line, wherever a caller puts
 * them: at the top of the fields or up to two objects down (`headers.authorization`,
 * `request.headers.cookie`). Names are matched exactly, so each spelling in use is listed.
 */
const secretKeys = [
  // Tokens: a number's access token, the webhook verify token, sessions and API keys.
  "token",
  "accessToken",
  "access_token",
  "verifyToken",
  "sessionToken",
  "apiKey",
  // Secrets and keys, also under their environment names.
  "secret",
  "appSecret",
  "clientSecret",
  "AUTH_SECRET",
  "WHATSAPP_APP_SECRET",
  "WHATSAPP_VERIFY_TOKEN",
  "ENCRYPTION_KEY",
  // The mail server's URL carries its password.
  "SMTP_URL",
  // Passwords and what is derived from them.
  "password",
  "newPassword",
  "passwordHash",
  // Credentials carried in HTTP headers.
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  // What customers and agents wrote.
  "body",
  "rawBody",
  "text",
  "caption",
];

export const redactedPaths: string[] = secretKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export const redactionCensor = "[redacted]";
