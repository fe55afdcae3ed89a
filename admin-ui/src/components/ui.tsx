import type { ReactNode } from "react";
import { ApiError, type Status } from "../api/client";
import { statusLabels } from "../workflow";

export function Loading({ label = "Loading" }: { label?: string }) {
  return (
    <p className="loading" role="status">
      {label}…
    </p>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  let message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  // A refusal by the policy is said plainly, whatever the server's wording.
  if (error instanceof ApiError && error.code === "forbidden") message = `You don't have permission to do this${error.message ? `: ${error.message.replace(/\.$/, "")}` : ""}.`;
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function StatusBadge({ status, live }: { status: Status; live?: boolean }) {
  return (
    <span className={`badge status-${status}`}>
      {statusLabels[status]}
      {live && status !== "published" ? " · live" : ""}
    </span>
  );
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** fieldErrors returns the per-field messages of a validation error. */
export function fieldErrors(error: unknown): Record<string, string> {
  return error instanceof ApiError && error.code === "validation_failed" ? error.fields : {};
}

/** entryTitle is the best human name of an entry: its slug field, else its slug. */
export function entryTitle(data: Record<string, unknown> | undefined, slug: string): string {
  for (const key of ["title", "name"]) {
    const v = data?.[key];
    if (typeof v === "string" && v.trim()) return v;
  }
  return slug;
}
