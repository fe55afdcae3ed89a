import { useEffect, useLayoutEffect, useRef, useState, type FocusEvent, type KeyboardEvent, type RefObject } from "react";
import { EditorContent, useEditor, type Editor } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import Image from "@tiptap/extension-image";
import { NodeSelection, Selection, TextSelection } from "@tiptap/pm/state";
import type { EditorView } from "@tiptap/pm/view";
import type { Media } from "../api/client";
import { useAuth } from "../auth";
import { MediaPicker } from "../media/MediaPicker";
import { AltDialog } from "../media/AltDialog";
import { canUpload } from "../media/MediaDetail";
import { uploadFile, uploadProblem } from "../media/upload";
import { addColumnAfter, addRowAfter, deleteColumn, deleteRow, deleteTable, toggleHeaderRow } from "@tiptap/pm/tables";
import type { EditorState, Transaction } from "@tiptap/pm/state";
import { cleanPastedHTML, newTable, Table, TableCell, TableHeader, TableRow } from "./tables";
import { placeholderAt, placeholderElement, uploadKey, UploadPlaceholders } from "../media/uploadPlaceholders";

type Props = { id: string; label: string; value: string; onChange: (html: string) => void; readOnly?: boolean; describedBy?: string };

/**
 * Images are blocks with src, alt, title, width and height, as the server's
 * sanitiser keeps them. Pasted markup with data: or blob: images is not taken
 * in: images come from the media library, as /media/… URLs.
 */
const CmsImage = Image.extend({
  parseHTML() {
    return [{ tag: 'img[src]:not([src^="data:"]):not([src^="blob:"])' }];
  },
}).configure({ inline: false, allowBase64: false });

type Problem = { key: number; name: string; headline: string; detail: string };
let problemKey = 0;

