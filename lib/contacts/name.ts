import { sql } from "drizzle-orm";
import { contacts } from "@/db/schema";

/** The name the inbox shows for a contact: the business's own name for them when set, else their WhatsApp profile name. */
export const contactDisplayName = sql<string | null>`coalesce(${contacts.businessName}, ${contacts.profileName})`;
