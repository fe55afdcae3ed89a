import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Media } from "../api/client";
import { useAuth } from "../auth";
import { Dialog } from "../components/Dialog";
import { thumbnail } from "./format";
import { canChange, CloseButton } from "./MediaDetail";

type Props = {
  mode: "insert" | "edit";
  src: string;
  item?: Media;
  initialAlt: string;
  onSubmit: (alt: string) => void;
  onClose: () => void;
};

/** AltDialog asks for an image's alt text before it goes into rich text (or changes it there). */
export function AltDialog({ mode, src, item, initialAlt, onSubmit, onClose }: Props) {
  const { user } = useAuth();
  const qc = useQueryClient();
  const [alt, setAlt] = useState(initialAlt);
  const [decorative, setDecorative] = useState(false);
  const canSave = !!item && canChange(user, item) && !item.alt.trim();
  const [saveToLibrary, setSaveToLibrary] = useState(true);
  const missing = !decorative && !alt.trim();
  const preview = item ? thumbnail(item, 480) : { src };
  return (
    <Dialog labelledBy="alt-title" onClose={onClose} className="alt-dialog">
      <form
        className="dialog-body"
        onSubmit={(e) => {
          e.preventDefault();
          const text = decorative ? "" : alt.trim();
          if (item && canSave && saveToLibrary && text) {
            // Best effort: the library keeps the description for the next use.
            void unwrap(api.PATCH("/api/media/{id}", { params: { path: { id: item.id } }, body: { alt: text, version: item.version } }))
              .then((m) => {
                qc.setQueryData(["media", "item", m.id], m);
                qc.invalidateQueries({ queryKey: ["media", "list"] });
              })
              .catch(() => undefined);
          }
          onSubmit(text);
        }}
      >
        <div className="dialog-head">
          <h2 id="alt-title">{mode === "insert" ? "Describe the image" : "Image alt text"}</h2>
          <CloseButton onClose={onClose} />
        </div>
        <div className="alt-grid">
          <img className="alt-preview" src={preview.src} srcSet={preview.srcSet} alt="" />
          <div>
            <div className="field">
              <label htmlFor="image-alt">Alt text</label>
              <textarea id="image-alt" rows={3} value={alt} disabled={decorative} autoFocus aria-describedby="image-alt-help" aria-invalid={missing ? true : undefined} onChange={(e) => setAlt(e.target.value)} />
              <p id="image-alt-help" className={missing ? "warn-note" : "help"}>
                {missing
                  ? "Missing alt text: screen readers will skip or misread this image. Say what it shows, or mark it decorative."
                  : decorative
                    ? "Decorative: screen readers skip it."
                    : item?.alt && alt === item.alt
                      ? "From the media library."
                      : "What someone who cannot see the image needs to know."}
              </p>
            </div>
            <div className="check">
              <input id="image-decorative" type="checkbox" checked={decorative} onChange={(e) => setDecorative(e.target.checked)} />
              <label htmlFor="image-decorative">This image is only decorative</label>
            </div>
            {canSave && !decorative && alt.trim() && (
              <div className="check">
                <input id="image-alt-save" type="checkbox" checked={saveToLibrary} onChange={(e) => setSaveToLibrary(e.target.checked)} />
                <label htmlFor="image-alt-save">Also save it as the file's alt text in the library</label>
              </div>
            )}
          </div>
        </div>
        <div className="actions end">
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit">{mode === "insert" ? "Insert image" : "Save alt text"}</button>
        </div>
      </form>
    </Dialog>
  );
}
