import { useState } from "react";
import type { DiffRow } from "../diff";
import { MediaName } from "../media/MediaField";

/** DiffTable shows two versions side by side, field by field: the changed fields, or all of them. */
export function DiffTable({ rows, left, right, caption }: { rows: DiffRow[]; left: string; right: string; caption: string }) {
  const [all, setAll] = useState(false);
  const changed = rows.filter((r) => r.changed);
  const shown = all ? rows : changed;
  return (
    <div className="diff-wrap">
      <div className="check">
        <input id={`${caption}-all`} type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
        <label htmlFor={`${caption}-all`}>Show unchanged fields</label>
      </div>
      {shown.length === 0 ? (
        <p className="empty">No differences.</p>
      ) : (
        <table className="diff">
          <caption>
            {caption}: {changed.length} {changed.length === 1 ? "field differs" : "fields differ"}
          </caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">{left}</th>
              <th scope="col">{right}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.name} className={r.changed ? "changed" : undefined}>
                <th scope="row">
                  {r.label}
                  {r.changed && <span className="sr-only"> (changed)</span>}
                </th>
                <td>{r.left ? r.type === "media" ? <MediaName id={r.left} /> : r.left : <span className="muted">empty</span>}</td>
                <td>{r.right ? r.type === "media" ? <MediaName id={r.right} /> : r.right : <span className="muted">empty</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
