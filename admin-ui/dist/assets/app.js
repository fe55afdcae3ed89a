// A minimal admin page until the full admin UI lands: first-run setup,
// sign-in and sign-out against the management API.
const app = document.getElementById("app");
const store = window.sessionStorage;

async function api(method, path, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) {
    const err = new Error(data?.error?.message || res.statusText);
    err.fields = data?.error?.fields || {};
    throw err;
  }
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

function field(id, label, type, autocomplete) {
  return [el("label", { for: id }, label), el("input", { id, name: id, type, autocomplete, required: "" })];
}

function form(title, fields, button, onsubmit, note) {
  const error = el("p", { class: "error", role: "alert" });
  const f = el("form", {
    onsubmit: async (ev) => {
      ev.preventDefault();
      error.textContent = "";
      const values = Object.fromEntries(new FormData(f));
      try { await onsubmit(values); } catch (e) {
        error.textContent = [e.message, ...Object.entries(e.fields).map(([k, v]) => k + " " + v)].join(". ");
      }
    },
  }, ...fields.flat(), el("button", { type: "submit" }, button), error);
  app.replaceChildren(el("h1", {}, title), ...(note ? [el("p", { class: "muted" }, note)] : []), f);
  f.querySelector("input")?.focus();
}

function showSignIn(note) {
  form("Sign in", [field("email", "Email", "email", "username"), field("password", "Password", "password", "current-password")],
    "Sign in", async ({ email, password }) => {
      const t = await api("POST", "/api/auth/login", { email, password });
      store.setItem("refresh_token", t.refresh_token);
      showSignedIn(t.user, t.access_token);
    }, note);
}

function showSetup(token) {
  form("Create the first admin", [field("name", "Name", "text", "name"), field("email", "Email", "email", "username"),
    field("password", "Password", "password", "new-password")],
    "Create admin", async ({ name, email, password }) => {
      await api("POST", "/api/setup", { token, name, email, password });
      history.replaceState(null, "", "/admin/");
      showSignIn("Admin created. Sign in with your new account.");
    }, "At least 12 characters for the password.");
}

function showSignedIn(user) {
  app.replaceChildren(
    el("h1", {}, "Signed in"),
    el("p", {}, `${user.name} (${user.email}) — ${user.roles.join(", ")}`),
    el("p", { class: "muted" }, "The full admin UI is on its way; the management API is at /api (see /api/openapi.json)."),
    el("button", {
      type: "button",
      onclick: async () => {
        const refresh = store.getItem("refresh_token");
        store.removeItem("refresh_token");
        if (refresh) await api("POST", "/api/auth/logout", { refresh_token: refresh }).catch(() => {});
        showSignIn("Signed out.");
      },
    }, "Sign out"));
}

async function start() {
  const token = new URLSearchParams(location.search).get("token");
  if (location.pathname.startsWith("/admin/setup") && token) return showSetup(token);
  const refresh = store.getItem("refresh_token");
  if (refresh) {
    try {
      const t = await api("POST", "/api/auth/refresh", { refresh_token: refresh });
      store.setItem("refresh_token", t.refresh_token);
      return showSignedIn(t.user);
    } catch { store.removeItem("refresh_token"); }
  }
  showSignIn();
}

start();
