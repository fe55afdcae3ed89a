import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { api, session, unwrap, type User } from "./api/client";

type Auth = {
  user: User | null;
  ready: boolean;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
};

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    session.onChange = setUser;
    // A refresh token from an earlier visit signs the user back in silently.
    session.refresh().finally(() => setReady(true));
  }, []);
  const value: Auth = {
    user,
    ready,
    async signIn(email, password) {
      session.set(await unwrap(api.POST("/api/auth/login", { body: { email, password } })));
    },
    async signOut() {
      const token = session.refreshToken;
      session.clear();
      if (token) await api.POST("/api/auth/logout", { body: { refresh_token: token } }).catch(() => undefined);
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error("useAuth outside AuthProvider");
  return a;
}

export function hasRole(user: User | null, ...roles: string[]): boolean {
  return !!user && user.roles.some((r) => roles.includes(r));
}
