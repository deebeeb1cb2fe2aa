// Configuration: the tenant's edge settings, its gateway settings and its configuration objects (hosting providers,
// hosted voicemail policies, on-premises UM dial plans, voicemail rerouting), one tab each. The
// collections share one editor (components/collection-editor.tsx), each described below.
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Tabs from '@cloudscape-design/components/tabs';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { expectOk, type Api, type Problem } from '../api/client';
import type { paths } from '../api/schema';
import {
  bodyOf,
  CollectionEditor,
  etag,
  FieldInput,
  formOf,
  FormProblem,
  type CreateBodyOf,
  type Family,
  type FieldSpec,
  type FormValues,
  type ItemOf,
} from '../components/collection-editor';
import { problemOf, ProblemAlert } from '../components/problem-alert';
import { useSession } from '../session';

const yesNo = (value: boolean) => <StatusIndicator type={value ? 'success' : 'stopped'}>{value ? 'Yes' : 'No'}</StatusIndicator>;

// Hosting providers: the event endpoint's signing secret is write-only; the API answers only
// whether one is configured, and the form never shows it back.
const PROVIDERS = '/v1/tenants/{tenant}/hosting-providers';
const PROVIDER = '/v1/tenants/{tenant}/hosting-providers/{id}';
type Provider = ItemOf<typeof PROVIDER>;

const providerFamily: Family<Provider> = {
  noun: 'hosting provider',
  title: 'Hosting providers',
  routes: { collection: PROVIDERS, item: PROVIDER },
  idOf: (provider) => provider.id,
  columns: [
    { id: 'id', header: 'Id', cell: (provider) => provider.id, isRowHeader: true },
    { id: 'proxyFqdn', header: 'Proxy FQDN', cell: (provider) => provider.proxyFqdn },
    { id: 'enabled', header: 'Enabled', cell: (provider) => yesNo(provider.enabled) },
    { id: 'sharedAddressSpace', header: 'Shared address space', cell: (provider) => yesNo(provider.sharedAddressSpace) },
    { id: 'hostsUsers', header: 'Hosts users', cell: (provider) => yesNo(provider.hostsUsers) },
    { id: 'verificationLevel', header: 'Verification', cell: (provider) => provider.verificationLevel },
    {
      id: 'eventEndpoint',
      header: 'Event endpoint',
      cell: (provider) =>
        provider.eventEndpoint === null
          ? '-'
          : `${provider.eventEndpoint.url}${provider.eventEndpoint.secretConfigured ? ' (secret set)' : ' (no secret)'}`,
    },
    { id: 'version', header: 'Version', cell: (provider) => provider.version },
  ],
  fields: [
    { key: 'id', label: 'Id', kind: 'text', createOnly: true, constraint: '1-64 letters, digits, ".", "_" or "-"' },
    {
      key: 'proxyFqdn',
      label: 'Proxy FQDN',
      kind: 'text',
      createOnly: true,
      constraint: 'Never changed once created (remove the provider and create it again)',
    },
    { key: 'enabled', label: 'Enabled', kind: 'boolean' },
    { key: 'sharedAddressSpace', label: 'Shared address space', kind: 'boolean' },
    { key: 'hostsUsers', label: 'Hosts users (HostsOCSUsers)', kind: 'boolean' },
    { key: 'isLocal', label: 'Local', kind: 'boolean' },
    {
      key: 'verificationLevel',
      label: 'Verification level',
      kind: 'select',
      options: ['always-verifiable', 'always-unverifiable', 'use-source-verification'],
    },
    {
      key: 'eventEndpoint.url',
      label: 'Event endpoint URL',
      kind: 'text',
      nested: true,
      description: "Where the provider's events go (https); empty for none",
    },
    {
      key: 'eventEndpoint.secret',
      label: 'Event endpoint signing secret',
      kind: 'secret',
      nested: true,
      description: 'Write-only, never shown back. When editing, leave empty to keep the current one (the URL unchanged).',
      constraint: '24 to 256 characters',
    },
  ],
  defaults: {
    id: '',
    proxyFqdn: '',
    enabled: false,
    sharedAddressSpace: false,
    hostsUsers: false,
    isLocal: false,
    verificationLevel: 'always-verifiable',
    'eventEndpoint.url': '',
    'eventEndpoint.secret': '',
  },
  nestedForm: (provider) => ({ 'eventEndpoint.url': provider.eventEndpoint?.url ?? '', 'eventEndpoint.secret': '' }),
  nestedBody: (values, original) => {
    const url = String(values['eventEndpoint.url'] ?? '').trim();
    const secret = String(values['eventEndpoint.secret'] ?? '');
    const before = original?.eventEndpoint ?? null;
    if (url === '' && secret === '') return before === null ? {} : { eventEndpoint: null };
    // Unchanged URL and no new secret: the endpoint stays as it is.
    if (before !== null && url === before.url && secret === '') return {};
    return { eventEndpoint: { url, secret } };
  },
  list: (api, tenant, cursor) => api.GET(PROVIDERS, { params: { path: { tenant }, query: cursor === undefined ? {} : { cursor } } }),
  get: (api, tenant, id) => api.GET(PROVIDER, { params: { path: { tenant, id } } }),
  create: (api, tenant, body) => api.POST(PROVIDERS, { params: { path: { tenant } }, body: body as CreateBodyOf<typeof PROVIDERS> }),
  update: (api, tenant, id, ifMatch, body) =>
    api.PATCH(PROVIDER, { params: { path: { tenant, id }, header: { 'If-Match': ifMatch } }, body: body }),
  remove: (api, tenant, id, ifMatch) => api.DELETE(PROVIDER, { params: { path: { tenant, id }, header: { 'If-Match': ifMatch } } }),
};

