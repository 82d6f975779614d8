/** What a suite started (clusters, servers, connections), undone in reverse order when it ends, pass or fail. */
const pending: Array<() => unknown> = [];

export function defer(undo: () => unknown): void {
  pending.push(undo);
}

export async function undoAll(): Promise<void> {
  while (pending.length > 0) {
    try {
      await pending.pop()!();
    } catch (error) {
      console.error(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
