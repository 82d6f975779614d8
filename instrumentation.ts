export async function register() {
  // Next.js sets NEXT_RUNTIME itself; the database and secrets exist only in the Node.js server.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("./lib/server/startup");
  try {
    await startServer();
  } catch (error) {
    // A server that cannot read its configuration or migrate its database must not serve.
    const { log } = await import("./lib/log");
    log.error("server_start_failed", { error });
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
