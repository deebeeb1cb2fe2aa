// An operator's credential spans every tenant: the console asks which one to work on.
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Table from '@cloudscape-design/components/table';
import { useQuery } from '@tanstack/react-query';
import { expectOk } from '../api/client';
import { ProblemAlert } from '../components/problem-alert';
import { useSession } from '../session';

export function TenantPickerPage() {
  const { api, chooseTenant, signOut } = useSession();
  const tenants = useQuery({
    queryKey: ['tenants'],
    queryFn: () => expectOk(api.GET('/v1/tenants', { params: { query: { limit: '100' } } })),
  });
  return (
    <main>
      <Box padding="xxl">
        <ProblemAlert error={tenants.error} />
        <Table
          header={
            <Header
              variant="h1"
              actions={<Button onClick={signOut}>Sign out</Button>}
              description="Signed in as an operator: pick a tenant"
            >
              Tenants
            </Header>
          }
          loading={tenants.isPending}
          items={tenants.data?.items ?? []}
          columnDefinitions={[
            {
              id: 'id',
              header: 'Tenant',
              cell: (tenant) => (
                <Button variant="inline-link" onClick={() => chooseTenant(tenant.id)}>
                  {tenant.id}
                </Button>
              ),
            },
            { id: 'name', header: 'Name', cell: (tenant) => tenant.name },
            { id: 'domains', header: 'SIP domains', cell: (tenant) => tenant.domains.join(', ') },
          ]}
          empty="No tenants yet (exumctl tenant create)"
        />
      </Box>
    </main>
  );
}
