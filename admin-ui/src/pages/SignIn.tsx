import { useState, type FormEvent } from "react";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth";
import { navigate } from "../router";
import { ErrorNote, fieldErrors } from "../components/ui";

export function SignIn({ note }: { note?: string }) {
  const { signIn } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(String(form.get("email")), String(form.get("password")));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="auth" id="main">
      <h1>Sign in</h1>
      {note && <p className="notice">{note}</p>}
      <form onSubmit={submit} noValidate>
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

/** Setup spends the one-time link printed by `cms serve` to create the first admin. */
export function Setup() {
  const token = new URLSearchParams(window.location.search).get("token") ?? "";
  const { signIn } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const errs = fieldErrors(error);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const email = String(f.get("email"));
    const password = String(f.get("password"));
    try {
      await unwrap(api.POST("/api/setup", { body: { token, email, password, name: String(f.get("name")) } }));
      await signIn(email, password);
      navigate("/", true);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <main className="auth" id="main">
      <h1>Create the first admin</h1>
      <p className="muted">This one-time link makes the first administrator of this CMS.</p>
      <form onSubmit={submit} noValidate>
        <label htmlFor="name">Name</label>
        <input id="name" name="name" autoComplete="name" />
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required aria-describedby="email-error" />
        {errs.email && <p className="field-error" id="email-error">{errs.email}</p>}
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="new-password" required minLength={12} aria-describedby="password-help password-error" />
        <p className="help" id="password-help">At least 12 characters.</p>
        {errs.password && <p className="field-error" id="password-error">{errs.password}</p>}
        {!Object.keys(errs).length && <ErrorNote error={error} />}
        <button type="submit">Create admin</button>
      </form>
    </main>
  );
}
