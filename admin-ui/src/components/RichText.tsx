import { useEffect, useRef } from "react";
import { EditorContent, useEditor } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";

type Props = { id: string; label: string; value: string; onChange: (html: string) => void; readOnly?: boolean; describedBy?: string };

/** RichText edits HTML with TipTap (ProseMirror); the server sanitises what it stores. */
export function RichText({ id, label, value, onChange, readOnly, describedBy }: Props) {
  // What the editor itself last reported: any other value came from outside.
  const emitted = useRef(value);
  const editor = useEditor({
    // The CSP forbids inline styles: TipTap's base CSS is in styles.css instead.
    injectCSS: false,
    extensions: [StarterKit.configure({ heading: { levels: [2, 3] }, link: { openOnClick: false } })],
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
    },
    onUpdate: ({ editor }) => {
      emitted.current = editor.isEmpty ? "" : editor.getHTML();
      onChange(emitted.current);
    },
  });
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
  const tool = (name: string, active: boolean, run: () => void) => (
    <button type="button" className="tool" aria-pressed={active} onClick={run} disabled={readOnly}>
      {name}
    </button>
  );
  return (
    <div className="richtext">
      <div className="toolbar" role="toolbar" aria-label={`${label} formatting`}>
        {tool("Bold", editor.isActive("bold"), () => editor.chain().focus().toggleBold().run())}
        {tool("Italic", editor.isActive("italic"), () => editor.chain().focus().toggleItalic().run())}
        {tool("Heading", editor.isActive("heading", { level: 2 }), () => editor.chain().focus().toggleHeading({ level: 2 }).run())}
        {tool("List", editor.isActive("bulletList"), () => editor.chain().focus().toggleBulletList().run())}
        {tool("Numbered", editor.isActive("orderedList"), () => editor.chain().focus().toggleOrderedList().run())}
        {tool("Link", editor.isActive("link"), () => {
          const href = window.prompt("Link address", editor.getAttributes("link").href ?? "https://");
          if (href === null) return;
          if (href === "") editor.chain().focus().unsetLink().run();
          else editor.chain().focus().extendMarkRange("link").setLink({ href }).run();
        })}
      </div>
      <EditorContent editor={editor} />
    </div>
  );
}
