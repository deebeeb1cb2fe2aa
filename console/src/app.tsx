// The console's frame: sign-in until a token is accepted, the tenant picker for operators, then
// the side navigation and the pages (each loaded when first opened, so the first page stays small).
import AppLayout from '@cloudscape-design/components/app-layout';
import SideNavigation from '@cloudscape-design/components/side-navigation';
import Spinner from '@cloudscape-design/components/spinner';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { SignInPage } from './pages/sign-in';
import { TenantPickerPage } from './pages/tenant-picker';
import { SessionProvider, useSignIn, type Session } from './session';

const OverviewPage = lazy(() => import('./pages/overview'));
const UsersPage = lazy(() => import('./pages/users'));
const ContactsPage = lazy(() => import('./pages/contacts'));
const ConfigurationPage = lazy(() => import('./pages/configuration'));
const TestVoicemailPage = lazy(() => import('./pages/test-voicemail'));
const MigrationsPage = lazy(() => import('./pages/migrations'));
const DeadLettersPage = lazy(() => import('./pages/dead-letters'));
const AuditPage = lazy(() => import('./pages/audit'));

/** The pages, in the order of the side navigation. */
export const PAGES = [
  { path: '/overview', text: 'Overview', element: <OverviewPage /> },
  { path: '/users', text: 'Users', element: <UsersPage /> },
  { path: '/contacts', text: 'Contacts', element: <ContactsPage /> },
  { path: '/configuration', text: 'Configuration', element: <ConfigurationPage /> },
  { path: '/test-voicemail', text: 'Test voicemail', element: <TestVoicemailPage /> },
  { path: '/migrations', text: 'Migrations', element: <MigrationsPage /> },
  { path: '/dead-letters', text: 'Dead letters', element: <DeadLettersPage /> },
  { path: '/audit', text: 'Audit', element: <AuditPage /> },
] as const;

export function App() {
  const { session, signIn, storedToken } = useSignIn();
  const [restoring, setRestoring] = useState(() => storedToken() !== null);

  // A reload keeps the session: the token kept in this tab's session storage is checked again.
  useEffect(() => {
    const token = storedToken();
    if (token === null) return;
    signIn(token)
      .catch(() => undefined)
      .finally(() => setRestoring(false));
  }, [signIn, storedToken]);

  if (restoring) return <Spinner size="large" />;
  if (session === null) return <SignInPage signIn={signIn} />;
  return (
    <SessionProvider session={session}>{session.tenant === null ? <TenantPickerPage /> : <SignedIn session={session} />}</SessionProvider>
  );
}

function SignedIn({ session }: { session: Session }) {
  const navigate = useNavigate();
  const location = useLocation();
  const { identity } = session;
  const who = identity.tenantId === null ? `${identity.role} · tenant ${session.tenant}` : `${identity.role} · ${identity.tenantId}`;
  return (
    <>
      <div id="top-navigation" style={{ position: 'sticky', top: 0, zIndex: 1002 }}>
        <TopNavigation
          identity={{ href: '/overview', title: 'exum-router', onFollow: follow(navigate, '/overview') }}
          utilities={[
            ...(identity.tenantId === null
              ? [{ type: 'button' as const, text: 'Switch tenant', onClick: () => session.chooseTenant(null) }]
              : []),
            {
              type: 'menu-dropdown',
              text: who,
              description: `credential ${identity.credentialId}`,
              iconName: 'user-profile',
              items: [{ id: 'sign-out', text: 'Sign out' }],
              onItemClick: () => session.signOut(),
            },
          ]}
        />
      </div>
      <AppLayout
        headerSelector="#top-navigation"
        toolsHide
        ariaLabels={{
          navigation: 'Pages',
          navigationClose: 'Close the page list',
          navigationToggle: 'Open the page list',
          notifications: 'Notifications',
        }}
        navigation={
          <SideNavigation
            header={{ href: '/overview', text: session.tenant ?? '' }}
            activeHref={location.pathname}
            items={PAGES.map((page) => ({ type: 'link', text: page.text, href: page.path }))}
            onFollow={(event) => {
              event.preventDefault();
              void navigate(event.detail.href);
            }}
          />
        }
        content={
          <Suspense fallback={<Spinner size="large" />}>
            <Routes>
              {PAGES.map((page) => (
                <Route key={page.path} path={page.path} element={page.element} />
              ))}
              <Route path="*" element={<Navigate to="/overview" replace />} />
            </Routes>
          </Suspense>
        }
      />
    </>
  );
}

/** A Cloudscape link that navigates inside the console instead of reloading the page. */
const follow = (navigate: ReturnType<typeof useNavigate>, href: string) => (event: CustomEvent) => {
  event.preventDefault();
  void navigate(href);
};
