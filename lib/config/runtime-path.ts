import path from "node:path";

/**
 * An absolute path into a folder the server writes while it runs (DATA_DIR, MEDIA_DIR), never
 * build input. Next's file tracer cannot tell where a path built from runtime values points, so
 * it would copy the whole project, `.data/` included, into the build's server bundle and, in
 * development, watch it; the ignore comment tells it these paths are not its business.
 */
export function runtimePath(base: string, ...parts: string[]): string {
  return path.resolve(/* turbopackIgnore: true */ base, ...parts);
}
