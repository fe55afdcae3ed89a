import { Extension } from "@tiptap/react";
import { Plugin, PluginKey, type EditorState } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";

/**
 * Upload placeholders are widgets in the rich-text editor where an image is
 * being uploaded: a name and a progress bar that follow the text around as
 * people keep typing. They are decorations, never part of the document, so
 * no data: or blob: URL can reach the saved HTML.
 */
export const uploadKey = new PluginKey<DecorationSet>("cms-uploads");

type Meta = { add?: { id: object; pos: number; el: HTMLElement } } | { remove?: { id: object } };

export const UploadPlaceholders = Extension.create({
  name: "cmsUploadPlaceholders",
  addProseMirrorPlugins() {
    return [
      new Plugin<DecorationSet>({
        key: uploadKey,
        state: {
          init: () => DecorationSet.empty,
          apply(tr, set) {
            let next = set.map(tr.mapping, tr.doc);
            const meta = tr.getMeta(uploadKey) as Meta | undefined;
            if (meta && "add" in meta && meta.add) {
              const { id, pos, el } = meta.add;
              next = next.add(tr.doc, [Decoration.widget(Math.min(pos, tr.doc.content.size), el, { id, side: -1 })]);
            } else if (meta && "remove" in meta && meta.remove) {
              const id = meta.remove.id;
              next = next.remove(next.find(undefined, undefined, (spec) => spec.id === id));
            }
            return next;
          },
        },
        props: {
          decorations(state) {
            return uploadKey.getState(state);
          },
        },
      }),
    ];
  },
});

/** placeholderAt is where the placeholder with id now is, or null once it was deleted with its text. */
export function placeholderAt(state: EditorState, id: object): number | null {
  const found = uploadKey.getState(state)?.find(undefined, undefined, (spec) => spec.id === id);
  return found?.length ? found[0]!.from : null;
}

export function placeholderElement(name: string): { el: HTMLElement; progress: (pct: number) => void } {
  const el = document.createElement("span");
  el.className = "upload-placeholder";
  el.contentEditable = "false";
  const label = document.createElement("span");
  label.textContent = `Uploading ${name}…`;
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute("aria-label", `Uploading ${name}`);
  el.append(label, bar);
  return {
    el,
    progress: (pct) => {
      bar.value = pct;
      if (pct >= 100) label.textContent = `Processing ${name}…`;
    },
  };
}
