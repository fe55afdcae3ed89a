import { useEffect, useRef, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, type ContentType, type Field } from "../api/client";
import { Dialog } from "../components/Dialog";
import { Link, navigate } from "../router";
import { useContentTypes } from "../queries";
import { Empty, ErrorNote, fieldErrors, Loading } from "../components/ui";

const fieldTypes: Field["type"][] = ["text", "richtext", "markdown", "number", "integer", "boolean", "date", "datetime", "select", "media", "relation", "json"];

export function ContentTypes() {
  const types = useContentTypes();
  return (
    <section>
      <div className="page-head">
        <h1>Content types</h1>
        <button type="button" onClick={() => navigate("/content-types/new")}>
          New content type
        </button>
      </div>
      {types.isPending ? (
        <Loading />
      ) : types.error ? (
        <ErrorNote error={types.error} />
      ) : types.data.length === 0 ? (
        <Empty>No content types yet.</Empty>
      ) : (
        <table className="table">
          <caption className="sr-only">Content types</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Fields</th>
              <th scope="col">Delivery</th>
            </tr>
          </thead>
          <tbody>
            {types.data.map((t) => (
              <tr key={t.key}>
                <td>
                  <Link to={`/content-types/${t.key}`}>{t.name}</Link>
                </td>
                <td>
                  <code>{t.key}</code>
                </td>
                <td>{t.fields.map((f) => f.name).join(", ")}</td>
                <td>{t.public ? "Public" : "Token needed"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type Draft = { key: string; name: string; public: boolean; slug_field: string; preview_url: string; fields: Field[] };

// Each field row keeps one React key while rows move, so focus stays with it.
let nextRowKey = 0;
const rowKeys = (n: number) => Array.from({ length: n }, () => ++nextRowKey);

export function ContentTypeEditor({ typeKey }: { typeKey: string }) {
  const types = useContentTypes();
  const qc = useQueryClient();
  const isNew = typeKey === "new";
  const existing = types.data?.find((t) => t.key === typeKey);
  const [draft, setDraft] = useState<Draft>({ key: "", name: "", public: false, slug_field: "title", preview_url: "", fields: [{ name: "title", type: "text", required: true }] });
  // The saved name of each row's field (none for a new one): a changed name is a rename, whose values move.
  const [origins, setOrigins] = useState<(string | undefined)[]>([undefined]);
  const [deleting, setDeleting] = useState(false);
  const [keys, setKeys] = useState<number[]>(() => rowKeys(1));
  // Load the saved type once: a background refetch must not wipe edits.
  const loaded = useRef("");
  useEffect(() => {
    if (existing && loaded.current !== existing.key) {
      loaded.current = existing.key;
      setDraft({ key: existing.key, name: existing.name, public: existing.public, slug_field: existing.slug_field, preview_url: existing.preview_url ?? "", fields: existing.fields });
      setKeys(rowKeys(existing.fields.length));
      setOrigins(existing.fields.map((f) => f.name));
    }
  }, [existing]);
  const save = useMutation({
    mutationFn: (): Promise<ContentType> =>
      isNew
        ? unwrap(api.POST("/api/content-types", { body: draft }))
        : unwrap(
            api.PATCH("/api/content-types/{key}", {
              params: { path: { key: typeKey } },
              body: {
                name: draft.name,
                public: draft.public,
                slug_field: draft.slug_field,
                preview_url: draft.preview_url,
                fields: draft.fields.map((f, i) => (origins[i] && origins[i] !== f.name ? { ...f, renamed_from: origins[i] } : f)),
              },
            }),
          ),
    onSuccess: (t) => {
      qc.invalidateQueries({ queryKey: ["content-types"] });
      qc.invalidateQueries({ queryKey: ["entries"] });
      qc.invalidateQueries({ queryKey: ["entry"] });
      loaded.current = "";
      navigate(`/content-types/${t.key}`, true);
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/content-types/{key}", { params: { path: { key: typeKey } } })),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["content-types"] });
      navigate("/content-types", true);
    },
  });
  if (types.isPending) return <Loading />;
  if (!isNew && !existing) return <ErrorNote error={new Error(`There is no content type "${typeKey}".`)} />;
  const errors = fieldErrors(save.error);
  const setField = (i: number, f: Partial<Field>) => setDraft({ ...draft, fields: draft.fields.map((x, j) => (j === i ? { ...x, ...f } : x)) });
  const move = (i: number, by: number, button: HTMLButtonElement) => {
    const fields = [...draft.fields];
    const [f] = fields.splice(i, 1);
    fields.splice(i + by, 0, f!);
    const ks = [...keys];
    const [k] = ks.splice(i, 1);
    ks.splice(i + by, 0, k!);
    const os = [...origins];
    const [o] = os.splice(i, 1);
    os.splice(i + by, 0, o);
    setDraft({ ...draft, fields });
    setKeys(ks);
    setOrigins(os);
    // The row moved, and the button with it; keep the focus on it (or on
    // its neighbour, when the row reached an end and the button turned off).
    requestAnimationFrame(() => {
      const target = button.disabled ? (by < 0 ? button.nextElementSibling : button.previousElementSibling) : button;
      (target as HTMLElement | null)?.focus();
    });
  };
  return (
    <section>
      <h1>{isNew ? "New content type" : `Content type: ${existing!.name}`}</h1>
      <form
        className="editor"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <div className="row">
          <div className="field">
            <label htmlFor="ct-name">Name</label>
            <input id="ct-name" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required />
            {errors.name && <p className="field-error">{errors.name}</p>}
          </div>
          <div className="field">
            <label htmlFor="ct-key">Key</label>
            <input id="ct-key" value={draft.key} disabled={!isNew} onChange={(e) => setDraft({ ...draft, key: e.target.value })} pattern="[a-z][a-z0-9_]*" aria-describedby="ct-key-help" />
            <p className="help" id="ct-key-help">
              lower_snake_case; used in URLs. It cannot change later.
            </p>
            {errors.key && <p className="field-error">{errors.key}</p>}
          </div>
          <div className="field">
            <label htmlFor="ct-slug">Slug from field</label>
            <select id="ct-slug" value={draft.slug_field} onChange={(e) => setDraft({ ...draft, slug_field: e.target.value })}>
              <option value="">— none —</option>
              {draft.fields
                .filter((f) => f.type === "text")
                .map((f) => (
                  <option key={f.name} value={f.name}>
                    {f.name}
                  </option>
                ))}
            </select>
            {errors.slug_field && <p className="field-error">{errors.slug_field}</p>}
          </div>
        </div>
        <div className="field check">
          <input id="ct-public" type="checkbox" checked={draft.public} onChange={(e) => setDraft({ ...draft, public: e.target.checked })} />
          <label htmlFor="ct-public">Public: sites may read published entries without a token</label>
        </div>
        <div className="field">
          <label htmlFor="ct-preview">Preview address</label>
          <input id="ct-preview" value={draft.preview_url} placeholder="https://site.example/{slug}?preview={token}" aria-describedby="ct-preview-help" onChange={(e) => setDraft({ ...draft, preview_url: e.target.value })} />
          <p className="help" id="ct-preview-help">
            Where the site shows a draft: <code>{"{slug}"}</code>, <code>{"{id}"}</code>, <code>{"{locale}"}</code> and <code>{"{token}"}</code> are filled in. Leave empty for no “Open preview”.
          </p>
          {errors.preview_url && <p className="field-error">{errors.preview_url}</p>}
        </div>
        <fieldset>
          <legend>Fields</legend>
          {errors.fields && <p className="field-error">{errors.fields}</p>}
          {draft.fields.map((f, i) => {
            const at = `fields[${i}]`;
            const err = Object.entries(errors).filter(([k]) => k.startsWith(at)).map(([, v]) => v);
            return (
              <div className="field-row" key={keys[i]} role="group" aria-label={`Field ${i + 1}`}>
                <div>
                  <label htmlFor={`f${i}-name`}>Field name</label>
                  <input id={`f${i}-name`} value={f.name} onChange={(e) => setField(i, { name: e.target.value })} />
                </div>
                <div>
                  <label htmlFor={`f${i}-type`}>Field type</label>
                  <select id={`f${i}-type`} value={f.type} onChange={(e) => setField(i, { type: e.target.value as Field["type"], options: undefined, to: undefined, many: undefined })}>
                    {fieldTypes.map((t) => (
                      <option key={t}>{t}</option>
                    ))}
                  </select>
                </div>
                <div className="check">
                  <input id={`f${i}-req`} type="checkbox" checked={!!f.required} onChange={(e) => setField(i, { required: e.target.checked })} />
                  <label htmlFor={`f${i}-req`}>Required</label>
                </div>
                <div>
                  <label htmlFor={`f${i}-label`}>Label</label>
                  <input id={`f${i}-label`} value={f.label ?? ""} placeholder={f.name.replace(/_/g, " ")} onChange={(e) => setField(i, { label: e.target.value || undefined })} />
                </div>
                <div className="wide">
                  <label htmlFor={`f${i}-help`}>Help text</label>
                  <input id={`f${i}-help`} value={f.help ?? ""} placeholder="Shown to editors under the input" onChange={(e) => setField(i, { help: e.target.value || undefined })} />
                </div>
                {(f.type === "text" || f.type === "number" || f.type === "integer" || f.type === "markdown") && (
                  <>
                    <div>
                      <label htmlFor={`f${i}-min`}>{f.type === "number" || f.type === "integer" ? "Minimum" : "Fewest characters"}</label>
                      <input id={`f${i}-min`} type="number" value={f.min ?? ""} onChange={(e) => setField(i, { min: e.target.value === "" ? undefined : Number(e.target.value) })} />
                    </div>
                    <div>
                      <label htmlFor={`f${i}-max`}>{f.type === "number" || f.type === "integer" ? "Maximum" : "Most characters"}</label>
                      <input id={`f${i}-max`} type="number" value={f.max ?? ""} onChange={(e) => setField(i, { max: e.target.value === "" ? undefined : Number(e.target.value) })} />
                    </div>
                  </>
                )}
                {f.type === "text" && (
                  <>
                    <div>
                      <label htmlFor={`f${i}-pattern`}>Pattern</label>
                      <input id={`f${i}-pattern`} value={f.pattern ?? ""} placeholder="e.g. ^[A-Z]{2}-\d+$" aria-describedby={`f${i}-pattern-help`} onChange={(e) => setField(i, { pattern: e.target.value || undefined })} />
                      <p className="help" id={`f${i}-pattern-help`}>
                        A regular expression the whole value must match.
                      </p>
                    </div>
                    <div className="check">
                      <input id={`f${i}-unique`} type="checkbox" checked={!!f.unique} onChange={(e) => setField(i, { unique: e.target.checked || undefined })} />
                      <label htmlFor={`f${i}-unique`}>Unique in its type and locale</label>
                    </div>
                  </>
                )}
                {origins[i] && origins[i] !== f.name && f.name && (
                  <p className="warn-note wide" role="note">
                    Renamed from <code>{origins[i]}</code>: saving moves its values in every entry, revision and published version to <code>{f.name}</code>.
                  </p>
                )}
                {f.type === "select" && (
                  <div>
                    <label htmlFor={`f${i}-opts`}>Options (comma-separated)</label>
                    <input id={`f${i}-opts`} value={(f.options ?? []).join(",")} onChange={(e) => setField(i, { options: e.target.value.split(",").map((s) => s.trim()).filter(Boolean) })} />
                  </div>
                )}
                {f.type === "relation" && (
                  <div className="check">
                    <input id={`f${i}-many`} type="checkbox" checked={!!f.many} onChange={(e) => setField(i, { many: e.target.checked })} />
                    <label htmlFor={`f${i}-many`}>Many</label>
                  </div>
                )}
                {f.type === "relation" && (
                  <div>
                    <label htmlFor={`f${i}-to`}>Points to</label>
                    <select id={`f${i}-to`} value={f.to ?? ""} onChange={(e) => setField(i, { to: e.target.value })}>
                      <option value="">—</option>
                      {types.data?.map((t) => (
                        <option key={t.key} value={t.key}>
                          {t.name}
                        </option>
                      ))}
                    </select>
                  </div>
                )}
                <div className="row-tools">
                  <button type="button" className="tool" aria-label={`Move field ${f.name || i + 1} up`} disabled={i === 0} onClick={(e) => move(i, -1, e.currentTarget)}>
                    ↑
                  </button>
                  <button type="button" className="tool" aria-label={`Move field ${f.name || i + 1} down`} disabled={i === draft.fields.length - 1} onClick={(e) => move(i, 1, e.currentTarget)}>
                    ↓
                  </button>
                  <button type="button" className="tool" aria-label={`Remove field ${f.name || i + 1}`} onClick={() => {
                      setDraft({ ...draft, fields: draft.fields.filter((_, j) => j !== i) });
                      setKeys(keys.filter((_, j) => j !== i));
                      setOrigins(origins.filter((_, j) => j !== i));
                    }}>
                    ✕
                  </button>
                </div>
                {err.length > 0 && <p className="field-error">{err.join(" ")}</p>}
              </div>
            );
          })}
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft({ ...draft, fields: [...draft.fields, { name: "", type: "text" }] });
              setKeys([...keys, ...rowKeys(1)]);
              setOrigins([...origins, undefined]);
            }}
          >
            Add field
          </button>
        </fieldset>
        {!Object.keys(errors).length && <ErrorNote error={save.error} />}
        <div className="actions">
          <button type="submit" disabled={save.isPending}>
            {isNew ? "Create content type" : "Save content type"}
          </button>
          {!isNew && (
            <button type="button" className="danger" onClick={() => { remove.reset(); setDeleting(true); }}>
              Delete content type
            </button>
          )}
        </div>
      </form>
      {deleting && (
        <Dialog labelledBy="ct-delete-title" describedBy="ct-delete-text" onClose={() => setDeleting(false)}>
          <div className="dialog-body">
            <h2 id="ct-delete-title">Delete the content type “{existing?.name ?? typeKey}”?</h2>
            {remove.error instanceof ApiError && remove.error.status === 409 ? (
              <>
                <p id="ct-delete-text" role="alert">
                  {remove.error.message} Delete or move its entries first, then delete the type.
                </p>
                <div className="actions">
                  <Link to={`/entries?type=${encodeURIComponent(typeKey)}`} className="button-link">
                    Go to its entries
                  </Link>
                  <button type="button" className="secondary" onClick={() => setDeleting(false)}>
                    Close
                  </button>
                </div>
              </>
            ) : (
              <>
                <p id="ct-delete-text">Its fields and settings go. A type that still has entries is not deleted.</p>
                <ErrorNote error={remove.error} />
                <div className="actions">
                  <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
                    Delete content type
                  </button>
                  <button type="button" className="secondary" autoFocus onClick={() => setDeleting(false)}>
                    Cancel
                  </button>
                </div>
              </>
            )}
          </div>
        </Dialog>
      )}
    </section>
  );
}
