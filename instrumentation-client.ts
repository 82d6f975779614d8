import { config } from "zod/v4/core";

// zod compiles object parsers with `new Function` where it may, and probes for that when a
// schema is built; the pages' Content-Security-Policy forbids eval, and the browser reports
// even the caught probe as a violation. The browser parses little (live-update events), so
// it parses without compiling. The server keeps compiling: this file runs only in the browser.
config({ jitless: true });
