import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type User } from "../api/client";
import { useAuth } from "../auth";
import { Empty, ErrorNote, fieldErrors, Loading, when } from "../components/ui";

const roles = ["editor", "reviewer", "admin"] as const;

export function Users() {
  const { user: me } = useAuth();
  const qc = useQueryClient();
  const users = useQuery({ queryKey: ["users"], queryFn: () => unwrap(api.GET("/api/users", { params: { query: { limit: 100 } } })) });
  const [picked, setPicked] = useState<string[]>(["editor"]);
  const create = useMutation({
    mutationFn: (body: { email: string; name: string; password: string; roles: User["roles"] }) => unwrap(api.POST("/api/users", { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["users"] }),
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: { roles?: User["roles"]; disabled?: boolean } }) => unwrap(api.PATCH("/api/users/{id}", { params: { path: { id } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["users"] }),
  });
  const errors = fieldErrors(create.error);
  return (
    <section>
      <h1>Users</h1>
      <form
        className="editor card"
        aria-labelledby="new-user-title"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const f = new FormData(form);
          create.mutate(
            { email: String(f.get("email")), name: String(f.get("name")), password: String(f.get("password")), roles: picked as User["roles"] },
            { onSuccess: () => form.reset() },
          );
        }}
      >
        <h2 id="new-user-title">New user</h2>
        <div className="row">
          <div className="field">
            <label htmlFor="u-name">Name</label>
            <input id="u-name" name="name" autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="u-email">Email</label>
            <input id="u-email" name="email" type="email" autoComplete="off" required />
            {errors.email && <p className="field-error">{errors.email}</p>}
          </div>
          <div className="field">
            <label htmlFor="u-password">Password</label>
            <input id="u-password" name="password" type="password" autoComplete="new-password" required minLength={12} />
            {errors.password && <p className="field-error">{errors.password}</p>}
          </div>
        </div>
        <fieldset className="inline">
          <legend>Roles</legend>
          {roles.map((r) => (
            <span className="check" key={r}>
              <input id={`u-role-${r}`} type="checkbox" checked={picked.includes(r)} onChange={(e) => setPicked(e.target.checked ? [...picked, r] : picked.filter((x) => x !== r))} />
              <label htmlFor={`u-role-${r}`}>{r}</label>
            </span>
          ))}
          {errors.roles && <p className="field-error">{errors.roles}</p>}
        </fieldset>
        {!Object.keys(errors).length && <ErrorNote error={create.error} />}
        <button type="submit" disabled={create.isPending}>
          Create user
        </button>
        {create.isSuccess && (
          <p role="status" className="muted">
            Created {create.data.email}.
          </p>
        )}
      </form>
      {users.isPending ? (
        <Loading />
      ) : users.error ? (
        <ErrorNote error={users.error} />
      ) : users.data.data.length === 0 ? (
        <Empty>No users.</Empty>
      ) : (
        <table className="table">
          <caption className="sr-only">Users</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {users.data.data.map((u) => {
              const self = u.id === me!.id;
              return (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td>{u.email}</td>
                  <td>
                    {roles.map((r) => (
                      <span className="check" key={r}>
                        <input
                          id={`${u.id}-${r}`}
                          type="checkbox"
                          checked={u.roles.includes(r)}
                          disabled={self || update.isPending}
                          onChange={(e) => update.mutate({ id: u.id, body: { roles: (e.target.checked ? [...u.roles, r] : u.roles.filter((x) => x !== r)) as User["roles"] } })}
                        />
                        <label htmlFor={`${u.id}-${r}`}>
                          {r}
                          <span className="sr-only"> for {u.email}</span>
                        </label>
                      </span>
                    ))}
                  </td>
                  <td>
                    {self ? (
                      "You"
                    ) : (
                      <button type="button" className="secondary" onClick={() => update.mutate({ id: u.id, body: { disabled: !u.disabled } })}>
                        {u.disabled ? "Enable" : "Disable"}
                        <span className="sr-only"> {u.email}</span>
                      </button>
                    )}
                  </td>
                  <td>{when(u.created_at)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <ErrorNote error={update.error} />
    </section>
  );
}
