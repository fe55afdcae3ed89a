/**
 * htmldiff renders a changed article with its changes inside it: blocks are
 * aligned first (paragraphs, headings, list items, table cells), then the
 * words of each changed block, so a new word is an <ins> in its paragraph.
 * Words carry their formatting and link target: making a word bold, or
 * pointing a link elsewhere, is a change (the old form removed, the new one
 * inserted, with the link's address shown).
 */

type Op<T> = { op: "eq" | "ins" | "del"; a?: T; b?: T };

/** lcs aligns two sequences by key (common prefix and suffix first, then a table). */
export function lcs<T>(a: T[], b: T[], key: (t: T) => string): Op<T>[] {
  const ka = a.map(key);
  const kb = b.map(key);
  let start = 0;
  while (start < a.length && start < b.length && ka[start] === kb[start]) start++;
  let ea = a.length;
  let eb = b.length;
  while (ea > start && eb > start && ka[ea - 1] === kb[eb - 1]) {
    ea--;
    eb--;
  }
  const head: Op<T>[] = a.slice(0, start).map((x, i) => ({ op: "eq", a: x, b: b[i] }));
  const tail: Op<T>[] = a.slice(ea).map((x, i) => ({ op: "eq", a: x, b: b[eb + i] }));
  const n = ea - start;
  const m = eb - start;
  const mid: Op<T>[] = [];
  if (n * m > 4_000_000) {
    // Too big to align word by word: the whole middle was replaced.
    for (let i = start; i < ea; i++) mid.push({ op: "del", a: a[i] });
    for (let j = start; j < eb; j++) mid.push({ op: "ins", b: b[j] });
  } else {
    const w = m + 1;
    const t = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        t[i * w + j] = ka[start + i] === kb[start + j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && ka[start + i] === kb[start + j]) {
        mid.push({ op: "eq", a: a[start + i], b: b[start + j] });
        i++;
        j++;
      } else if (j < m && (i === n || t[i * w + j + 1]! >= t[(i + 1) * w + j]!)) {
        mid.push({ op: "ins", b: b[start + j] });
        j++;
      } else {
        mid.push({ op: "del", a: a[start + i] });
        i++;
      }
    }
  }
  // Removals before insertions in each changed run reads best.
  const out: Op<T>[] = [...head];
  let dels: Op<T>[] = [];
  let inss: Op<T>[] = [];
  const flush = () => {
    out.push(...dels, ...inss);
    dels = [];
    inss = [];
  };
  for (const o of mid) {
    if (o.op === "eq") {
      flush();
      out.push(o);
    } else (o.op === "del" ? dels : inss).push(o);
  }
  flush();
  return out.concat(tail);
}

type Mark = { tag: string; attrs: [string, string][]; sig: string };
type Tok = { text: string; atom?: Element; marks: Mark[]; key: string };

