// Renders the console, or one page of it, against a stubbed API: `answers` maps "METHOD /path" (the
// path decoded, query string left out) to the JSON body and status the API would answer.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import { createApi } from '../src/api/client';
import { App } from '../src/app';
import { roleMay, SessionProvider, type Identity, type Session } from '../src/session';

export interface StubAnswer {
  status?: number;
  body: unknown;
}

export type Answers = Record<string, StubAnswer | ((request: Request) => StubAnswer)>;

/** Replaces fetch: answers from the table, 404 problem otherwise; returns the requests made. */
export function stubApi(answers: Answers): Request[] {
  const requests: Request[] = [];
  vi.stubGlobal('fetch', (input: Request) => {
    requests.push(input);
    const url = new URL(input.url);
    const entry = answers[`${input.method} ${decodeURIComponent(url.pathname)}`];
    const answer = typeof entry === 'function' ? entry(input) : entry;
    const status = answer?.status ?? (answer === undefined ? 404 : 200);
    const body = answer === undefined ? { title: 'No such route', status: 404, code: 'route-not-found', errors: [] } : answer.body;
    const type = status >= 400 ? 'application/problem+json' : 'application/json';
    return Promise.resolve(new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': type } }));
  });
  return requests;
}

export function renderConsole(path = '/overview', children?: ReactNode) {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={queries}>
      <MemoryRouter initialEntries={[path]}>{children ?? <App />}</MemoryRouter>
    </QueryClientProvider>,
  );
}

/** Signs in as the console would after a reload: the token already in session storage. */
export function signedInAs(identity: { role: string; tenantId: string | null }): Answers {
  sessionStorage.setItem('exum-console-token', 'exum_test-token');
  return { 'GET /v1/whoami': { body: { credentialId: 'cred_test', providerId: null, ...identity } } };
}

/**
 * Renders one page as a signed-in identity would see it (the frame around it, AppLayout, does not
 * lay out in jsdom: the end-to-end tests in a real browser cover it).
 */
export function renderPage(page: ReactNode, identity: Partial<Identity> & { role: Identity['role'] }, path = '/') {
  const full: Identity = { credentialId: 'cred_test', tenantId: 'contoso', providerId: null, ...identity };
  const session: Session = {
    api: createApi('exum_test-token', () => undefined),
    identity: full,
    tenant: full.tenantId ?? 'contoso',
    chooseTenant: () => undefined,
    may: (method, routePath) => roleMay(full.role, method, routePath),
    signOut: () => undefined,
  };
  return renderConsole(path, <SessionProvider session={session}>{page}</SessionProvider>);
}