const POLICIES = '/v1/tenants/{tenant}/voicemail-policies';
const POLICY = '/v1/tenants/{tenant}/voicemail-policies/{id}';
type Policy = ItemOf<typeof POLICY>;

const policyFamily: Family<Policy> = {
  noun: 'voicemail policy',
  title: 'Voicemail policies',
  routes: { collection: POLICIES, item: POLICY },
  idOf: (policy) => policy.id,
  columns: [
    { id: 'id', header: 'Id', cell: (policy) => policy.id, isRowHeader: true },
    { id: 'destination', header: 'Destination', cell: (policy) => policy.destination ?? '-' },
    {
      id: 'organizations',
      header: 'Organizations',
      cell: (policy) => (policy.organizations.length === 0 ? '-' : policy.organizations.join(', ')),
    },
    { id: 'description', header: 'Description', cell: (policy) => policy.description || '-' },
    { id: 'version', header: 'Version', cell: (policy) => policy.version },
  ],
  fields: [
    { key: 'id', label: 'Id', kind: 'text', createOnly: true, constraint: 'global, site:NAME or tag:NAME' },
    {
      key: 'destination',
      label: 'Destination',
      kind: 'nullable-text',
      description: "The hosted UM service's FQDN; empty for none",
    },
    {
      key: 'organizations',
      label: 'Organizations',
      kind: 'lines',
      description: "The tenant's FQDNs at the provider, one a line (up to 64)",
    },
    { key: 'description', label: 'Description', kind: 'text' },
  ],
  defaults: { id: '', destination: '', organizations: '', description: '' },
  list: (api, tenant, cursor) => api.GET(POLICIES, { params: { path: { tenant }, query: cursor === undefined ? {} : { cursor } } }),
  get: (api, tenant, id) => api.GET(POLICY, { params: { path: { tenant, id } } }),
  create: (api, tenant, body) => api.POST(POLICIES, { params: { path: { tenant } }, body: body as CreateBodyOf<typeof POLICIES> }),
  update: (api, tenant, id, ifMatch, body) =>
    api.PATCH(POLICY, { params: { path: { tenant, id }, header: { 'If-Match': ifMatch } }, body: body }),
  remove: (api, tenant, id, ifMatch) => api.DELETE(POLICY, { params: { path: { tenant, id }, header: { 'If-Match': ifMatch } } }),
};

const DIAL_PLANS = '/v1/tenants/{tenant}/dial-plans';
const DIAL_PLAN = '/v1/tenants/{tenant}/dial-plans/{id}';
type DialPlan = ItemOf<typeof DIAL_PLAN>;

