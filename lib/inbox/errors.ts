/**
 * A request the inbox refuses. Both codes mean "not here" to the person asking: routes
 * answer 404, since another workspace's ids must be indistinguishable from unknown ones.
 */
export type InboxErrorCode = "conversation_not_found" | "member_not_found";

const messages: Record<InboxErrorCode, string> = {
  conversation_not_found: "This conversation does not exist in this workspace. Go back to the inbox and pick another.",
  member_not_found: "That person is not a member of this workspace. Pick someone from the member list.",
};

export class InboxError extends Error {
  constructor(readonly code: InboxErrorCode) {
    super(messages[code]);
    this.name = "InboxError";
  }
}
