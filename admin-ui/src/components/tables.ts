import { mergeAttributes, Node } from "@tiptap/react";
import { addRowAfter, goToNextCell, isInTable, tableEditing } from "@tiptap/pm/tables";

/**
 * Tables for rich text, on prosemirror-tables (through @tiptap/pm, so all of
 * TipTap stays on one version): <table><tbody><tr><th|td><p>…</p></…></tr></tbody></table>,
 * the markup the server's sanitiser keeps. colspan and rowspan are written only when over 1,
 * so a saved table reads back exactly as it was.
 */
const roles: Record<string, string> = { table: "table", tableRow: "row", tableCell: "cell", tableHeader: "header_cell" };

const span = (name: "colspan" | "rowspan") => ({
  default: 1,
  parseHTML: (el: HTMLElement) => Math.max(1, parseInt(el.getAttribute(name) ?? "1", 10) || 1),
  renderHTML: (attrs: Record<string, unknown>) => (Number(attrs[name]) > 1 ? { [name]: attrs[name] } : {}),
});

const cell = (name: "tableCell" | "tableHeader", tag: "td" | "th") =>
  Node.create({
    name,
    content: "block+",
    isolating: true,
    addAttributes() {
      return { colspan: span("colspan"), rowspan: span("rowspan"), colwidth: { default: null, rendered: false } };
    },
    parseHTML() {
      return [{ tag }];
    },
    renderHTML({ HTMLAttributes }) {
      return [tag, mergeAttributes(HTMLAttributes), 0];
    },
  });

export const Table = Node.create({
  name: "table",
  group: "block",
  content: "tableRow+",
  isolating: true,
  extendNodeSchema(extension) {
    return roles[extension.name] ? { tableRole: roles[extension.name] } : {};
  },
  parseHTML() {
    return [{ tag: "table" }];
  },
  renderHTML() {
    return ["table", ["tbody", 0]];
  },
  addProseMirrorPlugins() {
    return [tableEditing()];
  },
  addKeyboardShortcuts() {
    return {
      // Tab in the last cell adds a row, as in Word and Google Docs, instead of leaving the text.
      Tab: () => {
        const { view } = this.editor;
        if (goToNextCell(1)(view.state, view.dispatch)) return true;
        if (!isInTable(view.state)) return false;
        addRowAfter(view.state, view.dispatch);
        return goToNextCell(1)(view.state, view.dispatch);
      },
      "Shift-Tab": () => goToNextCell(-1)(this.editor.state, this.editor.view.dispatch),
    };
  },
});

export const TableRow = Node.create({
  name: "tableRow",
  content: "(tableCell | tableHeader)+",
  parseHTML() {
    return [{ tag: "tr" }];
  },
  renderHTML() {
    return ["tr", 0];
  },
});

export const TableCell = cell("tableCell", "td");
export const TableHeader = cell("tableHeader", "th");

/** newTable is a 3 × 3 table whose first row is a header row. */
export function newTable(cols = 3, rows = 3) {
  const c = (type: string) => ({ type, content: [{ type: "paragraph" }] });
  return {
    type: "table",
    content: Array.from({ length: rows }, (_, r) => ({ type: "tableRow", content: Array.from({ length: cols }, () => c(r === 0 ? "tableHeader" : "tableCell")) })),
  };
}

/**
 * cleanPastedHTML keeps what an article is made of when pasting from Word,
 * Google Docs or a web page (headings, lists, links, tables, emphasis) and
 * drops the rest: styles, classes, Word's XML, Google's wrapper that would
 * make everything bold.
 */