/** RichText edits HTML with TipTap (ProseMirror); the server sanitises what it stores. */
export function RichText({ id, label, value, onChange, readOnly, describedBy }: Props) {
  const { user } = useAuth();
  const uploader = canUpload(user);
  // What the editor itself last reported: any other value came from outside.
  const emitted = useRef(value);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [pending, setPending] = useState(0);
  const [altPrompt, setAltPrompt] = useState<string | null>(null); // src of an uploaded image still without alt text
  const [picking, setPicking] = useState(false);
  const [linking, setLinking] = useState<{ top: number; left: number } | null>(null);
  const richRef = useRef<HTMLDivElement>(null);
  const [describing, setDescribing] = useState<{ mode: "insert" | "edit"; src: string; alt: string; item?: Media; pos?: number } | null>(null);
  const uploadRef = useRef<(view: EditorView, files: File[], pos: number) => boolean>(() => false);
  const toolbarRef = useRef<HTMLDivElement>(null);
  const roving = useRovingToolbar(toolbarRef);

  const editor = useEditor({
    // The CSP forbids inline styles: TipTap's base CSS is in styles.css instead.
    injectCSS: false,
    // The toolbar shows what is active where the cursor is (bold, a link, a table).
    shouldRerenderOnTransaction: true,
    extensions: [
      StarterKit.configure({
        heading: { levels: [2, 3, 4] },
        // The server adds rel and target to links off the site; links inside it stay plain.
        // Not autolink: that makes links inclusive, so typing after one would lengthen it.
        link: { openOnClick: false, autolink: false, HTMLAttributes: { target: null, rel: null } },
        underline: false,
        trailingNode: false,
      }),
      CmsImage,
      UploadPlaceholders,
      Table,
      TableRow,
      TableHeader,
      TableCell,
    ],
    content: value,
    editable: !readOnly,
    editorProps: {
      attributes: {
        id,
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": label,
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
        "aria-keyshortcuts": "Alt+F10",
        "aria-description": "Alt+F10 moves to the formatting toolbar; Escape there comes back.",
        class: "richtext-area",
      },
      // Alt+F10 goes to the toolbar (as in TinyMCE and CKEditor): from inside a table Tab moves
      // between cells, so this is the keyboard's way out to the table and link tools.
      handleKeyDown: (view, event) => {
        if (event.altKey && event.key === "F10") {
          event.preventDefault();
          // The browser tells of a moved cursor a moment later (selectionchange), and the editor
          // no longer listens once the focus has gone: take it in now, or the tools would act
          // on where the cursor was before the last keys.
          (view as unknown as { domObserver?: { flush?: () => void } }).domObserver?.flush?.();
          roving.focus();
          return true;
        }
        return false;
      },
      transformPastedHTML: cleanPastedHTML,
      handlePaste: (view, event) => {
        const files = Array.from(event.clipboardData?.files ?? []);
        if (!files.length) return false;
        event.preventDefault();
        return uploadRef.current(view, files, view.state.selection.from);
      },
      handleDrop: (view, event, _slice, moved) => {
        const files = Array.from((event as DragEvent).dataTransfer?.files ?? []);
        if (moved || !files.length) return false;
        event.preventDefault();
        const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
        return uploadRef.current(view, files, at?.pos ?? view.state.selection.from);
      },
    },
    onUpdate: ({ editor }) => {
      emitted.current = editor.isEmpty ? "" : editor.getHTML();
      onChange(emitted.current);
    },
  });

  // Pasted or dropped files: each image gets a placeholder with a progress bar where it
  // landed, then the uploaded image in its place; anything else is said, never dropped silently.
  uploadRef.current = (view, files, pos) => {
    if (readOnly) return true;
    if (!uploader) {
      setProblems((p) => [...p, { key: ++problemKey, name: files.map((f) => f.name).join(", "), headline: "You may not upload files", detail: "Ask an editor or an admin to add them to the media library." }]);
      return true;
    }
    const images = files.filter((f) => f.type.startsWith("image/"));
    const others = files.filter((f) => !f.type.startsWith("image/"));
    if (others.length)
      setProblems((p) => [
        ...p,
        ...others.map((f) => ({ key: ++problemKey, name: f.name, headline: "Not an image", detail: "Only images go into rich text; add other files through a media field or the Media page." })),
      ]);
    for (const file of images) {
      const token = {};
      const ph = placeholderElement(file.name);
      view.dispatch(view.state.tr.setMeta(uploadKey, { add: { id: token, pos, el: ph.el } }));
      setPending((n) => n + 1);
      uploadFile(file, { onProgress: (p) => ph.progress(p.total ? Math.round((p.loaded / p.total) * 100) : 0) })
        .then((m) => {
          if (view.isDestroyed) return;
          const at = placeholderAt(view.state, token);
          view.dispatch(view.state.tr.setMeta(uploadKey, { remove: { id: token } }));
          if (at === null || !editorRef.current || editorRef.current.isDestroyed) return; // its place was deleted meanwhile
          editorRef.current
            .chain()
            .insertContentAt(at, { type: "image", attrs: { src: m.url, alt: m.alt, title: m.title || null, width: m.width, height: m.height } })
            .run();
          if (!m.alt.trim()) setAltPrompt(m.url);
        })
        .catch((err) => {
          if (!view.isDestroyed) view.dispatch(view.state.tr.setMeta(uploadKey, { remove: { id: token } }));
          const pr = uploadProblem(err);
          setProblems((p) => [...p, { key: ++problemKey, name: file.name, ...pr }]);
        })
        .finally(() => setPending((n) => n - 1));
    }
    return true;
  };
  const editorRef = useRef<Editor | null>(null);
  editorRef.current = editor;

  // Take in a value replaced from outside (a reload, a restore, someone
  // else's save while nothing was typed here), focused or not: an editor
  // that kept its stale text would later save it over their change.
  useEffect(() => {
    // useEditor may hand back an instance it has already destroyed (it destroys the first one if
    // effects run over 1 ms after render); a destroyed editor throws on getHTML.
    if (editor && !editor.isDestroyed && value !== emitted.current) {
      emitted.current = value;
      editor.commands.setContent(value, { emitUpdate: false });
    }
  }, [editor, value]);
  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.setEditable(!readOnly, false); // false: not an edit by the user
  }, [editor, readOnly]);
  if (!editor) return null;

  const tool = (name: string, active: boolean, run: () => void, extra?: { label?: string; pressed?: boolean }) => (
    <button type="button" className="tool" tabIndex={-1} aria-pressed={extra?.pressed === false ? undefined : active} aria-label={extra?.label} onClick={run} disabled={readOnly}>
      {name}
    </button>
  );
  const imageSelected = editor.isActive("image");
  const inTable = editor.isActive("table");
  const headerRow = inTable && firstRowIsHeader(editor.state);
  const table = (cmd: (state: EditorState, dispatch?: (tr: Transaction) => void) => boolean) => {
    cmd(editor.state, editor.view.dispatch);
    editor.commands.focus();
  };
  // The link popover opens under the words it links, not at the toolbar far above them.
  const openLink = () => {
    const box = richRef.current?.getBoundingClientRect();
    let top = 0;
    let left = 0;
    try {
      const c = editor.view.coordsAtPos(editor.state.selection.to);
      const start = editor.view.coordsAtPos(editor.state.selection.from);
      if (box) {
        top = c.bottom - box.top + 6;
        left = Math.max(0, Math.min((start.top === c.top ? start.left : c.left) - box.left, box.width - 410));
      }
    } catch {
      /* no coordinates (hidden): under the toolbar */
    }
    setLinking({ top, left });
  };
  // A new table takes the cursor into its first cell, ready for the first heading.
  const insertTable = () => {
    const at = editor.state.selection.from;
    editor
      .chain()
      .focus()
      .insertContent(newTable())
      .command(({ tr }) => {
        let cell = -1;
        tr.doc.descendants((node, pos) => {
          if (cell >= 0) return false;
          if (node.type.name === "table" && pos >= at - 1) cell = pos + 4; // table › row › cell › paragraph
          return cell < 0;
        });
        if (cell >= 0) tr.setSelection(TextSelection.create(tr.doc, cell));
        return true;
      })
      .run();
  };
  /** findImage selects the image with src (the first one still without alt text) and returns its position. */
  const findImage = (src: string): number | null => {
    let found: number | null = null;
    editor.state.doc.descendants((node, pos) => {
      if (found === null && node.type.name === "image" && node.attrs.src === src && !node.attrs.alt) found = pos;
      return found === null;
    });
    return found;
  };
  const editAlt = (pos: number) => {
    const node = editor.state.doc.nodeAt(pos);
    if (!node || node.type.name !== "image") return;
    editor.view.dispatch(editor.state.tr.setSelection(NodeSelection.create(editor.state.doc, pos)));
    setDescribing({ mode: "edit", src: String(node.attrs.src), alt: String(node.attrs.alt ?? ""), pos });
  };

  return (
    <div className="richtext" ref={richRef}>
      {/* Someone who may not edit reads the text; a row of disabled tools would only be in the way. */}
      {!readOnly && (
        <div
          className="toolbar"
          role="toolbar"
          aria-label={`${label} formatting`}
          aria-controls={id}
          title="From the text: Alt+F10. Arrow keys move between the tools; Escape goes back to the text."
          ref={toolbarRef}
          onKeyDown={(e) => {
            if (e.key === "Escape" && !linking) {
              e.preventDefault();
              editor.commands.focus();
            } else roving.onKeyDown(e);
          }}
          onFocus={roving.onFocus}
        >
          {tool("Bold", editor.isActive("bold"), () => editor.chain().focus().toggleBold().run())}
          {tool("Italic", editor.isActive("italic"), () => editor.chain().focus().toggleItalic().run())}
          <span className="tool-sep" aria-hidden="true" />
          {([2, 3, 4] as const).map((level) =>
            tool(`H${level}`, editor.isActive("heading", { level }), () => editor.chain().focus().toggleHeading({ level }).run(), { label: `H${level} (heading ${level})` }),
          )}
          {tool("List", editor.isActive("bulletList"), () => editor.chain().focus().toggleBulletList().run())}
          {tool("Numbered", editor.isActive("orderedList"), () => editor.chain().focus().toggleOrderedList().run())}
          {tool("Quote", editor.isActive("blockquote"), () => editor.chain().focus().toggleBlockquote().run())}
          {tool("Code", editor.isActive("codeBlock"), () => editor.chain().focus().toggleCodeBlock().run(), { label: "Code block" })}
          {tool("Divider", false, () => editor.chain().focus().setHorizontalRule().run(), { pressed: false, label: "Divider (horizontal rule)" })}
          <span className="tool-sep" aria-hidden="true" />
          {tool("Link", editor.isActive("link"), openLink, { label: editor.isActive("link") ? "Edit link" : "Link" })}
          {tool("Image", false, () => setPicking(true), { pressed: false, label: "Insert image" })}
          {imageSelected && tool("Alt text", false, () => editAlt(editor.state.selection.from), { pressed: false, label: "Edit the image's alt text" })}
          {!inTable && tool("Insert table", false, insertTable, { pressed: false })}
          {inTable && (
            <span className="table-tools" role="group" aria-label="Table">
              {tool("Add row", false, () => table(addRowAfter), { pressed: false })}
              {tool("Remove row", false, () => table(deleteRow), { pressed: false })}
              {tool("Add column", false, () => table(addColumnAfter), { pressed: false })}
              {tool("Remove column", false, () => table(deleteColumn), { pressed: false })}
              {tool("Header row", headerRow, () => table(toggleFirstRowHeader))}
              {tool("Delete table", false, () => table(deleteTable), { pressed: false })}
            </span>
          )}
        </div>
      )}
      {linking && (
        <LinkPopover
          text={editor.state.doc.textBetween(editor.state.selection.from, editor.state.selection.to, " ").slice(0, 80)}
          initial={String(editor.getAttributes("link").href ?? "")}
          hasLink={editor.isActive("link")}
          at={linking}
          onApply={(href) => {
            setLinking(null);
            // Focus now, not on the next frame, so keys pressed right after land in the text;
            // the cursor goes after the link, so typing on does not replace or lengthen it.
            editor.view.focus();
            const chain = editor.chain().extendMarkRange("link");
            if (editor.state.selection.empty && !editor.isActive("link")) chain.insertContent({ type: "text", text: href, marks: [{ type: "link", attrs: { href } }] });
            else chain.setLink({ href });
            chain.command(({ tr }) => {
              tr.setSelection(TextSelection.create(tr.doc, tr.selection.to));
              return true;
            }).run();
          }}
          onRemove={() => {
            setLinking(null);
            editor.chain().focus().extendMarkRange("link").unsetLink().run();
          }}
          onClose={() => {
            setLinking(null);
            editor.commands.focus();
          }}
        />
      )}
      {(pending > 0 || problems.length > 0 || altPrompt) && (
        <div className="richtext-notes">
          {pending > 0 && (
            <p className="muted" role="status">
              Uploading {pending} image{pending === 1 ? "" : "s"}… keep writing; {pending === 1 ? "it appears" : "they appear"} where you put {pending === 1 ? "it" : "them"}.
            </p>
          )}
          {altPrompt && (
            <p className="warn-note">
              An image went in without alt text.{" "}
              <button
                type="button"
                className="link"
                onClick={() => {
                  const pos = findImage(altPrompt);
                  setAltPrompt(null);
                  if (pos !== null) editAlt(pos);
                }}
              >
                Describe it
              </button>
            </p>
          )}
          {problems.map((p) => (
            <p key={p.key} className="upload-error" role="alert">
              <strong>
                {p.name}: {p.headline}
              </strong>
              {p.detail && <> — {p.detail}</>}{" "}
              <button type="button" className="link" onClick={() => setProblems((all) => all.filter((x) => x.key !== p.key))} aria-label={`Dismiss the message about ${p.name}`}>
                Dismiss
              </button>
            </p>
          ))}
        </div>
      )}
      <EditorContent editor={editor} />
      {picking && (
        <MediaPicker
          title="Insert an image"
          lockKind="image"
          chooseLabel="Next"
          onClose={() => setPicking(false)}
          onChoose={(m) => {
            setPicking(false);
            setDescribing({ mode: "insert", src: m.url, alt: m.alt, item: m });
          }}
        />
      )}
      {describing && (
        <AltDialog
          mode={describing.mode}
          src={describing.src}
          item={describing.item}
          initialAlt={describing.alt}
          onClose={() => {
            setDescribing(null);
            editor.commands.focus();
          }}
          onSubmit={(alt) => {
            const d = describing;
            setDescribing(null);
            if (d.mode === "insert" && d.item) {
              const m = d.item;
              editor
                .chain()
                .focus()
                .setImage({ src: m.url, alt, title: m.title || undefined, width: m.width ?? undefined, height: m.height ?? undefined })
                .run();
            } else if (d.pos !== undefined) {
              editor.chain().focus().setNodeSelection(d.pos).updateAttributes("image", { alt }).run();
            }
          }}
        />
      )}
    </div>
  );
}

