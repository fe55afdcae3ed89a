import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { Palette } from "./components/Palette";
import { setThemeChoice, themeChoice, type ThemeChoice } from "./theme";
import { hasRole, useAuth } from "./auth";
import { Link, match, navigate, usePath } from "./router";
import { SignIn, Setup } from "./pages/SignIn";
import { Dashboard } from "./pages/Dashboard";
import { Entries } from "./pages/Entries";
import { ContentTypes, ContentTypeEditor } from "./pages/ContentTypes";
import { Users } from "./pages/Users";
import { Tokens } from "./pages/Tokens";
import { Media } from "./pages/Media";
import { Loading } from "./components/ui";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Bell } from "./components/Bell";

// The editor carries the rich-text editor: load it when it is needed.
const EntryEditor = lazy(() => import("./pages/EntryEditor"));
// Admin screens of events (webhooks, the audit log): loaded when visited.
const Webhooks = lazy(() => import("./pages/Webhooks").then((m) => ({ default: m.Webhooks })));
const NewWebhook = lazy(() => import("./pages/Webhooks").then((m) => ({ default: m.NewWebhook })));
const WebhookDetail = lazy(() => import("./pages/Webhooks").then((m) => ({ default: m.WebhookDetail })));
const Audit = lazy(() => import("./pages/Audit").then((m) => ({ default: m.Audit })));
const Locales = lazy(() => import("./pages/Locales").then((m) => ({ default: m.Locales })));

export function App() {
  const { user, ready, signOut } = useAuth();
  const path = usePath();
  const main = useRef<HTMLElement>(null);
  const [palette, setPalette] = useState(false);
  const [theme, setTheme] = useState<ThemeChoice>(themeChoice);

  // Ctrl+K (Cmd+K on a Mac) opens the palette from anywhere.
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setPalette(true);
      }
    };
    window.addEventListener("keydown", on);
    return () => window.removeEventListener("keydown", on);
  }, []);

  // Move focus to the page on navigation, for keyboard and screen-reader users.
  useEffect(() => {
    main.current?.focus();
  }, [path]);

  if (path === "/setup") return <Setup />;
  if (!ready) return <Loading label="Starting" />;
  if (!user) return <SignIn />;

  const admin = hasRole(user, "admin");
  let page;
  let params: Record<string, string> | null;
  if (path === "/" || path === "/dashboard") page = <Dashboard />;
  else if (path === "/entries") page = <Entries />;
  else if ((params = match("/entries/:id", path))) page = <EntryEditor id={params.id ?? ""} />;
  else if (path === "/media") page = <Media />;
  else if (admin && path === "/content-types") page = <ContentTypes />;
  else if (admin && (params = match("/content-types/:key", path))) page = <ContentTypeEditor typeKey={params.key ?? ""} />;
  else if (admin && path === "/locales") page = <Locales />;
  else if (admin && path === "/users") page = <Users />;
  else if (admin && path === "/tokens") page = <Tokens />;
  else if (admin && path === "/webhooks") page = <Webhooks />;
  else if (admin && path === "/webhooks/new") page = <NewWebhook />;
  else if (admin && (params = match("/webhooks/:id", path))) page = <WebhookDetail key={params.id} id={params.id ?? ""} />;
  else if (admin && path === "/audit") page = <Audit />;
  else page = <NotFound />;

  const nav = [
    { to: "/", label: "Dashboard" },
    { to: "/entries", label: "Entries" },
    { to: "/media", label: "Media" },
    ...(admin
      ? [
          { to: "/content-types", label: "Content types" },
          { to: "/locales", label: "Locales" },
          { to: "/users", label: "Users" },
          { to: "/tokens", label: "API tokens" },
          { to: "/webhooks", label: "Webhooks" },
          { to: "/audit", label: "Audit log" },
        ]
      : []),
  ];
  const active = (to: string) => (to === "/" ? path === "/" || path === "/dashboard" : path.startsWith(to));

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          CMS
        </Link>
        <nav aria-label="Main">
          <ul>
            {nav.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={active(n.to) ? "page" : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="me">
          <Bell />
          <button type="button" className="secondary palette-button" onClick={() => setPalette(true)} aria-keyshortcuts="Control+K Meta+K" title="Jump to any entry or page (Ctrl K)">
            Go to… <span className="kbd" aria-hidden="true">Ctrl K</span>
          </button>
          <div className="theme">
            <label htmlFor="theme">Theme</label>
            <select
              id="theme"
              value={theme}
              onChange={(e) => {
                const t = e.target.value as ThemeChoice;
                setTheme(t);
                setThemeChoice(t);
              }}
            >
              <option value="system">System</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </div>
          <span className="muted" title={user.email}>
            {user.name} · {user.roles.join(", ")}
          </span>
          <button
            type="button"
            className="secondary"
            onClick={async () => {
              await signOut();
              navigate("/", true);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      {palette && <Palette pages={nav} onClose={() => setPalette(false)} />}
      <main id="main" ref={main} tabIndex={-1}>
        <ErrorBoundary resetKey={path}>
          <Suspense fallback={<Loading label="Loading the editor" />}>{page}</Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is nothing here. <Link to="/">Back to the dashboard</Link>
      </p>
    </section>
  );
}
