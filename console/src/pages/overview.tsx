// Overview: the tenant's mode (on-premises, cross-premises or mixed) and the counts behind it,
// migrations in flight and dead letters waiting (GET /v1/tenants/{tenant}/summary).
import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { expectOk } from '../api/client';
import { ProblemAlert } from '../components/problem-alert';
import { useSession } from '../session';

const MODE_TEXT = {
  'on-premises': 'On-premises: every routable user and contact has voicemail on Exchange UM on premises',
  'cross-premises': 'Cross-premises: every routable user and contact has hosted voicemail',
  mixed: 'Mixed: some users have hosted voicemail, some on premises (a migration in progress, usually)',
} as const;

export default function OverviewPage() {
  const { api, tenant } = useSession();
  const summary = useQuery({
    queryKey: ['summary', tenant],
    queryFn: () => expectOk(api.GET('/v1/tenants/{tenant}/summary', { params: { path: { tenant: tenant! } } })),
    refetchInterval: 10_000,
  });
  const data = summary.data;
  return (
    <ContentLayout
      header={
        <Header variant="h1" description={data === undefined ? undefined : `As of ${data.asOf}`}>
          Overview
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ProblemAlert error={summary.error} />
        <Container header={<Header variant="h2">Mode</Header>}>
          {data === undefined ? (
            <StatusIndicator type="loading">Loading</StatusIndicator>
          ) : (
            <SpaceBetween size="xs">
              <Box variant="h3">
                <span data-testid="tenant-mode">{data.mode}</span>
              </Box>
              <Box color="text-body-secondary">{MODE_TEXT[data.mode]}</Box>
              <Box color="text-body-secondary">Last change to a user or contact: {data.lastChangeAt ?? 'never'}</Box>
            </SpaceBetween>
          )}
        </Container>
        {data === undefined ? null : (
          <>
            <Table
              header={<Header variant="h2">Users and contacts by route</Header>}
              variant="container"
              items={[
                { kind: 'Users', ...data.users },
                { kind: 'Subscriber Access contacts', ...data.contacts['subscriber-access'] },
                { kind: 'Auto Attendant contacts', ...data.contacts['auto-attendant'] },
              ]}
              columnDefinitions={[
                { id: 'kind', header: 'Kind', cell: (row) => row.kind },
                { id: 'hosted', header: 'Hosted', cell: (row) => row.hosted },
                { id: 'onPremises', header: 'On premises', cell: (row) => row.onPremises },
                { id: 'notRoutable', header: 'Not routable', cell: (row) => row.notRoutable },
              ]}
            />
            <ColumnLayout columns={2}>
              <Container header={<Header variant="h2">Migrations</Header>}>
                <KeyValuePairs
                  columns={3}
                  items={[
                    { label: 'In flight', value: <Link to="/migrations">{data.migrations.running}</Link> },
                    { label: 'Completed', value: data.migrations.completed },
                    { label: 'Cancelled', value: data.migrations.cancelled },
                  ]}
                />
              </Container>
              <Container header={<Header variant="h2">Dead letters</Header>}>
                <KeyValuePairs
                  items={[
                    {
                      label: 'Waiting for replay or discard',
                      value: (
                        <Link to="/dead-letters">
                          {data.deadLetters.waiting}
                          {data.deadLetters.capped ? '+' : ''}
                        </Link>
                      ),
                    },
                  ]}
                />
              </Container>
            </ColumnLayout>
          </>
        )}
      </SpaceBetween>
    </ContentLayout>
  );
}