/** normalHref turns what a person types into a link address: "example.com" is https://example.com. */
export function normalHref(raw: string): string {
  const t = raw.trim();
  if (!t) return "";
  if (/^(https?:|mailto:|tel:|\/|#|\?|\.)/i.test(t)) return t;
  if (/^[^\s/]+\.[^\s/]+/.test(t)) return `https://${t}`;
  return `/${t}`;
}

/** LinkPopover edits a link's address in place: Enter applies, Escape cancels, and the focus goes back to the text. */
function LinkPopover({ at, text, initial, hasLink, onApply, onRemove, onClose }: { at: { top: number; left: number }; text: string; initial: string; hasLink: boolean; onApply: (href: string) => void; onRemove: () => void; onClose: () => void }) {
  const [href, setHref] = useState(initial);
  const external = /^https?:/i.test(normalHref(href)) && !normalHref(href).startsWith(window.location.origin);
  const ref = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => inputRef.current?.focus({ preventScroll: true }), []);
  // Placed through the CSSOM (the CSP refuses style attributes).
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !at.top) return;
    el.style.top = `${at.top}px`;
    el.style.left = `${at.left}px`;
    el.scrollIntoView?.({ block: "nearest" });
  }, [at]);
  return (
    <div
      ref={ref}
      className={`link-popover${at.top ? " at-text" : ""}`}
      role="dialog"
      aria-label="Link"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          onClose();
        }
      }}
    >
      {text && !hasLink && (
        <p className="muted link-text">
          Link for “{text}”
        </p>
      )}
      <label htmlFor="link-href">Link address</label>
      <input
        id="link-href"
        ref={inputRef}
        value={href}
        placeholder="https://… or /page-on-this-site"
        aria-describedby="link-help"
        onChange={(e) => setHref(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            if (normalHref(href)) onApply(normalHref(href));
          }
        }}
      />
      <p className="help" id="link-help">
        {href.trim() ? (external ? "Another site: it opens in a new tab, marked nofollow." : "A page of this site.") : "A web address, or a path on this site such as /about."}
      </p>
      <div className="actions">
        <button type="button" disabled={!normalHref(href)} onClick={() => onApply(normalHref(href))}>
          Apply
        </button>
        {hasLink && (
          <button type="button" className="danger" onClick={onRemove}>
            Remove link
          </button>
        )}
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/**
 * useRovingToolbar makes a toolbar one stop for Tab, as the ARIA toolbar pattern has it: the
 * arrow keys, Home and End move between its buttons, and Tab goes on to the text. The last
 * button used keeps the stop.
 */
