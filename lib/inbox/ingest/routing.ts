import { tenantForPhoneNumber, withPlatform } from "@/db/platform";

/** The workspace owning each receiving number, looked up once per number per delivery. */
export function routeLookup(): (phoneNumberId: string) => Promise<string | null> {
  const seen = new Map<string, Promise<string | null>>();
  return (phoneNumberId) => {
    let route = seen.get(phoneNumberId);
    if (!route) {
      route = withPlatform((tx) => tenantForPhoneNumber(tx, phoneNumberId));
      seen.set(phoneNumberId, route);
    }
    return route;
  };
}
