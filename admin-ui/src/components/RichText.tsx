import { useEffect, useRef, useState } from "react";
import { EditorContent, useEditor, type Editor } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import Image from "@tiptap/extension-image";
import { NodeSelection, TextSelection } from "@tiptap/pm/state";
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
  const [linking, setLinking] = useState(false);
  const [describing, setDescribing] = useState<{ mode: "insert" | "edit"; src: string; alt: string; item?: Media; pos?: number } | null>(null);
  const uploadRef = useRef<(view: EditorView, files: File[], pos: number) => boolean>(() => false);

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
        class: "richtext-area",
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
    <button type="button" className="tool" aria-pressed={extra?.pressed === false ? undefined : active} aria-label={extra?.label} onClick={run} disabled={readOnly}>
      {name}
    </button>
  );
  const imageSelected = editor.isActive("image");
  const inTable = editor.isActive("table");
  const headerRow = inTable && editor.isActive("tableHeader");
  const table = (cmd: (state: EditorState, dispatch?: (tr: Transaction) => void) => boolean) => {
    cmd(editor.state, editor.view.dispatch);
    editor.commands.focus();
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
    <div className="richtext">
      <div className="toolbar" role="toolbar" aria-label={`${label} formatting`}>
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
        {tool("Link", editor.isActive("link"), () => setLinking(true), { label: editor.isActive("link") ? "Edit link" : "Link" })}
        {tool("Image", false, () => setPicking(true), { pressed: false, label: "Insert image" })}
        {imageSelected && tool("Alt text", false, () => editAlt(editor.state.selection.from), { pressed: false, label: "Edit the image's alt text" })}
        {!inTable && tool("Insert table", false, () => editor.chain().focus().insertContent(newTable()).run(), { pressed: false })}
        {inTable && (
          <span className="table-tools" role="group" aria-label="Table">
            {tool("Add row", false, () => table(addRowAfter), { pressed: false })}
            {tool("Remove row", false, () => table(deleteRow), { pressed: false })}
            {tool("Add column", false, () => table(addColumnAfter), { pressed: false })}
            {tool("Remove column", false, () => table(deleteColumn), { pressed: false })}
            {tool("Header row", headerRow, () => table(toggleHeaderRow))}
            {tool("Delete table", false, () => table(deleteTable), { pressed: false })}
          </span>
        )}
      </div>
      {linking && (
        <LinkPopover
          initial={String(editor.getAttributes("link").href ?? "")}
          hasLink={editor.isActive("link")}
          onApply={(href) => {
            setLinking(false);
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
            setLinking(false);
            editor.chain().focus().extendMarkRange("link").unsetLink().run();
          }}
          onClose={() => {
            setLinking(false);
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
function LinkPopover({ initial, hasLink, onApply, onRemove, onClose }: { initial: string; hasLink: boolean; onApply: (href: string) => void; onRemove: () => void; onClose: () => void }) {
  const [href, setHref] = useState(initial);
  const external = /^https?:/i.test(normalHref(href)) && !normalHref(href).startsWith(window.location.origin);
  return (
    <div
      className="link-popover"
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
      <label htmlFor="link-href">Link address</label>
      <input
        id="link-href"
        autoFocus
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
