// The demo tenant of `npm start -- --demo`: contoso.com in mixed mode, so a newcomer can resolve
// calls at once. Written through the same use cases as the API.
import type { Actor } from '../lib/domain/credential.js';
import * as principals from '../lib/management/principals.js';
import {
  dialPlans,
  hostingProviders,
  putEdge,
  reroutingConfigurations,
  voicemailPolicies,
} from '../lib/management/tenant-configuration.js';
import { createCredential, createTenant } from '../lib/management/tenants.js';
import type { ManagementDeps } from '../lib/management/write-context.js';

const exo: Actor = { credentialId: 'demo-provider', role: 'provider', tenantId: 'contoso', providerId: 'exo' };
const write = { dryRun: false, ifMatch: null } as const;

export interface DemoTenant {
  tenantId: string;
  tokens: { gateway: string; userAdmin: string; serverAdmin: string };
}

const tokenOf = (outcome: Awaited<ReturnType<typeof createCredential>>): string => {
  if (outcome.dryRun || outcome.record === null) throw new Error('no credential');
  return outcome.record.token;
};

/** Loads the demo tenant unless it exists; returns fresh credentials for it. */
/** Loads the demo tenant; its writes are recorded as made by `operatorCredentialId` (the operator credential the start bootstrapped). */
export async function loadDemoTenant(deps: ManagementDeps, operatorCredentialId: string): Promise<DemoTenant> {
  const operator: Actor = { credentialId: operatorCredentialId, role: 'operator', tenantId: null, providerId: null };
  const T = 'contoso';
  if ((await deps.store.tenants.get(T)) === undefined) {
    await createTenant(deps, operator, { id: T, name: 'Contoso (demo)', domains: ['contoso.com'] }, write);
    await putEdge(deps, operator, T, { routingMode: 'dns-srv', allowFederatedUsers: true, nextHop: null }, write);
    await hostingProviders.create(
      deps,
      operator,
      T,
      {
        id: 'exo',
        proxyFqdn: 'exap.um.outlook.com',
        enabled: true,
        sharedAddressSpace: true,
        hostsUsers: false,
        isLocal: false,
        verificationLevel: 'always-verifiable',
        eventEndpoint: null,
      },
      write,
    );
    // As in most Lync deployments with Exchange Online: the global policy names its UM proxy, so
    // setting a user's hosted voicemail flag is all it takes to move that user's voicemail.
    await voicemailPolicies.patch(
      deps,
      operator,
      T,
      'global',
      { destination: 'exap.um.outlook.com', organizations: ['contoso.onmicrosoft.com'] },
      write,
    );
    await voicemailPolicies.create(
      deps,
      operator,
      T,
      {
        id: 'site:Redmond',
        destination: 'exap.um.outlook.com',
        organizations: ['contoso.onmicrosoft.com'],
        description: 'Redmond is moving to Exchange Online',
      },
      write,
    );
    await voicemailPolicies.create(
      deps,
      operator,
      T,
      {
        id: 'tag:ExOnline',
        destination: 'exap.um.outlook.com',
        organizations: ['contoso.onmicrosoft.com'],
        description: 'Exchange Online UM',
      },
      write,
    );
    await dialPlans.create(
      deps,
      operator,
      T,
      {
        id: 'dp.contoso.com',
        uriType: 'sip-name',
        voipSecurity: 'secured',
        servers: [
          { fqdn: 'um01.contoso.local', port: 5061, transport: 'tls', exchangeVersion: 15 },
          { fqdn: 'um02.contoso.local', port: 5061, transport: 'tls', exchangeVersion: 15 },
          { fqdn: 'um-legacy.contoso.local', port: 5061, transport: 'tls', exchangeVersion: 14 },
        ],
      },
      write,
    );
    await reroutingConfigurations.create(
      deps,
      operator,
      T,
      { id: 'global', enabled: true, autoAttendantNumber: '+14255550000', subscriberAccessNumber: '+14255550001' },
      write,
    );
    const user = (sipUri: string, lineUri: string, fields: Record<string, unknown>) =>
      principals.createUser(
        deps,
        operator,
        T,
        {
          sipUri,
          lineUri,
          displayName: null,
          enabled: true,
          enterpriseVoiceEnabled: true,
          site: null,
          registrarPool: 'pool01.contoso.com',
          hostedVoicemailPolicy: null,
          onPremisesUm: { enabled: true, dialPlan: 'dp.contoso.com' },
          hostedVoicemail: {},
          ...fields,
        },
        write,
      );
    await user('sip:alice@contoso.com', 'tel:+14255551001', { displayName: 'Alice (on premises)', site: 'Dublin' });
    await user('sip:bob@contoso.com', 'tel:+14255551002', {
      displayName: 'Bob (hosted by the admin)',
      hostedVoicemailPolicy: 'ExOnline',
      hostedVoicemail: { admin: true },
    });
    await user('sip:carol@contoso.com', 'tel:+14255551003', { displayName: 'Carol (hosted by the provider)', site: 'Redmond' });
    await principals.setProviderFlag(deps, exo, T, 'sip:carol@contoso.com', true, write);
    await principals.createContact(
      deps,
      operator,
      T,
      {
        sipUri: 'sip:exum-sa@contoso.com',
        displayNumber: '+14255550100',
        kind: 'subscriber-access',
        enabled: true,
        enterpriseVoiceEnabled: true,
        site: null,
        registrarPool: null,
        ou: null,
        description: 'Subscriber Access (hosted)',
        hostedVoicemailPolicy: 'ExOnline',
        onPremisesDialPlan: null,
      },
      write,
    );
    await principals.createContact(
      deps,
      operator,
      T,
      {
        sipUri: 'sip:exum-aa@contoso.com',
        displayNumber: '+14255550200',
        kind: 'auto-attendant',
        enabled: true,
        enterpriseVoiceEnabled: true,
        site: null,
        registrarPool: null,
        ou: null,
        description: 'Auto Attendant (on premises)',
        hostedVoicemailPolicy: null,
        onPremisesDialPlan: 'dp.contoso.com',
      },
      write,
    );
  }
  return {
    tenantId: T,
    tokens: {
      gateway: tokenOf(await createCredential(deps, operator, T, { role: 'gateway', name: 'demo gateway' }, write)),
      userAdmin: tokenOf(await createCredential(deps, operator, T, { role: 'user-admin', name: 'demo user admin' }, write)),
      serverAdmin: tokenOf(await createCredential(deps, operator, T, { role: 'server-admin', name: 'demo server admin' }, write)),
    },
  };
}
