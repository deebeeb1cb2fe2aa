// Contacts: the tenant's Exchange UM contacts, Subscriber Access and Auto Attendant numbers
// (`*-CsExUmContact`), listed a page at a time, created, edited and deleted as the role may.
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { CollectionEditor, type CreateBodyOf, type Family, type ItemOf } from '../components/collection-editor';

const COLLECTION = '/v1/tenants/{tenant}/contacts';
const ITEM = '/v1/tenants/{tenant}/contacts/{sipUri}';
type Contact = ItemOf<typeof ITEM>;

const KIND_TEXT = { 'subscriber-access': 'Subscriber Access', 'auto-attendant': 'Auto Attendant' } as const;

const contactFamily: Family<Contact> = {
  noun: 'contact',
  title: 'Contacts',
  routes: { collection: COLLECTION, item: ITEM },
  idOf: (contact) => contact.sipUri,
  columns: [
    { id: 'sipUri', header: 'SIP address', cell: (contact) => contact.sipUri, isRowHeader: true },
    { id: 'kind', header: 'Kind', cell: (contact) => KIND_TEXT[contact.kind] },
    { id: 'displayNumber', header: 'Number', cell: (contact) => contact.displayNumber ?? '-' },
    {
      id: 'route',
      header: 'Voicemail',
      cell: (contact) =>
        contact.onPremisesDialPlan === null ? (
          'Hosted'
        ) : (
          <span title={contact.onPremisesDialPlan}>On premises ({contact.onPremisesDialPlan})</span>
        ),
    },
    { id: 'policy', header: 'Policy', cell: (contact) => contact.hostedVoicemailPolicy ?? '-' },
    {
      id: 'enabled',
      header: 'Enabled',
      cell: (contact) => <StatusIndicator type={contact.enabled ? 'success' : 'stopped'}>{contact.enabled ? 'Yes' : 'No'}</StatusIndicator>,
    },
    { id: 'site', header: 'Site', cell: (contact) => contact.site ?? '-' },
    { id: 'version', header: 'Version', cell: (contact) => contact.version },
  ],
  fields: [
    { key: 'sipUri', label: 'SIP address', kind: 'text', constraint: 'sip:user@host, unique among users and contacts' },
    { key: 'kind', label: 'Kind', kind: 'select', options: ['subscriber-access', 'auto-attendant'] },
    {
      key: 'displayNumber',
      label: 'Number',
      kind: 'nullable-text',
      constraint: 'Digits with an optional leading "+", first digit not 0; its line URI is tel: and this number',
    },
    { key: 'enabled', label: 'Enabled', kind: 'boolean' },
    { key: 'enterpriseVoiceEnabled', label: 'Enterprise Voice enabled', kind: 'boolean' },
    { key: 'site', label: 'Site', kind: 'nullable-text', description: "The site of the contact's registrar pool" },
    { key: 'registrarPool', label: 'Registrar pool', kind: 'nullable-text', constraint: 'An FQDN' },
    { key: 'ou', label: 'Organizational unit', kind: 'nullable-text' },
    {
      key: 'hostedVoicemailPolicy',
      label: 'Hosted voicemail policy',
      kind: 'nullable-text',
      description: 'The granted tag, e.g. ExOnline',
    },
    {
      key: 'onPremisesDialPlan',
      label: 'On-premises dial plan',
      kind: 'nullable-text',
      description: 'Set for an on-premises contact; empty for a hosted one',
    },
    { key: 'description', label: 'Description', kind: 'text' },
  ],
  defaults: {
    sipUri: '',
    kind: 'subscriber-access',
    displayNumber: '',
    enabled: true,
    enterpriseVoiceEnabled: true,
    site: '',
    registrarPool: '',
    ou: '',
    hostedVoicemailPolicy: '',
    onPremisesDialPlan: '',
    description: '',
  },
  list: (api, tenant, cursor) => api.GET(COLLECTION, { params: { path: { tenant }, query: cursor === undefined ? {} : { cursor } } }),
  get: (api, tenant, sipUri) => api.GET(ITEM, { params: { path: { tenant, sipUri } } }),
  create: (api, tenant, body) => api.POST(COLLECTION, { params: { path: { tenant } }, body: body as CreateBodyOf<typeof COLLECTION> }),
  update: (api, tenant, sipUri, ifMatch, body) =>
    api.PATCH(ITEM, { params: { path: { tenant, sipUri }, header: { 'If-Match': ifMatch } }, body: body }),
  remove: (api, tenant, sipUri, ifMatch) => api.DELETE(ITEM, { params: { path: { tenant, sipUri }, header: { 'If-Match': ifMatch } } }),
};

export default function ContactsPage() {
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Subscriber Access and Auto Attendant numbers. A contact is hosted exactly when it has no on-premises dial plan."
        >
          Contacts
        </Header>
      }
    >
      <CollectionEditor family={contactFamily} />
    </ContentLayout>
  );
}
