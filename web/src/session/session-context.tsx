import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { client, unwrap, ApiError, setUnauthorizedHandler } from '../api/client.ts';
import type { LoginResponse, Me, Permission } from '../api/shapes.ts';

interface Session {
  /** The logged-in user, null when logged out, undefined while the first check runs. */
  me: Me | null | undefined;
  /**
   * True after the user chose "log out": the next login (maybe someone else) starts at the
   * dashboard instead of returning to the page the previous user was on.
   */
  loggedOutByUser: boolean;
  /** True when the user's roles grant the permission (the server checks again on every call). */
  can(permission: Permission): boolean;
  login(username: string, password: string): Promise<Me>;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

/**
 * Who is logged in, from GET /api/auth/me. The session cookie is httpOnly, so asking the server is
 * the only way to know; any 401 from any call drops the user back to the login page.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [loggedOutByUser, setLoggedOutByUser] = useState(false);

  useEffect(() => {
    setUnauthorizedHandler(() => setMe(null));
    let cancelled = false;
    unwrap(client.GET('/api/auth/me'))
      .then((u) => !cancelled && setMe(u))
      .catch(() => !cancelled && setMe(null));
    return () => {
      cancelled = true;
      setUnauthorizedHandler(undefined);
    };
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    // A wrong password is a 401 too: it must show on the form, not trigger the logged-out redirect.
    const r = await unwrap(client.POST('/api/auth/login', { body: { username, password } }), { skipAuthRedirect: true });
    setLoggedOutByUser(false);
    setMe(r.user);
    return r.user;
  }, []);

  const logout = useCallback(async () => {
    try {
      await unwrap(client.POST('/api/auth/logout'));
    } catch (e) {
      // Already logged out on the server is fine; anything else is reported by the caller.
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    setLoggedOutByUser(true);
    setMe(null);
  }, []);

  const value = useMemo<Session>(() => {
    const perms = new Set(me?.permissions ?? []);
    return { me, loggedOutByUser, can: (p) => perms.has(p), login, logout };
  }, [me, loggedOutByUser, login, logout]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}
