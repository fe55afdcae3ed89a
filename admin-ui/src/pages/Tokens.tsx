import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { Empty, ErrorNote, fieldErrors, Loading, when } from "../components/ui";

export function Tokens() {
  const qc = useQueryClient();
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: async () => (await unwrap(api.GET("/api/tokens"))).data });
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useMutation({
    mutationFn: (body: { name: string; scope: "delivery" | "preview"; expires_at?: string }) => unwrap(api.POST("/api/tokens", { body })),
    onSuccess: (t) => {
      setSecret({ name: t.name, token: t.token });
      setCopied(false);
      qc.invalidateQueries({ queryKey: ["tokens"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/tokens/{id}", { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["tokens"] }),
  });
  const errors = fieldErrors(create.error);
  return (
    <section>
      <h1>API tokens</h1>
      <p className="muted">Sites read published content with a delivery token; a preview token also reads drafts.</p>
      <form
        className="editor card"
        aria-labelledby="new-token-title"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const f = new FormData(form);
          const expires = String(f.get("expires") ?? "");
          create.mutate(
            { name: String(f.get("name")), scope: String(f.get("scope")) as "delivery" | "preview", ...(expires ? { expires_at: new Date(expires).toISOString() } : {}) },
            { onSuccess: () => form.reset() },
          );
        }}
      >
        <h2 id="new-token-title">New token</h2>
        <div className="row">
          <div className="field">
            <label htmlFor="t-name">Token name</label>
            <input id="t-name" name="name" required placeholder="e.g. Marketing site" />
            {errors.name && <p className="field-error">{errors.name}</p>}
          </div>
          <div className="field">
            <label htmlFor="t-scope">Scope</label>
            <select id="t-scope" name="scope" defaultValue="delivery">
              <option value="delivery">delivery</option>
              <option value="preview">preview</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="t-expires">Expires (optional)</label>
            <input id="t-expires" name="expires" type="datetime-local" />
            {errors.expires_at && <p className="field-error">{errors.expires_at}</p>}
          </div>
        </div>
        {!Object.keys(errors).length && <ErrorNote error={create.error} />}
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {secret && (
        <div className="secret" role="region" aria-labelledby="secret-title">
          <h2 id="secret-title">Copy the token “{secret.name}” now</h2>
          <p>It is shown this once; the CMS keeps only a hash of it.</p>
          <label htmlFor="secret-value">Token</label>
          <input id="secret-value" readOnly value={secret.token} onFocus={(e) => e.target.select()} />
          <button
            type="button"
            onClick={async () => {
              await navigator.clipboard.writeText(secret.token).catch(() => undefined);
              setCopied(true);
            }}
          >
            Copy
          </button>
          <span role="status">{copied ? "Copied." : ""}</span>
          <button type="button" className="secondary" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
      {tokens.isPending ? (
        <Loading />
      ) : tokens.error ? (
        <ErrorNote error={tokens.error} />
      ) : tokens.data.length === 0 ? (
        <Empty>No tokens yet.</Empty>
      ) : (
        <table className="table">
          <caption className="sr-only">API tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scope</th>
              <th scope="col">Starts with</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.scope}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>{when(t.created_at)}</td>
                <td>{t.expires_at ? when(t.expires_at) : "never"}</td>
                <td>
                  <button type="button" className="danger" onClick={() => window.confirm(`Revoke ${t.name}? Sites using it stop at once.`) && revoke.mutate(t.id)}>
                    Revoke<span className="sr-only"> {t.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorNote error={revoke.error} />
    </section>
  );
}
