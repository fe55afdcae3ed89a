import type { DiffRow } from "../diff";

export function DiffTable({ rows, left, right, caption }: { rows: DiffRow[]; left: string; right: string; caption: string }) {
  return (
    <table className="diff">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">{left}</th>
          <th scope="col">{right}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name} className={r.changed ? "changed" : undefined}>
            <th scope="row">
              {r.label}
              {r.changed && <span className="sr-only"> (changed)</span>}
            </th>
            <td>{r.left || <span className="muted">empty</span>}</td>
            <td>{r.right || <span className="muted">empty</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
