import { describe, expect, it } from "vitest";
import type { Entry } from "./api/client";
import { buttons, may } from "./workflow";

const entry = (...allowed: Entry["allowed_actions"]) => ({ allowed_actions: allowed });

describe("workflow buttons", () => {
  it("shows exactly the allowed actions, in a steady order", () => {
    expect(buttons(entry("delete", "edit", "submit"))).toEqual(["submit", "delete"]);
    expect(buttons(entry("unpublish", "cancel_schedule"))).toEqual(["cancel_schedule", "unpublish"]);
    expect(buttons(entry())).toEqual([]);
    expect(buttons(entry("request_changes", "approve"))).toEqual(["approve", "request_changes"]);
  });
  it("tells whether editing is allowed", () => {
    expect(may(entry("edit"), "edit")).toBe(true);
    expect(may(entry("submit"), "edit")).toBe(false);
  });
});
