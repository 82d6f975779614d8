import { routeForPhoneNumber, type NumberRoute } from "@/db/platform";

/** The route of each receiving number, looked up once per number per delivery. */
export function routeLookup(): (phoneNumberId: string) => Promise<NumberRoute | null> {
  const seen = new Map<string, Promise<NumberRoute | null>>();
  return (phoneNumberId) => {
    let route = seen.get(phoneNumberId);
    if (!route) {
      route = routeForPhoneNumber(phoneNumberId);
      seen.set(phoneNumberId, route);
    }
    return route;
  };
}
