import { describe, expect, it } from "vitest";
import type { Entry, User } from "./api/client";
import { actions, canEdit } from "./workflow";

const user = (id: string, ...roles: string[]): User =>
  ({ id, email: `${id}@x`, name: id, roles, disabled: false, created_at: "" }) as User;
const entry = (status: Entry["status"], author: string, revisionAuthor = author): Entry =>
  ({ id: "e", status, author: { id: author, name: author }, revision_author: { id: revisionAuthor, name: revisionAuthor } }) as Entry;

describe("workflow buttons", () => {
  it("lets an editor submit and withdraw only their own entry", () => {
    expect(actions(user("ed", "editor"), entry("draft", "ed"))).toEqual(["Submit for review"]);
    expect(actions(user("ed", "editor"), entry("draft", "other"))).toEqual([]);
    expect(actions(user("ed", "editor"), entry("in_review", "ed"))).toEqual(["Withdraw"]);
  });
  it("lets a reviewer review what they did not write, and publish", () => {
    expect(actions(user("rev", "reviewer"), entry("in_review", "ed"))).toEqual(["Approve", "Request changes"]);
    expect(actions(user("rev", "reviewer", "editor"), entry("in_review", "ed", "rev"))).toEqual([]);
    expect(actions(user("rev", "reviewer"), entry("approved", "ed"))).toEqual(["Publish", "Schedule"]);
    expect(actions(user("rev", "reviewer"), entry("published", "ed"))).toEqual(["Unpublish"]);
    expect(actions(user("rev", "reviewer"), entry("scheduled", "ed"))).toEqual(["Unpublish"]);
  });
  it("keeps four eyes for admins unless self-approval is on", () => {
    expect(actions(user("ad", "admin"), entry("in_review", "ad"))).toEqual(["Withdraw"]);
    expect(actions(user("ad", "admin"), entry("in_review", "ad"), true)).toEqual(["Withdraw", "Approve", "Request changes"]);
  });
  it("allows editing where the server does", () => {
    expect(canEdit(user("ed", "editor"), entry("published", "ed"))).toBe(true);
    expect(canEdit(user("ed", "editor"), entry("in_review", "ed"))).toBe(false);
    expect(canEdit(user("ed", "editor"), entry("draft", "other"))).toBe(false);
    expect(canEdit(user("rev", "reviewer"), entry("draft", "ed"))).toBe(false);
    expect(canEdit(user("ad", "admin"), entry("approved", "ed"))).toBe(true);
  });
});