const dialPlanFamily: Family<DialPlan> = {
  noun: 'dial plan',
  title: 'Dial plans',
  routes: { collection: DIAL_PLANS, item: DIAL_PLAN },
  idOf: (plan) => plan.id,
  columns: [
    { id: 'id', header: 'Phone context', cell: (plan) => plan.id, isRowHeader: true },
    { id: 'uriType', header: 'URI type', cell: (plan) => plan.uriType },
    { id: 'voipSecurity', header: 'VoIP security', cell: (plan) => plan.voipSecurity },
    {
      id: 'servers',
      header: 'Servers',
      cell: (plan) =>
        plan.servers.length === 0
          ? '-'
          : plan.servers
              .map((server) => `${server.fqdn}:${server.port}/${server.transport} (Exchange ${server.exchangeVersion})`)
              .join(', '),
    },
    { id: 'version', header: 'Version', cell: (plan) => plan.version },
  ],
  fields: [
    { key: 'id', label: 'Phone context', kind: 'text', createOnly: true, constraint: 'An FQDN' },
    { key: 'uriType', label: 'URI type', kind: 'select', options: ['sip-name', 'e164', 'tel-extension'] },
    { key: 'voipSecurity', label: 'VoIP security', kind: 'select', options: ['secured', 'sip-secured', 'unsecured'] },
    {
      key: 'servers',
      label: 'Servers (JSON)',
      kind: 'json',
      description: 'A list of { "fqdn", "port" (5061), "transport" ("tls", "tcp" or "udp"), "exchangeVersion" (8-99) }',
    },
  ],
  defaults: {
    id: '',
    uriType: 'sip-name',
    voipSecurity: 'secured',
    servers: '[\n  { "fqdn": "um1.example.com", "port": 5061, "transport": "tls", "exchangeVersion": 15 }\n]',
  },
  list: (api, tenant, cursor) => api.GET(DIAL_PLANS, { params: { path: { tenant }, query: cursor === undefined ? {} : { cursor } } }),
  get: (api, tenant, id) => api.GET(DIAL_PLAN, { params: { path: { tenant, id } } }),
  create: (api, tenant, body) => api.POST(DIAL_PLANS, { params: { path: { tenant } }, body: body as CreateBodyOf<typeof DIAL_PLANS> }),
  update: (api, tenant, id, ifMatch, body) =>
    api.PATCH(DIAL_PLAN, {
      params: { path: { tenant, id }, header: { 'If-Match': ifMatch } },
      body: body,
    }),
  remove: (api, tenant, id, ifMatch) => api.DELETE(DIAL_PLAN, { params: { path: { tenant, id }, header: { 'If-Match': ifMatch } } }),
};

const REROUTINGS = '/v1/tenants/{tenant}/rerouting';
const REROUTING = '/v1/tenants/{tenant}/rerouting/{id}';
type Rerouting = ItemOf<typeof REROUTING>;

const reroutingFamily: Family<Rerouting> = {
  noun: 'rerouting configuration',
  title: 'Rerouting configurations',
  routes: { collection: REROUTINGS, item: REROUTING },
  idOf: (rerouting) => rerouting.id,
  columns: [
    { id: 'id', header: 'Id', cell: (rerouting) => rerouting.id, isRowHeader: true },
    { id: 'enabled', header: 'Enabled', cell: (rerouting) => yesNo(rerouting.enabled) },
    { id: 'autoAttendantNumber', header: 'Auto Attendant number', cell: (rerouting) => rerouting.autoAttendantNumber ?? '-' },
    { id: 'subscriberAccessNumber', header: 'Subscriber Access number', cell: (rerouting) => rerouting.subscriberAccessNumber ?? '-' },
    { id: 'version', header: 'Version', cell: (rerouting) => rerouting.version },
  ],
  fields: [
    { key: 'id', label: 'Id', kind: 'text', createOnly: true, constraint: 'global or site:NAME' },
    { key: 'enabled', label: 'Enabled', kind: 'boolean' },
    { key: 'autoAttendantNumber', label: 'Auto Attendant number', kind: 'nullable-text', constraint: 'E.164, e.g. +14255550100' },
    { key: 'subscriberAccessNumber', label: 'Subscriber Access number', kind: 'nullable-text', constraint: 'E.164, e.g. +14255550100' },
  ],
  defaults: { id: '', enabled: false, autoAttendantNumber: '', subscriberAccessNumber: '' },
  list: (api, tenant, cursor) => api.GET(REROUTINGS, { params: { path: { tenant }, query: cursor === undefined ? {} : { cursor } } }),
  get: (api, tenant, id) => api.GET(REROUTING, { params: { path: { tenant, id } } }),
  create: (api, tenant, body) => api.POST(REROUTINGS, { params: { path: { tenant } }, body: body as CreateBodyOf<typeof REROUTINGS> }),
  update: (api, tenant, id, ifMatch, body) =>
    api.PATCH(REROUTING, {
      params: { path: { tenant, id }, header: { 'If-Match': ifMatch } },
      body: body,
    }),
  remove: (api, tenant, id, ifMatch) => api.DELETE(REROUTING, { params: { path: { tenant, id }, header: { 'If-Match': ifMatch } } }),
};

