import { describe, expect, it } from "vitest";
import { sentence } from "./Bell";

const n = (kind: string, actor = "Rex") => ({ id: "1", kind, entry: { id: "e", title: "Tulips" }, actor: { id: "a", name: actor }, at: "", read: false }) as Parameters<typeof sentence>[0];

describe("a notification in words", () => {
  it("names who did what to which entry", () => {
    expect(sentence(n("changes_requested"))).toBe("Rex requested changes on “Tulips”");
    expect(sentence(n("mention", "Ada"))).toBe("Ada mentioned you on “Tulips”");
    expect(sentence(n("submitted"))).toBe("Rex submitted “Tulips” for review");
    expect(sentence(n("approved"))).toBe("Rex approved “Tulips”");
    expect(sentence(n("published"))).toBe("Rex published “Tulips”");
    expect(sentence(n("comment"))).toBe("Rex commented on “Tulips”");
  });
  it("needs no actor for a failed schedule", () => {
    expect(sentence(n("schedule_failed", ""))).toBe("The scheduled publish of “Tulips” failed");
  });
});