const ATOMS = new Set(["img", "br", "hr"]);
const CONTAINERS = new Set(["ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "div", "figure"]);
const BLOCKS = new Set(["p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "hr", "div", "figure", "img"]);
// What of an inline element makes it different: a link's address, not the rel/target the server adds.
const KEPT: Record<string, string[]> = { a: ["href", "title"], code: [], span: [] };

function markOf(el: Element): Mark {
  const tag = el.tagName.toLowerCase();
  const names = KEPT[tag] ?? [];
  const attrs = names.filter((n) => el.hasAttribute(n)).map((n) => [n, el.getAttribute(n)!] as [string, string]);
  return { tag, attrs, sig: tag + attrs.map(([k, v]) => `[${k}=${v}]`).join("") };
}

function tokens(root: Node): Tok[] {
  const out: Tok[] = [];
  const walk = (n: Node, marks: Mark[]) => {
    const sig = marks.map((m) => m.sig).join(">");
    if (n.nodeType === 3) {
      for (const w of (n.nodeValue ?? "").match(/\s+|[^\s]+/g) ?? []) out.push({ text: w, marks, key: `${/^\s+$/.test(w) ? " " : w}\u0000${sig}` });
    } else if (n.nodeType === 1) {
      const el = n as Element;
      if (ATOMS.has(el.tagName.toLowerCase())) out.push({ text: "", atom: el, marks, key: `${el.outerHTML}\u0000${sig}` });
      else for (const c of Array.from(el.childNodes)) walk(c, [...marks, markOf(el)]);
    }
  };
  for (const c of Array.from(root.childNodes)) walk(c, []);
  return out;
}

type Counter = { n: number };

function renderTokens(doc: Document, ops: Op<Tok>[], into: Node, count: Counter) {
  let i = 0;
  while (i < ops.length) {
    const op = ops[i]!.op;
    const first = (ops[i]!.b ?? ops[i]!.a)!;
    const sig = first.marks.map((m) => m.sig).join(">");
    const group: Tok[] = [];
    while (i < ops.length && ops[i]!.op === op) {
      const t = (ops[i]!.b ?? ops[i]!.a)!;
      if (t.marks.map((m) => m.sig).join(">") !== sig) break;
      group.push(t);
      i++;
    }
    let parent: Node = into;
    if (op !== "eq") {
      // Whitespace alone changing is no change worth a mark.
      if (group.every((t) => !t.atom && !t.text.trim())) {
        if (op === "del") continue;
      } else {
        const w = doc.createElement(op);
        const sr = doc.createElement("span");
        sr.className = "sr-only";
        sr.textContent = op === "ins" ? "[inserted: " : "[removed: ";
        w.appendChild(sr);
        into.appendChild(w);
        parent = w;
        count.n++;
      }
    }
    let inner: Node = parent;
    for (const m of first.marks) {
      const el = doc.createElement(m.tag);
      for (const [k, v] of m.attrs) el.setAttribute(k, v);
      inner.appendChild(el);
      inner = el;
    }
    for (const t of group) inner.appendChild(t.atom ? t.atom.cloneNode(true) : doc.createTextNode(t.text));
    if (parent !== into) {
      const link = first.marks.find((m) => m.tag === "a");
      if (link) {
        const note = doc.createElement("span");
        note.className = "diff-href";
        note.textContent = ` (link: ${link.attrs.find(([k]) => k === "href")?.[1] ?? "none"})`;
        parent.appendChild(note);
      }
      const end = doc.createElement("span");
      end.className = "sr-only";
      end.textContent = "]";
      parent.appendChild(end);
    }
  }
}

const blocksOf = (n: Node): Node[] => Array.from(n.childNodes).filter((c) => c.nodeType === 1 || (c.nodeType === 3 && (c.nodeValue ?? "").trim()));
const tagOf = (n: Node) => (n.nodeType === 1 ? (n as Element).tagName.toLowerCase() : "#text");
const htmlOf = (n: Node) => (n.nodeType === 1 ? (n as Element).outerHTML : (n.nodeValue ?? ""));
const isContainer = (n: Node) =>
  n.nodeType === 1 && CONTAINERS.has(tagOf(n)) && blocksOf(n).length > 0 && blocksOf(n).every((c) => c.nodeType === 1 && BLOCKS.has(tagOf(c)));

function whole(doc: Document, n: Node, op: "ins" | "del", count: Counter): Node {
  count.n++;
  const c = n.cloneNode(true);
  if (c.nodeType !== 1) {
    const w = doc.createElement(op);
    w.appendChild(c);
    return w;
  }
  const el = c as Element;
  el.classList.add(op === "ins" ? "diff-ins-block" : "diff-del-block");
  // Said to screen readers at the first text of the block.
  let target: Element = el;
  while (isContainer(target) && target.firstElementChild) target = target.firstElementChild;
  if (!ATOMS.has(tagOf(target))) {
    const sr = doc.createElement("span");
    sr.className = "sr-only";
    sr.textContent = op === "ins" ? "[inserted block] " : "[removed block] ";
    target.insertBefore(sr, target.firstChild);
  }
  return el;
}

function diffBlocks(doc: Document, a: Node[], b: Node[], into: Node, count: Counter) {
  const ops = lcs(a, b, htmlOf);
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.op === "eq") {
      into.appendChild(ops[i]!.b!.cloneNode(true));
      i++;
      continue;
    }
    const dels: Node[] = [];
    const inss: Node[] = [];
    while (i < ops.length && ops[i]!.op !== "eq") {
      if (ops[i]!.op === "del") dels.push(ops[i]!.a!);
      else inss.push(ops[i]!.b!);
      i++;
    }
    // Pair a removed block with an inserted one of the same kind: that is an edit inside it.
    let d = 0;
    let n = 0;
    while (d < dels.length || n < inss.length) {
      const o = dels[d];
      const x = inss[n];
      if (o && x && tagOf(o) === tagOf(x) && !ATOMS.has(tagOf(o))) {
        if (isContainer(o) && isContainer(x)) {
          const shell = x.cloneNode(false);
          diffBlocks(doc, blocksOf(o), blocksOf(x), shell, count);
          into.appendChild(shell);
        } else if (o.nodeType === 1 && x.nodeType === 1) {
          const shell = x.cloneNode(false);
          renderTokens(doc, lcs(tokens(o), tokens(x), (t) => t.key), shell, count);
          into.appendChild(shell);
        } else {
          const span = doc.createElement("span");
          renderTokens(doc, lcs(tokens(wrapText(doc, o)), tokens(wrapText(doc, x)), (t) => t.key), span, count);
          into.appendChild(span);
        }
        d++;
        n++;
      } else if (o && (!x || dels.length - d >= inss.length - n)) {
        into.appendChild(whole(doc, o, "del", count));
        d++;
      } else if (x) {
        into.appendChild(whole(doc, x, "ins", count));
        n++;
      }
    }
  }
}

function wrapText(doc: Document, n: Node): Node {
  const s = doc.createElement("span");
  s.appendChild(n.cloneNode(true));
  return s;
}

export type Diffed = { html: string; changes: number };

/** diffHTML returns the new article with the changes from the old one marked in it. */
export function diffHTML(oldHTML: string, newHTML: string): Diffed {
  const p = new DOMParser();
  const a = p.parseFromString(`<body>${oldHTML}</body>`, "text/html").body;
  const doc = p.parseFromString(`<body>${newHTML}</body>`, "text/html");
  const out = doc.createElement("div");
  const count = { n: 0 };
  diffBlocks(doc, blocksOf(a), blocksOf(doc.body), out, count);
  return { html: out.innerHTML, changes: count.n };
}

/** diffText marks the words changed between two plain texts. */
export function diffText(oldText: string, newText: string): Diffed {
  const doc = document.implementation.createHTMLDocument("");
  const a = doc.createElement("span");
  a.textContent = oldText;
  const b = doc.createElement("span");
  b.textContent = newText;
  const out = doc.createElement("span");
  const count = { n: 0 };
  renderTokens(doc, lcs(tokens(a), tokens(b), (t) => t.key), out, count);
  return { html: out.innerHTML, changes: count.n };
}
