import type { Entry, Status } from "./api/client";

/** What the server says the signed-in person may do to an entry now (its allowed_actions). */
export type Action = Entry["allowed_actions"][number];

/** The workflow buttons, in the order they are shown, with their accessible names. */
export const actionLabels: Record<Exclude<Action, "edit">, string> = {
  submit: "Submit for review",
  withdraw: "Withdraw",
  approve: "Approve",
  request_changes: "Request changes",
  publish: "Publish",
  schedule: "Schedule",
  cancel_schedule: "Cancel schedule",
  unpublish: "Unpublish",
  delete: "Delete",
};

/** buttons lists the workflow buttons for an entry: exactly its allowed_actions, in a steady order. */
export function buttons(entry: Pick<Entry, "allowed_actions">): Exclude<Action, "edit">[] {
  const allowed = new Set(entry.allowed_actions ?? []);
  return (Object.keys(actionLabels) as Exclude<Action, "edit">[]).filter((a) => allowed.has(a));
}

export const may = (entry: Pick<Entry, "allowed_actions">, a: Action) => (entry.allowed_actions ?? []).includes(a);

export const statusLabels: Record<Status, string> = {
  draft: "Draft",
  in_review: "In review",
  changes_requested: "Changes requested",
  approved: "Approved",
  scheduled: "Scheduled",
  published: "Published",
};

export const statuses = Object.keys(statusLabels) as Status[];