export function cleanPastedHTML(html: string): string {
  // Style attributes are renamed before parsing: the page's CSP refuses inline styles (and
  // says so in the console) even in a parsed document; their bold and italic are read below.
  // <style> blocks (Word sends a sheet of them) go before parsing too, for the same reason.
  const renamed = html
    .replace(/<style[\s\S]*?<\/style\s*>/gi, "")
    .replace(/(<[a-z][^>]*?\s)style(\s*=)/gi, "$1data-pasted-style$2");
  const doc = new DOMParser().parseFromString(renamed, "text/html");
  doc.querySelectorAll("style, script, meta, link, title, xml, template, iframe, object, embed, form, input, button, select, textarea, svg, canvas").forEach((n) => n.remove());
  // Word's empty <o:p> paragraphs markers and the like.
  doc.body.querySelectorAll("*").forEach((el) => {
    if (el.tagName.includes(":")) el.replaceWith(...Array.from(el.childNodes));
  });
  // Google Docs wraps the whole copy in <b style="font-weight:normal" id="docs-internal-guid-…">.
  doc.querySelectorAll('b[id^="docs-internal-guid"]').forEach((b) => b.replaceWith(...Array.from(b.childNodes)));
  // Word headings and titles come as styled paragraphs.
  doc.querySelectorAll("p[class]").forEach((p) => {
    const m = /MsoHeading(\d)|MsoTitle|MsoSubtitle/.exec(p.className);
    if (!m) return;
    const level = m[1] ? Math.min(4, Math.max(2, Number(m[1]) + 1)) : p.className.includes("Subtitle") ? 3 : 2;
    const h = doc.createElement(`h${level}`);
    h.append(...Array.from(p.childNodes));
    p.replaceWith(h);
  });
  // The editor has headings 2 to 4: a pasted title becomes a level 2, deeper ones a level 4.
  doc.querySelectorAll("h1, h5, h6").forEach((el) => {
    const h = doc.createElement(el.tagName === "H1" ? "h2" : "h4");
    h.append(...Array.from(el.childNodes));
    el.replaceWith(h);
  });
  // Word lists: paragraphs with mso-list styles and a typed bullet; make them real lists.
  const isItem = (el: Element | null) => !!el && el.tagName === "P" && (/mso-list/.test(el.getAttribute("data-pasted-style") ?? "") || /MsoListParagraph/.test(el.className));
  for (const p of Array.from(doc.querySelectorAll("p"))) {
    if (!p.isConnected || !isItem(p) || isItem(p.previousElementSibling)) continue;
    const items: Element[] = [];
    for (let el: Element | null = p; isItem(el); el = el!.nextElementSibling) items.push(el!);
    const marker = items[0]!.querySelector('span[data-pasted-style*="mso-list:Ignore"], span[data-pasted-style*="mso-list: Ignore"]')?.textContent?.trim() ?? "";
    const list = doc.createElement(/^\(?[0-9a-zA-Z]{1,3}[.)]/.test(marker) ? "ol" : "ul");
    for (const it of items) {
      it.querySelectorAll('span[data-pasted-style*="mso-list:Ignore"], span[data-pasted-style*="mso-list: Ignore"]').forEach((s) => s.remove());
      const li = doc.createElement("li");
      li.append(...Array.from(it.childNodes));
      list.appendChild(li);
    }
    items[0]!.replaceWith(list);
    items.slice(1).forEach((i) => i.remove());
  }
  // Layout tables' widths and the like go; so do classes and styles, except
  // the bold and italic that Google Docs writes as styles.
  doc.body.querySelectorAll("*").forEach((el) => {
    const style = el.getAttribute("data-pasted-style") ?? "";
    for (const a of Array.from(el.attributes)) if (!["href", "src", "alt", "title", "colspan", "rowspan", "width", "height"].includes(a.name)) el.removeAttribute(a.name);
    if (el.tagName === "SPAN") {
      const bold = /font-weight:\s*(bold|[6-9]00)/.test(style);
      const italic = /font-style:\s*italic/.test(style);
      if (bold || italic) {
        let inner: Element = el;
        if (bold) inner = wrapIn(doc, inner, "strong");
        if (italic) wrapIn(doc, inner, "em");
      }
    }
  });
  return doc.body.innerHTML;
}

function wrapIn(doc: Document, el: Element, tag: string): Element {
  const w = doc.createElement(tag);
  w.append(...Array.from(el.childNodes));
  el.appendChild(w);
  return w;
}
