export async function register() {
  // Next.js sets NEXT_RUNTIME itself; the database and secrets exist only in the Node.js server.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("./lib/server/startup");
  await startServer();
}
