import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type ContentType, type Entry } from "../../api/client";
import { navigate } from "../../router";
import { actionLabels, buttons, statusLabels, type Action } from "../../workflow";
import { Dialog } from "../../components/Dialog";
import { toLocalInput } from "../../components/FieldInput";
import { entryTitle, ErrorNote, fieldErrors } from "../../components/ui";

type Act = Exclude<Action, "edit">;
const paths: Record<Act, string> = {
  submit: "/api/entries/{id}/submit",
  withdraw: "/api/entries/{id}/withdraw",
  approve: "/api/entries/{id}/approve",
  request_changes: "/api/entries/{id}/request-changes",
  publish: "/api/entries/{id}/publish",
  schedule: "/api/entries/{id}/publish",
  cancel_schedule: "/api/entries/{id}/cancel-schedule",
  unpublish: "/api/entries/{id}/unpublish",
  delete: "",
};

/** deliveryPath is where a site reads the entry. */
export function deliveryPath(e: Entry) {
  return `/api/content/${e.type}/${e.slug}${e.locale !== "en" ? `?locale=${e.locale}` : ""}`;
}

/**
 * Workflow shows exactly the actions the server allows now (allowed_actions),
 * asks before anything that takes a page off the site or deletes it, and
 * reports the new status through onDone.
 */
export function Workflow({ entry, type, dirty, onDone, onDeleted }: { entry: Entry; type: ContentType; dirty: boolean; onDone: (e: Entry) => void; onDeleted: () => void }) {
  const qc = useQueryClient();
  const [asking, setAsking] = useState<Act | null>(null);
  const act = useMutation({
    mutationFn: async ({ a, body }: { a: Act; body: Record<string, unknown> }) => {
      if (a === "delete") {
        await unwrap(api.DELETE("/api/entries/{id}", { params: { path: { id: entry.id } } }));
        return null;
      }
      return unwrap(api.POST(paths[a] as "/api/entries/{id}/submit", { params: { path: { id: entry.id } }, body: { version: entry.version, ...body } })) as Promise<Entry>;
    },
    onSuccess: (e) => {
      qc.invalidateQueries({ queryKey: ["entries"] });
      setAsking(null);
      if (!e) {
        qc.removeQueries({ queryKey: ["entry", entry.id] });
        onDeleted();
        return;
      }
      qc.setQueryData(["entry", entry.id], e);
      qc.invalidateQueries({ queryKey: ["comments", entry.id] });
      qc.invalidateQueries({ queryKey: ["history", entry.id] });
      onDone(e);
    },
  });
  const list = buttons(entry);
  if (!list.length) return null;
  const title = entryTitle(entry.data, entry.slug);
  const run = (a: Act) => {
    if (act.isPending || dirty) return;
    act.reset();
    if (a === "request_changes" || a === "schedule" || a === "unpublish" || a === "delete") return setAsking(a);
    act.mutate({ a, body: {} });
  };
  const close = () => {
    setAsking(null);
    act.reset();
  };
  const errors = fieldErrors(act.error);
  return (
    <div className="workflow" role="group" aria-label="Workflow">
      {list.map((a) => (
        <button
          key={a}
          type="button"
          className={a === "delete" || a === "unpublish" ? "danger" : a === "withdraw" || a === "cancel_schedule" ? "secondary" : undefined}
          aria-disabled={act.isPending || dirty}
          aria-describedby={dirty ? "workflow-dirty" : undefined}
          onClick={() => run(a)}
        >
          {actionLabels[a]}
        </button>
      ))}
      {dirty && (
        <span className="muted" id="workflow-dirty">
          Save first: these act on the saved version.
        </span>
      )}
      {!asking && <ErrorNote error={act.error} />}
      {asking === "request_changes" && (
        <Dialog labelledBy="request-title" onClose={close} className="alt-dialog confirm">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              act.mutate({ a: "request_changes", body: { comment: String(new FormData(e.currentTarget).get("comment") ?? "") } });
            }}
          >
            <h2 id="request-title">Request changes</h2>
            <label htmlFor="changes-comment">What should change?</label>
            <textarea id="changes-comment" name="comment" rows={4} required autoFocus />
            {errors.comment && <p className="field-error">{errors.comment}</p>}
            {!errors.comment && <ErrorNote error={act.error} />}
            <div className="actions">
              <button type="submit" disabled={act.isPending}>
                Send request
              </button>
              <button type="button" className="secondary" onClick={close}>
                Cancel
              </button>
            </div>
          </form>
        </Dialog>
      )}
      {asking === "schedule" && (
        <Dialog labelledBy="schedule-title" onClose={close} className="alt-dialog confirm">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const local = String(new FormData(e.currentTarget).get("at") ?? "");
              act.mutate({ a: "schedule", body: { at: new Date(local).toISOString() } });
            }}
          >
            <h2 id="schedule-title">Schedule “{title}”</h2>
            <label htmlFor="schedule-at">Publish at (your time zone: {Intl.DateTimeFormat().resolvedOptions().timeZone})</label>
            <input id="schedule-at" name="at" type="datetime-local" required autoFocus min={toLocalInput(new Date().toISOString())} defaultValue={toLocalInput(new Date(Date.now() + 3600_000).toISOString())} />
            <ErrorNote error={act.error} />
            <div className="actions">
              <button type="submit" disabled={act.isPending}>
                Confirm schedule
              </button>
              <button type="button" className="secondary" onClick={close}>
                Cancel
              </button>
            </div>
          </form>
        </Dialog>
      )}
      {asking === "unpublish" && (
        <Dialog labelledBy="unpublish-title" describedBy="unpublish-text" onClose={close} className="alt-dialog confirm">
          <h2 id="unpublish-title">Take “{title}” off the site?</h2>
          <div id="unpublish-text">
            <p>
              {entry.live ? (
                <>
                  The site loses this {type.name.toLowerCase()}: the delivery API stops serving it at <code>{deliveryPath(entry)}</code>, so its page and every link to it stop working
                  {entry.status !== "published" ? ", the published version included (your newer working copy is not on the site either)" : ""}.
                </>
              ) : (
                <>Nothing of it is on the site yet; the scheduled publish is cancelled.</>
              )}
            </p>
            <p>Its text stays here{entry.status === "published" || entry.status === "scheduled" ? " as a draft" : ` (${statusLabels[entry.status].toLowerCase()})`}, and can be published again after review.</p>
          </div>
          <ErrorNote error={act.error} />
          <div className="actions">
            <button type="button" className="danger" autoFocus={false} disabled={act.isPending} onClick={() => act.mutate({ a: "unpublish", body: {} })}>
              Unpublish
            </button>
            <button type="button" className="secondary" autoFocus onClick={close}>
              Keep it live
            </button>
          </div>
        </Dialog>
      )}
      {asking === "delete" && (
        <Dialog labelledBy="delete-title" describedBy="delete-text" onClose={close} className="alt-dialog confirm">
          <h2 id="delete-title">Delete “{title}”?</h2>
          <p id="delete-text">
            It is not on the site. Its text, all {entry.revision} revision{entry.revision === 1 ? "" : "s"}, its comments and its history are deleted for good; this cannot be undone.
          </p>
          <ErrorNote error={act.error} />
          <div className="actions">
            <button type="button" className="danger" disabled={act.isPending} onClick={() => act.mutate({ a: "delete", body: {} })}>
              Delete for good
            </button>
            <button type="button" className="secondary" autoFocus onClick={close}>
              Keep it
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

export function goToEntries() {
  navigate("/entries");
}
