import type { Entry, Status, User } from "./api/client";

/** The workflow buttons, by their accessible names. */
export type Action = "Submit for review" | "Withdraw" | "Approve" | "Request changes" | "Publish" | "Schedule" | "Unpublish";

// Where each action may start, as the server's transition table says.
const from: Record<Action, Status[]> = {
  "Submit for review": ["draft", "changes_requested"],
  Withdraw: ["in_review"],
  Approve: ["in_review"],
  "Request changes": ["in_review"],
  Publish: ["approved"],
  Schedule: ["approved"],
  Unpublish: ["published", "scheduled"],
};

const has = (u: User, ...roles: string[]) => u.roles.some((r) => roles.includes(r));

/**
 * actions lists the workflow buttons to show this user for this entry: the
 * server decides (and refuses anything else), this only hides what would be refused.
 */
export function actions(user: User, entry: Entry, selfApproval = false): Action[] {
  const own = entry.author.id === user.id;
  const wroteRevision = (entry.revision_author ?? entry.author).id === user.id;
  const out: Action[] = [];
  for (const action of Object.keys(from) as Action[]) {
    if (!from[action].includes(entry.status)) continue;
    switch (action) {
      case "Submit for review":
      case "Withdraw":
        if (has(user, "admin") || (own && has(user, "editor"))) out.push(action);
        break;
      case "Approve":
      case "Request changes":
        if (has(user, "reviewer", "admin") && (!wroteRevision || (selfApproval && has(user, "admin")))) out.push(action);
        break;
      default:
        if (has(user, "reviewer", "admin")) out.push(action);
    }
  }
  return out;
}

/** canEdit reports whether the user may save a new revision of the entry. */
export function canEdit(user: User, entry: Entry): boolean {
  const editable: Status[] = ["draft", "changes_requested", "approved", "published"];
  if (!editable.includes(entry.status)) return false;
  return has(user, "admin") || (entry.author.id === user.id && has(user, "editor"));
}

export const statusLabels: Record<Status, string> = {
  draft: "Draft",
  in_review: "In review",
  changes_requested: "Changes requested",
  approved: "Approved",
  scheduled: "Scheduled",
  published: "Published",
};

export const statuses = Object.keys(statusLabels) as Status[];
