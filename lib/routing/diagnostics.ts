// The diagnostic catalogue: every answer carries one of these stable codes, in the
// 15000–15999 range Lync's ExUM routing uses in its ms-diagnostics header. Codes are never
// reused or renumbered; the table in docs/routing.md is generated from this one.

export interface Diagnostic {
  code: number;
  /** For rejections: the SIP status the gateway relays to the caller. */
  sipStatus?: number;
  reasonPhrase?: string;
  reason: string;
}

export const DIAGNOSTICS = {
  routedOnPremises: { code: 15000, reason: 'Routed to the on-premises UM dial plan' },
  routedHosted: { code: 15001, reason: 'Routed to hosted voicemail through the edge' },

  targetNotFound: { code: 15010, sipStatus: 404, reasonPhrase: 'Not Found', reason: 'No user or contact has this SIP address' },
  targetNotInTenantDomain: {
    code: 15011,
    sipStatus: 404,
    reasonPhrase: 'Not Found',
    reason: "The target's host is not one of this tenant's SIP domains",
  },
  numberNotFound: {
    code: 15012,
    sipStatus: 404,
    reasonPhrase: 'Not Found',
    reason: 'No contact display number or user line URI matches this number',
  },

  disabled: { code: 15020, sipStatus: 480, reasonPhrase: 'Temporarily Unavailable', reason: 'The user or contact is disabled' },
  notEnterpriseVoice: {
    code: 15021,
    sipStatus: 480,
    reasonPhrase: 'Temporarily Unavailable',
    reason: 'The user or contact is not enabled for Enterprise Voice',
  },

  noHostedDestination: {
    code: 15030,
    sipStatus: 480,
    reasonPhrase: 'Temporarily Unavailable',
    reason: 'Hosted voicemail applies, but the effective hosted voicemail policy has no destination',
  },
  noProviderForDestination: {
    code: 15031,
    sipStatus: 500,
    reasonPhrase: 'Server Internal Error',
    reason: 'No hosting provider serves the policy destination (configuration error)',
  },
  ambiguousProviderForDestination: {
    code: 15032,
    sipStatus: 500,
    reasonPhrase: 'Server Internal Error',
    reason: 'More than one hosting provider serves the policy destination (configuration error)',
  },
  providerDisabled: {
    code: 15033,
    sipStatus: 503,
    reasonPhrase: 'Service Unavailable',
    reason: 'The hosting provider serving the destination is not enabled',
  },
  providerNotSharedAddressSpace: {
    code: 15034,
    sipStatus: 503,
    reasonPhrase: 'Service Unavailable',
    reason: 'The hosting provider does not share the SIP address space, or hosts users',
  },
  edgeNotFederated: {
    code: 15035,
    sipStatus: 503,
    reasonPhrase: 'Service Unavailable',
    reason: 'The edge does not use DNS SRV routing with federated users allowed',
  },

  notEnabledForUm: {
    code: 15040,
    sipStatus: 404,
    reasonPhrase: 'Not Found',
    reason: 'The user is not enabled for on-premises Unified Messaging',
  },
  unknownDialPlan: { code: 15041, sipStatus: 404, reasonPhrase: 'Not Found', reason: 'The on-premises UM dial plan is not known' },
  noUmServers: { code: 15042, sipStatus: 503, reasonPhrase: 'Service Unavailable', reason: 'The on-premises UM dial plan has no servers' },
} as const satisfies Record<string, Diagnostic>;

export type DiagnosticName = keyof typeof DIAGNOSTICS;
