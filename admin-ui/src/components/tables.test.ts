import { describe, expect, it } from "vitest";
import { cleanPastedHTML } from "./tables";

describe("cleanPastedHTML", () => {
  it("unwraps Google Docs' bold wrapper and keeps bold written as a style", () => {
    const out = cleanPastedHTML('<b style="font-weight:normal" id="docs-internal-guid-1"><p dir="ltr"><span style="font-weight:700">Bold</span> <span style="font-size:11pt">plain</span></p></b>');
    expect(out).toBe("<p><span><strong>Bold</strong></span> <span>plain</span></p>");
  });
  it("turns Word's headings and list paragraphs into real ones, and drops its XML", () => {
    const word = `<p class=MsoHeading1>Title</p><p class=MsoListParagraphCxSpFirst style="mso-list:l0 level1 lfo1"><span style="mso-list:Ignore">1.</span>One<o:p></o:p></p><p class=MsoListParagraphCxSpLast style="mso-list:l0 level1 lfo1"><span style="mso-list:Ignore">2.</span>Two</p><p class=MsoNormal>After</p>`;
    expect(cleanPastedHTML(word)).toBe("<h2>Title</h2><ol><li>One</li><li>Two</li></ol><p>After</p>");
  });
  it("keeps tables, links and images, without layout attributes", () => {
    const out = cleanPastedHTML('<table style="width:100%" class="x"><tr><td colspan="2" width="50">A <a href="/a" class="c" onclick="x()">link</a></td></tr></table><h1>Top</h1><h6>Deep</h6>');
    expect(out).toBe('<table><tbody><tr><td colspan="2" width="50">A <a href="/a">link</a></td></tr></tbody></table><h2>Top</h2><h4>Deep</h4>');
  });
  it("drops Word's style sheet before parsing, so the page's CSP has nothing to refuse", () => {
    const out = cleanPastedHTML('<html><head><style>p.MsoNormal{margin:0}</style></head><body><p class=MsoNormal>Text</p></body></html>');
    expect(out).toBe("<p>Text</p>");
  });
});
