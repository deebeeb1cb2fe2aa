// What callers hand to the store's writes: the change (a record before and after), who makes it,
// the policies its decision relied on, and, for changes written together, what became of each.
import type { DialPlan } from '../domain/dial-plan.js';
import type { Edge } from '../domain/edge.js';
import type { StoredGatewaySettings } from '../domain/gateway-settings.js';
import type { HostingProvider } from '../domain/hosting-provider.js';
import type { Principal } from '../domain/principal.js';
import type { Rerouting } from '../domain/rerouting.js';
import type { VoicemailPolicy } from '../domain/voicemail-policy.js';

/** One object of the tenant configuration before and after a write (null: absent). */
export type ConfigChange =
  | { entity: 'edge'; before: Edge; after: Edge }
  | { entity: 'gateway-settings'; before: StoredGatewaySettings | null; after: StoredGatewaySettings }
  | { entity: 'provider'; before: HostingProvider | null; after: HostingProvider | null }
  | { entity: 'policy'; before: VoicemailPolicy | null; after: VoicemailPolicy | null }
  | { entity: 'dial-plan'; before: DialPlan | null; after: DialPlan | null }
  | { entity: 'rerouting'; before: Rerouting | null; after: Rerouting | null };

/** Who writes: recorded on deletions (tombstones) and revocations for the audit trail. */
export interface Writer {
  credentialId: string;
  role: string;
}

/** A policy a principal write relied on: absent, or present at the version read. */
export interface PolicyGuard {
  id: string;
  version: number | null;
}

/** A principal created or replaced, with the policies its decision relied on. */
export interface PrincipalChange {
  before: Principal | null;
  after: Principal;
  guards: readonly PolicyGuard[];
}

/** What became of one change written together with others. */
export type TogetherOutcome = { written: true } | { written: false; error: Error };
