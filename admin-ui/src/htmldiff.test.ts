import { describe, expect, it } from "vitest";
import { diffHTML, diffText } from "./htmldiff";

describe("diffHTML", () => {
  it("finds no change in the same article", () => {
    const html = "<h2>Bulbs</h2><p>Plant <strong>early</strong>.</p><ul><li><p>Tulips</p></li></ul>";
    expect(diffHTML(html, html)).toEqual({ html, changes: 0 });
  });

  it("marks an inserted word inside its paragraph", () => {
    const d = diffHTML("<p>Plant the bulbs.</p>", "<p>Plant the spring bulbs.</p>");
    expect(d.changes).toBe(1);
    expect(d.html).toMatch(/^<p>Plant the <ins><span class="sr-only">\[inserted: <\/span>spring <span class="sr-only">]<\/span><\/ins>bulbs/);
    expect(d.html.match(/<p>/g)).toHaveLength(1);
  });

  it("shows a link whose address alone changed", () => {
    const d = diffHTML('<p>See <a href="https://a.example/" rel="nofollow noopener" target="_blank">the guide</a>.</p>', '<p>See <a href="/guide">the guide</a>.</p>');
    expect(d.changes).toBe(2);
    expect(d.html).toContain('<del><span class="sr-only">[removed: </span><a href="https://a.example/">the guide</a><span class="diff-href"> (link: https://a.example/)</span>');
    expect(d.html).toContain('<ins><span class="sr-only">[inserted: </span><a href="/guide">the guide</a><span class="diff-href"> (link: /guide)</span>');
  });

  it("shows formatting changes", () => {
    const d = diffHTML("<p>Plant early.</p>", "<p>Plant <em>early.</em></p>");
    expect(d.changes).toBe(2);
    expect(d.html).toContain("<ins>");
    expect(d.html).toContain("<em>early.</em>");
    const h = diffHTML("<p>Title</p>", "<h2>Title</h2>");
    expect(h.changes).toBe(2);
    expect(h.html).toContain('class="diff-del-block"');
    expect(h.html).toContain('<h2 class="diff-ins-block">');
  });

  it("diffs inside tables and lists, and marks whole new blocks", () => {
    const t = (x: string) => `<table><tbody><tr><th><p>Bulb</p></th></tr><tr><td><p>${x}</p></td></tr></tbody></table>`;
    const d = diffHTML(t("Tulip"), t("Tulip red") + "<p>New paragraph</p>");
    expect(d.html).toContain("<td><p>Tulip<ins>");
    expect(d.html).toContain('<p class="diff-ins-block"><span class="sr-only">[inserted block] </span>New paragraph</p>');
    expect(d.changes).toBe(2);
    const l = diffHTML("<ul><li><p>One</p></li></ul>", "<ul><li><p>One</p></li><li><p>Two</p></li></ul>");
    expect(l.html).toContain('<li class="diff-ins-block"><p><span class="sr-only">[inserted block] </span>Two</p></li>');
  });

  it("shows a changed image", () => {
    const d = diffHTML('<p>x</p><img src="/media/a.jpg" alt="A">', '<p>x</p><img src="/media/b.jpg" alt="A">');
    expect(d.changes).toBe(2);
  });
});

describe("diffText", () => {
  it("marks changed words", () => {
    const d = diffText("Planting spring bulbs", "Planting spring bulbs in October");
    expect(d.changes).toBe(1);
    expect(d.html).toContain("in October");
    expect(diffText("a <b>", "a <b>").html).toBe("a &lt;b&gt;");
  });
});
