import { describe, expect, it } from "vitest";
import type { Field } from "./api/client";
import { diff, readable } from "./diff";

const fields: Field[] = [
  { name: "title", type: "text" },
  { name: "body", type: "richtext" },
  { name: "tags", type: "json" },
];

describe("diff", () => {
  it("compares field by field, rich text as readable text", () => {
    const rows = diff(fields, { title: "A", body: "<p>Hello <b>world</b></p>" }, { title: "A", body: "<p>Hello world</p>", tags: [1] }, { slug: ["a", "b"] });
    expect(rows.map((r) => [r.name, r.changed])).toEqual([
      ["slug", true],
      ["title", false],
      ["body", false],
      ["tags", true],
    ]);
    expect(rows[2]?.left).toBe("Hello world");
    expect(rows[3]?.right).toBe("[1]");
  });

  it("names images in rich text, so adding or describing one shows as a change", () => {
    const before = '<p>Dawn.</p>';
    const after = '<p>Dawn.</p><img src="/media/m1/hills.png?v=ab12" alt="A yellow sun">';
    const [row] = diff([{ name: "body", type: "richtext" }], { body: before }, { body: after });
    expect(row?.changed).toBe(true);
    expect(row?.right).toBe("Dawn. [image hills.png: A yellow sun]");
  });
  it("keeps paragraphs of rich text apart", () => {
    expect(readable({ name: "body", type: "richtext" } as never, "<p>The end.</p><p>Next</p><table><tbody><tr><td><p>A</p></td><td><p>B</p></td></tr></tbody></table>")).toBe("The end. Next A B");
  });
});
