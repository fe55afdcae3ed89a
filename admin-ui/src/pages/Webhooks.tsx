import { useEffect, useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { Link, navigate } from "../router";
import { useContentTypes } from "../queries";
import { Dialog } from "../components/Dialog";
import { Empty, ErrorNote, fieldErrors, Loading, when } from "../components/ui";

type Webhook = Schemas["Webhook"];
type Delivery = Schemas["WebhookDelivery"];
type EventName = NonNullable<Schemas["WebhookInput"]["events"]>[number];

/** The events a webhook may subscribe to, grouped as people think of them. */
const GROUPS: { label: string; events: [EventName, string][] }[] = [
  {
    label: "Entries",
    events: [
      ["entry.created", "Created"],
      ["entry.updated", "Updated"],
      ["entry.deleted", "Deleted"],
      ["entry.submitted", "Submitted for review"],
      ["entry.withdrawn", "Withdrawn from review"],
      ["entry.changes_requested", "Changes requested"],
      ["entry.approved", "Approved"],
      ["entry.scheduled", "Scheduled"],
      ["entry.published", "Published"],
      ["entry.unpublished", "Unpublished"],
    ],
  },
  {
    label: "Media",
    events: [
      ["media.created", "Uploaded"],
      ["media.updated", "Updated"],
      ["media.deleted", "Deleted"],
    ],
  },
  {
    label: "Content types",
    events: [
      ["content_type.created", "Created"],
      ["content_type.updated", "Updated"],
      ["content_type.deleted", "Deleted"],
    ],
  },
];

const webhookKey = (id: string) => ["webhooks", id];

/**
 * A secret is shown once: the answer of create or rotate puts it here for the
 * page that shows it, which takes it away again.
 */
const fresh = new Map<string, string>();

function useWebhooks() {
  return useQuery({ queryKey: ["webhooks"], queryFn: async () => (await unwrap(api.GET("/api/webhooks"))).data });
}

/** State is the one-word state of a webhook, with the reason it stopped. */
function State({ w }: { w: Webhook }) {
  if (w.enabled) return <span className="badge hook-on">Enabled</span>;
  return <span className={`badge ${w.disabled_reason ? "hook-failed" : "hook-off"}`}>{w.disabled_reason ? "Stopped" : "Disabled"}</span>;
}

function eventsText(events: string[]): string {
  if (!events.length) return "no events";
  if (events.length <= 3) return events.join(", ");
  return `${events.slice(0, 2).join(", ")} and ${events.length - 2} more`;
}

export function Webhooks() {
  const hooks = useWebhooks();
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Webhooks</h1>
          <p className="muted">Tell other systems when content changes: rebuild a site, purge a CDN, post to a chat. Every delivery is signed and retried for a day.</p>
        </div>
        <Link to="/webhooks/new" className="button-link primary">
          New webhook
        </Link>
      </div>
      {hooks.isPending ? (
        <Loading />
      ) : hooks.error ? (
        <ErrorNote error={hooks.error} />
      ) : hooks.data.length === 0 ? (
        <div className="card empty-state">
          <h2>No webhooks yet</h2>
          <p className="muted">A webhook sends an HTTP POST to a URL of yours whenever the events you pick happen.</p>
          <Link to="/webhooks/new">Create the first webhook</Link>
        </div>
      ) : (
        <ul className="hook-list" aria-label="Webhooks">
          {hooks.data.map((w) => (
            <li key={w.id} className={`card hook ${w.enabled ? "" : "is-off"}`}>
              <div className="hook-main">
                <h2>
                  <Link to={`/webhooks/${w.id}`}>{w.name}</Link>
                </h2>
                <State w={w} />
              </div>
              <p className="hook-url">
                <code>{w.url}</code>
              </p>
              <p className="muted">
                {eventsText(w.events)} · {w.types.length ? w.types.join(", ") : "every content type"}
              </p>
              {!w.enabled && w.disabled_reason && (
                <p className="hook-reason" role="note">
                  <strong>Deliveries stopped:</strong> {w.disabled_reason}.
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type FormValue = { name: string; url: string; events: string[]; types: string[] };

/** WebhookForm edits the name, URL, events and content types of a webhook. */
function WebhookForm({
  initial,
  submitLabel,
  pending,
  error,
  onSubmit,
  onCancel,
}: {
  initial: FormValue;
  submitLabel: string;
  pending: boolean;
  error: unknown;
  onSubmit: (v: FormValue) => void;
  onCancel?: () => void;
}) {
  const id = useId();
  const types = useContentTypes();
  const [v, setV] = useState<FormValue>(initial);
  const [missing, setMissing] = useState(false);
  const errors = fieldErrors(error);
  const toggle = (list: string[], x: string, on: boolean) => (on ? [...new Set([...list, x])] : list.filter((y) => y !== x));
  const noEvents = missing && v.events.length === 0;
  return (
    <form
      className="card hook-form"
      aria-label={submitLabel === "Create webhook" ? "New webhook" : "Edit webhook"}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (v.events.length === 0) {
          setMissing(true);
          return;
        }
        onSubmit(v);
      }}
    >
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} value={v.name} required placeholder="e.g. Rebuild the marketing site" onChange={(e) => setV({ ...v, name: e.target.value })} aria-invalid={!!errors.name || undefined} />
          {errors.name && <p className="field-error">{errors.name}</p>}
        </div>
        <div className="field">
          <label htmlFor={`${id}-url`}>Payload URL</label>
          <input
            id={`${id}-url`}
            type="url"
            inputMode="url"
            value={v.url}
            required
            placeholder="https://example.com/hooks/cms"
            onChange={(e) => setV({ ...v, url: e.target.value })}
            aria-invalid={!!errors.url || undefined}
            aria-describedby={`${id}-url-help`}
          />
          <p className="help" id={`${id}-url-help`}>
            We POST JSON here, signed with the Standard Webhooks headers.
          </p>
          {errors.url && <p className="field-error">{errors.url}</p>}
        </div>
      </div>
      <fieldset className="hook-events" aria-describedby={noEvents || errors.events ? `${id}-events-error` : undefined}>
        <legend>Events</legend>
        <div className="event-groups">
          {GROUPS.map((g) => {
            const all = g.events.every(([e]) => v.events.includes(e));
            return (
              <fieldset key={g.label} className="event-group">
                <legend>{g.label}</legend>
                <button
                  type="button"
                  className="link small"
                  onClick={() => setV({ ...v, events: all ? v.events.filter((e) => !g.events.some(([x]) => x === e)) : [...new Set([...v.events, ...g.events.map(([e]) => e)])] })}
                >
                  {all ? "Clear" : "Select all"}
                  <span className="sr-only"> {g.label.toLowerCase()} events</span>
                </button>
                {g.events.map(([e, label]) => (
                  <div className="check" key={e}>
                    <input id={`${id}-${e}`} type="checkbox" checked={v.events.includes(e)} onChange={(x) => setV({ ...v, events: toggle(v.events, e, x.target.checked) })} />
                    <label htmlFor={`${id}-${e}`}>
                      {label} <code className="event-code">{e}</code>
                    </label>
                  </div>
                ))}
              </fieldset>
            );
          })}
        </div>
        {(noEvents || errors.events) && (
          <p className="field-error" id={`${id}-events-error`}>
            {errors.events ?? "Pick at least one event."}
          </p>
        )}
      </fieldset>
      <fieldset className="hook-types" aria-describedby={`${id}-types-help`}>
        <legend>Content types</legend>
        <p className="help" id={`${id}-types-help`}>
          Entry events of these types only. Pick none for every type.
        </p>
        {types.isPending ? (
          <Loading label="Loading the content types" />
        ) : types.error ? (
          <ErrorNote error={types.error} />
        ) : (
          <div className="type-checks">
            {types.data.map((t) => (
              <div className="check" key={t.key}>
                <input id={`${id}-type-${t.key}`} type="checkbox" checked={v.types.includes(t.key)} onChange={(x) => setV({ ...v, types: toggle(v.types, t.key, x.target.checked) })} />
                <label htmlFor={`${id}-type-${t.key}`}>{t.name}</label>
              </div>
            ))}
          </div>
        )}
        {errors.types && <p className="field-error">{errors.types}</p>}
      </fieldset>
      {!Object.keys(errors).length && <ErrorNote error={error} />}
      <div className="actions">
        <button type="submit" disabled={pending}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

export function NewWebhook() {
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: (body: FormValue) => unwrap(api.POST("/api/webhooks", { body: { ...body, events: body.events as EventName[], enabled: true } })),
    onSuccess: (w) => {
      if (w.secret) fresh.set(w.id, w.secret);
      qc.setQueryData(webhookKey(w.id), { ...w, secret: undefined });
      qc.invalidateQueries({ queryKey: ["webhooks"], exact: true });
      navigate(`/webhooks/${w.id}`, true);
    },
  });
  return (
    <section>
      <p className="crumbs">
        <Link to="/webhooks">Webhooks</Link>
      </p>
      <h1>New webhook</h1>
      <WebhookForm
        initial={{ name: "", url: "", events: ["entry.published", "entry.unpublished"], types: [] }}
        submitLabel="Create webhook"
        pending={create.isPending}
        error={create.error}
        onSubmit={(v) => create.mutate(v)}
        onCancel={() => navigate("/webhooks")}
      />
    </section>
  );
}

/** SecretPanel shows a signing secret once, with a copy button. */
function SecretPanel({ secret, rotated, onDone }: { secret: string; rotated: boolean; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret hook-secret" role="region" aria-labelledby="hook-secret-title">
      <h2 id="hook-secret-title">{rotated ? "Your new signing secret" : "Your signing secret"}</h2>
      <p>
        <strong>Copy it now: you won't see it again.</strong> Your receiver checks the <code>webhook-signature</code> header with it.
        {rotated && " The old secret keeps signing too for 24 hours, so there is time to switch."}
      </p>
      <label htmlFor="hook-secret-value">Signing secret</label>
      <input id="hook-secret-value" readOnly value={secret} onFocus={(e) => e.target.select()} spellCheck={false} />
      <button
        type="button"
        onClick={async () => {
          await navigator.clipboard.writeText(secret).catch(() => undefined);
          setCopied(true);
        }}
      >
        {copied ? "Copied" : "Copy secret"}
      </button>
      <button type="button" className="secondary" onClick={onDone}>
        I've saved it
      </button>
      <span role="status" className="sr-only">
        {copied ? "The secret is on the clipboard." : ""}
      </span>
    </div>
  );
}

export function WebhookDetail({ id }: { id: string }) {
  const qc = useQueryClient();
  const hook = useQuery({ queryKey: webhookKey(id), queryFn: () => unwrap(api.GET("/api/webhooks/{id}", { params: { path: { id } } })) });
  const [secret, setSecret] = useState<{ value: string; rotated: boolean } | null>(() => {
    const s = fresh.get(id);
    return s ? { value: s, rotated: false } : null;
  });
  useEffect(() => {
    fresh.delete(id);
  }, [id]);
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState<"rotate" | "delete" | null>(null);
  const [said, setSaid] = useState("");
  const refresh = (w?: Webhook) => {
    if (w) qc.setQueryData(webhookKey(id), { ...w, secret: undefined });
    qc.invalidateQueries({ queryKey: ["webhooks"], exact: true });
  };
  const patch = useMutation({
    mutationFn: (body: Partial<FormValue> & { enabled?: boolean }) => unwrap(api.PATCH("/api/webhooks/{id}", { params: { path: { id } }, body: body as Schemas["WebhookInput"] })),
    onSuccess: (w, body) => {
      refresh(w);
      setEditing(false);
      setSaid(body.enabled === undefined ? "Saved." : body.enabled ? "Enabled: deliveries start again." : "Disabled: nothing is sent until you enable it.");
    },
  });
  const rotate = useMutation({
    mutationFn: () => unwrap(api.POST("/api/webhooks/{id}/rotate-secret", { params: { path: { id } } })),
    onSuccess: (w) => {
      setConfirm(null);
      if (w.secret) setSecret({ value: w.secret, rotated: true });
      refresh(w);
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/webhooks/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      qc.removeQueries({ queryKey: webhookKey(id) });
      qc.invalidateQueries({ queryKey: ["webhooks"], exact: true });
      navigate("/webhooks", true);
    },
  });
  const ping = useMutation({
    mutationFn: () => unwrap(api.POST("/api/webhooks/{id}/test", { params: { path: { id } } })),
    onSuccess: () => {
      setSaid("Test ping sent: it shows in the delivery log in a moment.");
      qc.invalidateQueries({ queryKey: [...webhookKey(id), "deliveries"] });
    },
  });

  if (hook.isPending) return <Loading />;
  if (hook.error) return <ErrorNote error={hook.error} />;
  const w = hook.data;
  return (
    <section>
      <p className="crumbs">
        <Link to="/webhooks">Webhooks</Link>
      </p>
      <div className="page-head">
        <div className="hook-title">
          <h1>{w.name}</h1>
          <State w={w} />
        </div>
        <div className="actions hook-actions">
          <button type="button" className="secondary" onClick={() => ping.mutate()} disabled={ping.isPending || !w.enabled} title={w.enabled ? undefined : "Enable the webhook to send a ping"}>
            Send test ping
          </button>
          <button type="button" className="secondary" onClick={() => patch.mutate({ enabled: !w.enabled })} disabled={patch.isPending}>
            {w.enabled ? "Disable" : "Enable"}
          </button>
          <button type="button" className="secondary" onClick={() => setConfirm("rotate")}>
            Rotate secret
          </button>
          <button type="button" className="danger" onClick={() => setConfirm("delete")}>
            Delete
          </button>
        </div>
      </div>
      <p className="hook-url">
        <code>{w.url}</code>
      </p>
      {!w.enabled && w.disabled_reason && (
        <div className="hook-alert" role="alert">
          <strong>Deliveries stopped.</strong> {sentenceCase(w.disabled_reason)}.
          <p>Fix the receiver, then enable the webhook again; use Redeliver below for what it missed.</p>
        </div>
      )}
      <p role="status" className="said">
        {said}
      </p>
      <ErrorNote error={ping.error ?? patch.error ?? remove.error} />
      {secret && <SecretPanel secret={secret.value} rotated={secret.rotated} onDone={() => setSecret(null)} />}

      {editing ? (
        <WebhookForm
          initial={{ name: w.name, url: w.url, events: w.events, types: w.types }}
          submitLabel="Save changes"
          pending={patch.isPending}
          error={patch.error}
          onSubmit={(v) => patch.mutate(v)}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <div className="card hook-summary">
          <dl>
            <div>
              <dt>Events</dt>
              <dd>
                {w.events.map((e) => (
                  <code key={e} className="chip">
                    {e}
                  </code>
                ))}
              </dd>
            </div>
            <div>
              <dt>Content types</dt>
              <dd>{w.types.length ? w.types.join(", ") : "Every content type"}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>{when(w.created_at)}</dd>
            </div>
          </dl>
          <button type="button" className="secondary" onClick={() => setEditing(true)}>
            Edit
          </button>
        </div>
      )}

      <Deliveries id={id} />

      {confirm === "rotate" && (
        <Dialog labelledBy="rotate-title" describedBy="rotate-desc" onClose={() => setConfirm(null)} className="alt-dialog">
          <div className="dialog-body">
            <h2 id="rotate-title">Rotate the signing secret?</h2>
            <p id="rotate-desc">A new secret is made and shown once. The old one keeps signing deliveries alongside it for 24 hours, so your receiver can switch without missing any.</p>
            <ErrorNote error={rotate.error} />
            <div className="actions">
              <button type="button" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
                Rotate secret
              </button>
              <button type="button" className="secondary" onClick={() => setConfirm(null)}>
                Cancel
              </button>
            </div>
          </div>
        </Dialog>
      )}
      {confirm === "delete" && (
        <Dialog labelledBy="delete-title" describedBy="delete-desc" onClose={() => setConfirm(null)} className="alt-dialog">
          <div className="dialog-body">
            <h2 id="delete-title">Delete “{w.name}”?</h2>
            <p id="delete-desc">Nothing more is sent to {w.url}, including retries still waiting. Its delivery log goes too. This can't be undone.</p>
            <div className="actions">
              <button type="button" className="danger solid" onClick={() => remove.mutate()} disabled={remove.isPending}>
                Delete webhook
              </button>
              <button type="button" className="secondary" onClick={() => setConfirm(null)}>
                Cancel
              </button>
            </div>
          </div>
        </Dialog>
      )}
    </section>
  );
}

function statusText(d: Delivery): { label: string; tone: "ok" | "bad" | "wait" } {
  if (d.status_code >= 200 && d.status_code < 300) return { label: String(d.status_code), tone: "ok" };
  if (d.status_code === 0) return { label: "No answer", tone: "bad" };
  return { label: String(d.status_code), tone: "bad" };
}

function sentenceCase(s: string): string {
  const t = s.trim().replace(/\.$/, "");
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function excerpt(s: string, n = 140): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
}

/** Deliveries is the delivery log of one webhook, refreshed while it is open. */
function Deliveries({ id }: { id: string }) {
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: [...webhookKey(id), "deliveries"],
    queryFn: async () => (await unwrap(api.GET("/api/webhooks/{id}/deliveries", { params: { path: { id } } }))).data,
    refetchInterval: 3_000,
  });
  const [sent, setSent] = useState("");
  const redeliver = useMutation({
    mutationFn: (d: Delivery) => unwrap(api.POST("/api/webhooks/{id}/deliveries/{delivery}/redeliver", { params: { path: { id, delivery: d.id } } })),
    onSuccess: (_, d) => {
      setSent(`${d.event} sent again.`);
      qc.invalidateQueries({ queryKey: [...webhookKey(id), "deliveries"] });
    },
  });
  return (
    <section aria-labelledby="deliveries-title" className="deliveries">
      <div className="section-head">
        <h2 id="deliveries-title">Recent deliveries</h2>
        <span className="muted live-dot">Refreshes every few seconds</span>
      </div>
      <p role="status" className="said">
        {sent}
      </p>
      <ErrorNote error={redeliver.error} />
      {list.isPending ? (
        <Loading label="Loading the deliveries" />
      ) : list.error ? (
        <ErrorNote error={list.error} />
      ) : list.data.length === 0 ? (
        <Empty>No deliveries yet. Send a test ping, or make a change this webhook listens for.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="table deliveries-table">
            <caption className="sr-only">Deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Event</th>
                <th scope="col">When</th>
                <th scope="col">Latency</th>
                <th scope="col">Attempt</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Answer</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((d) => {
                const s = statusText(d);
                return (
                  <tr key={d.id}>
                    <td className="d-status">
                      <span className={`badge code-${s.tone}`}>{s.label}</span>
                    </td>
                    <td className="d-event">
                      <code>{d.event}</code>
                      <div className="muted mono" title="webhook-id">
                        {d.event_id}
                      </div>
                    </td>
                    <td className="nowrap" data-label="Sent">{when(d.created_at)}</td>
                    <td className="num" data-label="Latency">{d.duration_ms} ms</td>
                    <td className="num" data-label="Attempt">{d.attempt}</td>
                    <td className="nowrap" data-label="Next attempt">{d.next_attempt_at ? when(d.next_attempt_at) : "—"}</td>
                    <td className="answer" data-label="Answer">
                      {d.error && (
                        <span className="error-text" title={d.error}>
                          {excerpt(d.error)}
                        </span>
                      )}
                      {d.response && (
                        <span className="mono response" title={d.response}>
                          {excerpt(d.response)}
                        </span>
                      )}
                      {!d.error && !d.response && <span className="muted">empty</span>}
                    </td>
                    <td className="d-action">
                      <button type="button" className="secondary small" onClick={() => redeliver.mutate(d)} disabled={redeliver.isPending}>
                        Redeliver<span className="sr-only"> {d.event} of {when(d.created_at)}, attempt {d.attempt}</span>
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