function useRovingToolbar(ref: RefObject<HTMLDivElement | null>) {
  const at = useRef(0);
  const buttons = () => Array.from(ref.current?.querySelectorAll<HTMLButtonElement>("button:not(:disabled)") ?? []);
  // After every render (buttons come and go with the cursor: the table tools, Alt text).
  useEffect(() => {
    const all = buttons();
    if (at.current >= all.length) at.current = 0;
    all.forEach((b, i) => (b.tabIndex = i === at.current ? 0 : -1));
  });
  const move = (i: number) => {
    const all = buttons();
    if (!all.length) return;
    at.current = (i + all.length) % all.length;
    all.forEach((b, j) => (b.tabIndex = j === at.current ? 0 : -1));
    all[at.current]!.focus();
  };
  return {
    focus: () => move(Math.min(at.current, buttons().length - 1)),
    onFocus: (e: FocusEvent) => {
      const i = buttons().indexOf(e.target as HTMLButtonElement);
      if (i >= 0 && i !== at.current) move(i);
    },
    onKeyDown: (e: KeyboardEvent) => {
      const i = buttons().indexOf(e.target as HTMLButtonElement);
      if (i < 0) return;
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons().length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      move(to);
    },
  };
}

/** firstRowIsHeader tells whether the table around the cursor has a header row, wherever in it the cursor is. */
function firstRowIsHeader(state: EditorState): boolean {
  const $from = state.selection.$from;
  for (let d = $from.depth; d > 0; d--) {
    const node = $from.node(d);
    if (node.type.name !== "table") continue;
    const row = node.firstChild;
    let all = !!row && row.childCount > 0;
    row?.forEach((cell) => {
      if (cell.type.name !== "tableHeader") all = false;
    });
    return all;
  }
  return false;
}

/**
 * toggleFirstRowHeader makes the table's first row a header row, or a plain one again, wherever
 * the cursor is in the table (prosemirror-tables' toggleHeaderRow acts on the cursor's row).
 */
function toggleFirstRowHeader(state: EditorState, dispatch?: (tr: Transaction) => void): boolean {
  const $from = state.selection.$from;
  let d = $from.depth;
  while (d > 0 && $from.node(d).type.name !== "table") d--;
  if (d === 0) return false;
  const inFirstCell = state.apply(state.tr.setSelection(Selection.near(state.doc.resolve($from.start(d) + 2))));
  let made: Transaction | null = null;
  if (!toggleHeaderRow(inFirstCell, (tr) => (made = tr)) || !made) return false;
  const tr = state.tr;
  for (const step of (made as Transaction).steps) tr.step(step);
  tr.setSelection(state.selection.map(tr.doc, tr.mapping));
  dispatch?.(tr);
  return true;
}
