import type { Database, Tx } from "@/db/client";
import { ownerOfWaba, routeForPhoneNumber, type NumberRoute } from "@/db/platform";
import type { SplitItem } from "./split";

export type ItemRoute = { workspaceId: string; businessNumberId: string | null };

/**
 * Routes a delivery's items: by `value.metadata.phone_number_id` through the number's route,
 * or, for account-level fields, by the WABA through its owner. Each number and WABA is looked
 * up once per router (one batch of deliveries), through the caller's transaction. Null: nobody
 * owns it, and the item is kept as unrouted, never guessed.
 */
export function itemRouter(executor: Database | Tx): (item: SplitItem) => Promise<ItemRoute | null> {
  const numbers = new Map<string, Promise<NumberRoute | null>>();
  const wabas = new Map<string, Promise<string | null>>();
  return async (item) => {
    if (item.routeBy === "waba") {
      if (!item.wabaId) return null;
      let owner = wabas.get(item.wabaId);
      if (!owner) wabas.set(item.wabaId, (owner = ownerOfWaba(executor, item.wabaId)));
      const workspaceId = await owner;
      return workspaceId ? { workspaceId, businessNumberId: null } : null;
    }
    if (!item.phoneNumberId) return null;
    let route = numbers.get(item.phoneNumberId);
    if (!route) numbers.set(item.phoneNumberId, (route = routeForPhoneNumber(executor, item.phoneNumberId)));
    const found = await route;
    return found ? { workspaceId: found.tenantId, businessNumberId: found.businessNumberId } : null;
  };
}
