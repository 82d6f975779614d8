/** What each role may do; the server checks these on every request, the UI only hides. */
export const roles = ["owner", "admin", "agent"] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { agent: 1, admin: 2, owner: 3 };

export function hasRole(role: Role, minimum: Role): boolean {
  return rank[role] >= rank[minimum];
}

export const roleLabels: Record<Role, string> = { owner: "Owner", admin: "Admin", agent: "Agent" };

export const roleDescriptions: Record<Role, string> = {
  owner: "Everything, including deleting the workspace and transferring ownership.",
  admin: "WhatsApp numbers, members and settings, plus the inbox.",
  agent: "The inbox: conversations and replies.",
};
