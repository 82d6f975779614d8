import { z } from "zod";

/**
 * A string a person typed (a form field, a search, a message): NUL characters removed.
 * Nobody types one on purpose, and Postgres text cannot hold one, so left in it would
 * fail the write as a 500 instead of saving what the person meant.
 */
export const typedText = () => z.string().overwrite((value) => value.replaceAll("\u0000", ""));