// The objects a tenant has one of (the edge, the gateway settings): read with GET, replaced whole
// with PUT under If-Match; one panel and form serve both.
interface SingletonItem {
  version: number;
  /** null: never written, the API answers the defaults at version 0. */
  updatedAt: string | null;
  modifiedBy: { credentialId: string } | null;
}

interface Singleton<T extends SingletonItem> {
  path: typeof EDGE | typeof GATEWAY_SETTINGS;
  /** Its heading: "Edge". */
  title: string;
  /** What a sentence calls it: "edge configuration". */
  noun: string;
  /** The form's accessible name. */
  formLabel: string;
  saveLabel: string;
  intro: ReactNode;
  fields: FieldSpec[];
  /** What a reader who may not write it sees. */
  shown: (item: T) => { label: string; value: ReactNode }[];
  read: (api: Api, tenant: string) => Promise<T>;
  write: (api: Api, tenant: string, ifMatch: string, body: Record<string, unknown>) => Promise<T>;
}

function SingletonPanel<T extends SingletonItem>({ singleton }: { singleton: Singleton<T> }) {
  const { api, tenant, may } = useSession();
  const item = useQuery({ queryKey: [singleton.path, tenant], queryFn: () => singleton.read(api, tenant!) });
  return (
    <SpaceBetween size="l">
      <ProblemAlert error={item.error} />
      {item.data === undefined ? (
        item.isPending ? (
          <StatusIndicator type="loading">Loading the {singleton.noun}</StatusIndicator>
        ) : null
      ) : may('PUT', singleton.path) ? (
        // A new version (saved here or reloaded) starts the form again from what the API answered.
        <SingletonForm key={item.data.version} singleton={singleton} item={item.data} reload={() => void item.refetch()} />
      ) : (
        <Container header={<Header variant="h2">{singleton.title}</Header>}>
          <KeyValuePairs columns={3} items={singleton.shown(item.data)} />
        </Container>
      )}
    </SpaceBetween>
  );
}

function SingletonForm<T extends SingletonItem>({ singleton, item, reload }: { singleton: Singleton<T>; item: T; reload: () => void }) {
  const { api, tenant } = useSession();
  const queries = useQueryClient();
  const [values, setValues] = useState<FormValues>(() => formOf({ fields: singleton.fields }, item));
  const [problem, setProblem] = useState<Problem | null>(null);
  const save = useMutation({
    // PUT replaces the whole object: every field is sent.
    mutationFn: () => singleton.write(api, tenant!, etag(item.version), bodyOf({ fields: singleton.fields }, values, null)),
    onSuccess: (saved) => queries.setQueryData([singleton.path, tenant], saved),
    onError: (error) => setProblem(problemOf(error)),
  });
  return (
    <form
      aria-label={singleton.formLabel}
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <Form
        actions={
          <Button variant="primary" formAction="submit" loading={save.isPending}>
            {singleton.saveLabel}
          </Button>
        }
      >
        <Container
          header={
            <Header
              variant="h2"
              description={
                item.updatedAt === null
                  ? 'The defaults: never changed'
                  : `Version ${item.version}, changed ${item.updatedAt} by ${item.modifiedBy?.credentialId ?? 'unknown'}`
              }
            >
              {singleton.title}
            </Header>
          }
        >
          <SpaceBetween size="m">
            <Box color="text-body-secondary">{singleton.intro}</Box>
            <FormProblem problem={problem} keys={singleton.fields.map((field) => field.key)} noun={singleton.noun} onReload={reload} />
            {singleton.fields.map((field) => (
              <FieldInput
                key={field.key}
                field={field}
                value={values[field.key]}
                onChange={(value) => setValues((current) => ({ ...current, [field.key]: value }))}
                problem={problem}
              />
            ))}
          </SpaceBetween>
        </Container>
      </Form>
    </form>
  );
}

