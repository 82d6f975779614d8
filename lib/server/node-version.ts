/** The Node.js major version Switchboard runs on: 24 LTS (Node 20 reached end of life in April 2026). */
export const requiredNodeMajor = 24;

/**
 * Why the server will not start on `version` (`process.versions.node`), or null when it may.
 * npm scripts run on the Node 24 the project installs as a development dependency; a bare
 * `node` or `tsx` may be the machine's own, older one.
 */
export function unsupportedNodeReason(version: string): string | null {
  const major = Number.parseInt(version.split(".")[0] ?? "", 10);
  if (major >= requiredNodeMajor) return null;
  return (
    `Switchboard needs Node.js ${requiredNodeMajor} or newer, and this is Node.js ${version} (${process.execPath}). ` +
    "Start it through npm (`npm run dev`, `npm start`), which uses the Node.js installed with the project's " +
    `development dependencies, or install Node.js ${requiredNodeMajor} LTS.`
  );
}
