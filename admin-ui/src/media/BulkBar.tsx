import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, type Media } from "../api/client";

type Outcome = { m: Media; ok: boolean; why?: string };

/**
 * BulkBar acts on the files ticked on the Media page: for now, deleting
 * them, one by one, saying which could not go (those in use stay ticked).
 */
export function BulkBar({ items, onDone }: { items: Media[]; onDone: (kept: Media[]) => void }) {
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome[] | null>(null);
  const n = items.length;
  const run = async () => {
    setBusy(true);
    const results: Outcome[] = [];
    for (const m of items) {
      try {
        await unwrap(api.DELETE("/api/media/{id}", { params: { path: { id: m.id } } }));
        results.push({ m, ok: true });
      } catch (err) {
        const why = err instanceof ApiError && err.code === "conflict" ? "it is used by an entry" : err instanceof Error ? err.message : String(err);
        results.push({ m, ok: false, why });
      }
    }
    setBusy(false);
    setConfirming(false);
    setOutcome(results);
    qc.invalidateQueries({ queryKey: ["media"] });
    onDone(results.filter((r) => !r.ok).map((r) => r.m));
  };
  if (n === 0 && !outcome) return null;
  const failed = outcome?.filter((r) => !r.ok) ?? [];
  const deleted = (outcome?.length ?? 0) - failed.length;
  return (
    <div className="bulk-bar" role="region" aria-label="Selected files">
      <div className="bulk-line">
        <strong>{n === 0 ? "No files selected" : `${n} file${n === 1 ? "" : "s"} selected`}</strong>
        {n === 0 ? (
          <button type="button" className="link" onClick={() => setOutcome(null)}>
            Dismiss
          </button>
        ) : !confirming ? (
          <>
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Delete…
            </button>
            <button
              type="button"
              className="link"
              onClick={() => {
                setOutcome(null);
                onDone([]);
              }}
            >
              Clear selection
            </button>
          </>
        ) : (
          <span className="confirm-inline" role="group" aria-label="Confirm deleting">
            <span>Delete {n === 1 ? "it" : `all ${n}`} for good? Files in use are kept.</span>
            <button type="button" className="danger solid" disabled={busy} onClick={run} ref={(b) => b?.focus()}>
              {busy ? "Deleting…" : `Delete ${n} file${n === 1 ? "" : "s"}`}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        )}
      </div>
      {outcome && (
        <p role="status" className={failed.length ? "error" : "muted"}>
          {deleted > 0 && `Deleted ${deleted} file${deleted === 1 ? "" : "s"}. `}
          {failed.length > 0 && `Not deleted: ${failed.map((r) => `${r.m.filename} (${r.why})`).join(", ")}.`}
        </p>
      )}
    </div>
  );
}
