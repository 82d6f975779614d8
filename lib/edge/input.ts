import type { z } from "zod";
import { AppError, type AppErrorKind } from "@/lib/domain/errors";

/** Validates at the edge, so domain functions receive typed input; the first problem is the message. */
export function parseInput<T>(schema: z.ZodType<T>, raw: unknown, kind: AppErrorKind): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new AppError(kind, parsed.error.issues[0]?.message ?? "That request is not valid. Reload the page and try again.", {
    code: "invalid",
  });
}

/** A URL's query string as a plain object, empty values dropped (so `?number=` means "any"). */
export function queryOf(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URL(request.url).searchParams) if (value !== "") out[key] = value;
  return out;
}
