import type { Field } from "../api/client";
import { RichText } from "./RichText";
import { useEntries } from "../queries";
import { entryTitle } from "./ui";
import { MediaField } from "../media/MediaField";

type Props = { field: Field; value: unknown; onChange: (v: unknown) => void; error?: string; readOnly?: boolean };

export function fieldLabel(f: Field): string {
  return f.label || f.name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

/** FieldInput is the proper input for one field of a content type. */
export function FieldInput({ field: f, value, onChange, error, readOnly }: Props) {
  const id = `field-${f.name}`;
  const label = fieldLabel(f);
  const errId = `${id}-error`;
  const helpId = `${id}-help`;
  const describedBy = [f.help ? helpId : "", error ? errId : ""].filter(Boolean).join(" ") || undefined;
  const common = { id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy, disabled: readOnly, required: f.required };
  let input;
  switch (f.type) {
    case "richtext":
      input = <RichText id={id} label={label} value={typeof value === "string" ? value : ""} onChange={onChange} readOnly={readOnly} describedBy={describedBy} />;
      break;
    case "markdown":
      input = <textarea {...common} rows={10} value={str(value)} onChange={(e) => onChange(e.target.value)} />;
      break;
    case "json":
      input = <JsonInput common={common} value={value} onChange={onChange} />;
      break;
    case "number":
    case "integer":
      input = (
        <input
          {...common}
          type="number"
          step={f.type === "integer" ? 1 : "any"}
          min={f.min ?? undefined}
          max={f.max ?? undefined}
          value={typeof value === "number" ? value : ""}
          onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))}
        />
      );
      break;
    case "boolean":
      return (
        <div className="field check">
          <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <label htmlFor={id}>{label}</label>
          {f.help && <p className="help" id={helpId}>{f.help}</p>}
          {error && <p className="field-error" id={errId}>{error}</p>}
        </div>
      );
    case "date":
      input = <input {...common} type="date" value={str(value)} onChange={(e) => onChange(e.target.value || null)} />;
      break;
    case "datetime":
      input = <input {...common} type="datetime-local" value={toLocalInput(str(value))} onChange={(e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : null)} />;
      break;
    case "select":
      input = (
        <select {...common} value={str(value)} onChange={(e) => onChange(e.target.value || null)}>
          <option value="">—</option>
          {f.options?.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    case "media":
      input = <MediaField id={id} label={label} value={value} onChange={onChange} readOnly={readOnly} describedBy={describedBy} invalid={!!error} />;
      break;
    case "relation":
      input = <RelationPicker field={f} common={common} value={value} onChange={onChange} />;
      break;
    default:
      input = <input {...common} type="text" maxLength={f.max ?? undefined} value={str(value)} onChange={(e) => onChange(e.target.value)} />;
  }
  return (
    <div className="field">
      {f.type === "richtext" || f.type === "media" ? (
        <span className="label" id={`${id}-label`} onClick={() => f.type === "richtext" && document.getElementById(id)?.focus()}>
          {label}
          {f.required && <span aria-hidden="true"> *</span>}
        </span>
      ) : (
        <label htmlFor={id}>
          {label}
          {f.required && <span aria-hidden="true"> *</span>}
        </label>
      )}
      {input}
      {f.help && (
        <p className="help" id={helpId}>
          {f.help}
        </p>
      )}
      {error && (
        <p className="field-error" id={errId}>
          {error}
        </p>
      )}
    </div>
  );
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** toLocalInput shows an RFC 3339 time in the user's time zone, as datetime-local wants it. */
export function toLocalInput(iso: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

type Common = { id: string; "aria-invalid"?: boolean; "aria-describedby"?: string; disabled?: boolean; required?: boolean };

function JsonInput({ common, value, onChange }: { common: Common; value: unknown; onChange: (v: unknown) => void }) {
  const text = value === undefined || value === null ? "" : JSON.stringify(value, null, 2);
  return (
    <textarea
      {...common}
      rows={6}
      defaultValue={text}
      onBlur={(e) => {
        const t = e.target.value.trim();
        try {
          onChange(t === "" ? null : JSON.parse(t));
          e.target.setCustomValidity("");
        } catch {
          e.target.setCustomValidity("This is not valid JSON");
          e.target.reportValidity();
        }
      }}
    />
  );
}

function RelationPicker({ field, common, value, onChange }: { field: Field; common: Common; value: unknown; onChange: (v: unknown) => void }) {
  const q = useEntries({ type: field.to ?? "", limit: 100, sort: "slug" });
  const options = q.data?.data ?? [];
  if (field.many) {
    const chosen = Array.isArray(value) ? (value as string[]) : [];
    return (
      <select
        {...common}
        multiple
        value={chosen}
        onChange={(e) => onChange(Array.from(e.target.selectedOptions, (o) => o.value))}
      >
        {options.map((e) => (
          <option key={e.id} value={e.id}>
            {entryTitle(e.data, e.slug)}
          </option>
        ))}
      </select>
    );
  }
  return (
    <select {...common} value={typeof value === "string" ? value : ""} onChange={(e) => onChange(e.target.value || null)}>
      <option value="">{q.isPending ? "Loading…" : "— none —"}</option>
      {options.map((e) => (
        <option key={e.id} value={e.id}>
          {entryTitle(e.data, e.slug)}
          {e.live ? "" : " (not published)"}
        </option>
      ))}
    </select>
  );
}
