// Who is signed in: the token (in this tab's session storage only, so a reload keeps the session
// and closing the tab ends it), the credential the API says it is (GET /v1/whoami), and the
// tenant the console works on (the credential's own; an operator picks one).
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { createApi, expectOk, type Api } from './api/client';
import operationRoles from './api/operation-roles.json';

const TOKEN_KEY = 'exum-console-token';
const TENANT_KEY = 'exum-console-tenant';

export type Role = 'operator' | 'server-admin' | 'user-admin' | 'reader' | 'gateway' | 'provider';

export interface Identity {
  credentialId: string;
  role: Role;
  tenantId: string | null;
  providerId: string | null;
}

export interface Session {
  api: Api;
  identity: Identity;
  /** The tenant every page works on; null while an operator has not picked one. */
  tenant: string | null;
  chooseTenant: (tenant: string | null) => void;
  /** Whether the signed-in role may call an operation, e.g. may('POST', '/v1/tenants/{tenant}/users'). */
  may: (method: string, path: string) => boolean;
  signOut: () => void;
}

const roles = operationRoles as Record<string, readonly string[]>;

/** Whether `role` may call `method path` (the API refuses it anyway: this only keeps the console from offering it). */
export const roleMay = (role: Role, method: string, path: string): boolean => roles[`${method} ${path}`]?.includes(role) ?? false;

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a signed-in console');
  return session;
}

/** The signed-in session when there is one; `signIn` checks a token with the API before keeping it. */
export function useSignIn() {
  const [state, setState] = useState<{ token: string; identity: Identity } | null>(null);
  const [tenant, setTenant] = useState<string | null>(() => sessionStorage.getItem(TENANT_KEY));

  const signOut = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(TENANT_KEY);
    setState(null);
    setTenant(null);
  }, []);

  const signIn = useCallback(async (token: string) => {
    const api = createApi(token, () => undefined);
    const identity = await expectOk(api.GET('/v1/whoami'));
    sessionStorage.setItem(TOKEN_KEY, token);
    setState({ token, identity });
    if (identity.tenantId !== null) setTenant(identity.tenantId);
  }, []);

  const chooseTenant = useCallback((chosen: string | null) => {
    if (chosen === null) sessionStorage.removeItem(TENANT_KEY);
    else sessionStorage.setItem(TENANT_KEY, chosen);
    setTenant(chosen);
  }, []);

  const session = useMemo<Session | null>(() => {
    if (state === null) return null;
    const api = createApi(state.token, signOut);
    return {
      api,
      identity: state.identity,
      tenant: state.identity.tenantId ?? tenant,
      chooseTenant,
      may: (method, path) => roleMay(state.identity.role, method, path),
      signOut,
    };
  }, [state, tenant, chooseTenant, signOut]);

  return { session, signIn, storedToken: () => sessionStorage.getItem(TOKEN_KEY) };
}

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