const EDGE = '/v1/tenants/{tenant}/edge';
type Edge = ItemOf<typeof EDGE>;
type EdgeBody = paths[typeof EDGE]['put']['requestBody']['content']['application/json'];

const edgeSingleton: Singleton<Edge> = {
  path: EDGE,
  title: 'Edge',
  noun: 'edge configuration',
  formLabel: 'Edge configuration',
  saveLabel: 'Save edge',
  intro: 'Hosting providers only work through an edge that routes by DNS SRV and allows federated users.',
  fields: [
    { key: 'routingMode', label: 'Routing mode', kind: 'select', options: ['dns-srv', 'default-route'] },
    { key: 'allowFederatedUsers', label: 'Allow federated users', kind: 'boolean' },
    {
      key: 'nextHop',
      label: 'Next hop',
      kind: 'nullable-text',
      description: "SIP URI of the enterprise edge's internal interface; empty for none",
    },
  ],
  shown: (edge) => [
    { label: 'Routing mode', value: edge.routingMode },
    { label: 'Allow federated users', value: yesNo(edge.allowFederatedUsers) },
    { label: 'Next hop', value: edge.nextHop ?? '-' },
  ],
  read: (api, tenant) => expectOk(api.GET(EDGE, { params: { path: { tenant } } })),
  write: (api, tenant, ifMatch, body) =>
    expectOk(api.PUT(EDGE, { params: { path: { tenant }, header: { 'If-Match': ifMatch } }, body: body as EdgeBody })),
};

// Never written, the API answers the gateway settings' defaults at version 0.
const GATEWAY_SETTINGS = '/v1/tenants/{tenant}/gateway-settings';
type GatewaySettings = ItemOf<typeof GATEWAY_SETTINGS>;
type GatewaySettingsBody = paths[typeof GATEWAY_SETTINGS]['put']['requestBody']['content']['application/json'];

const gatewaySettingsSingleton: Singleton<GatewaySettings> = {
  path: GATEWAY_SETTINGS,
  title: 'Gateway settings',
  noun: 'gateway settings',
  formLabel: 'Gateway settings',
  saveLabel: 'Save gateway settings',
  intro: (
    <>
      Every routing answer tells the gateways how long they may reuse it: a user&apos;s answer never (a migration flips it on the next
      call), a contact&apos;s for the configuration&apos;s staleness bound. While the service cannot answer, a gateway may keep using its
      last good answer for a target for this long.
    </>
  ),
  fields: [
    {
      key: 'staleIfErrorSeconds',
      label: 'Stale if error (seconds)',
      kind: 'number',
      description: 'How long a gateway may keep routing a target on its last good answer while the service cannot answer; 0 turns it off',
      constraint: '0 to 604800 (7 days); default 86400 (one day)',
    },
  ],
  shown: (settings) => [{ label: 'Stale if error (seconds)', value: String(settings.staleIfErrorSeconds) }],
  read: (api, tenant) => expectOk(api.GET(GATEWAY_SETTINGS, { params: { path: { tenant } } })),
  write: (api, tenant, ifMatch, body) =>
    expectOk(
      api.PUT(GATEWAY_SETTINGS, { params: { path: { tenant }, header: { 'If-Match': ifMatch } }, body: body as GatewaySettingsBody }),
    ),
};

export default function ConfigurationPage() {
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="The tenant's edge, gateway settings, hosting providers, hosted voicemail policies, on-premises UM dial plans and rerouting"
        >
          Configuration
        </Header>
      }
    >
      <Tabs
        ariaLabel="Configuration objects"
        tabs={[
          { id: 'edge', label: 'Edge', content: <SingletonPanel singleton={edgeSingleton} /> },
          { id: 'gateway-settings', label: 'Gateway settings', content: <SingletonPanel singleton={gatewaySettingsSingleton} /> },
          { id: 'hosting-providers', label: 'Hosting providers', content: <CollectionEditor family={providerFamily} /> },
          { id: 'voicemail-policies', label: 'Voicemail policies', content: <CollectionEditor family={policyFamily} /> },
          { id: 'dial-plans', label: 'Dial plans', content: <CollectionEditor family={dialPlanFamily} /> },
          { id: 'rerouting', label: 'Rerouting', content: <CollectionEditor family={reroutingFamily} /> },
        ]}
      />
    </ContentLayout>
  );
}
