// Edge configuration (Set-CsAccessEdgeConfiguration): how the enterprise edge reaches federated
// and hosted partners. Hosting providers need DNS SRV routing with federation allowed.
import * as z from 'zod';
import { recordMeta, sipUri } from './fields.js';

export const EdgeSchemaInput = z.strictObject({
  routingMode: z.enum(['dns-srv', 'default-route']),
  allowFederatedUsers: z.boolean(),
  nextHop: sipUri().nullable().default(null).meta({ description: "SIP URI of the enterprise edge's internal interface" }),
});
export type EdgeInput = z.infer<typeof EdgeSchemaInput>;

export const EdgeSchema = z.object({
  routingMode: z.enum(['dns-srv', 'default-route']),
  allowFederatedUsers: z.boolean(),
  nextHop: z.string().nullable(),
  ...recordMeta,
});
export type Edge = z.infer<typeof EdgeSchema>;

/** Lync's defaults for a new deployment: DNS SRV routing, federation off. */
export const defaultEdge: EdgeInput = { routingMode: 'dns-srv', allowFederatedUsers: false, nextHop: null };

/** The invariant of section 2: hosting providers work only through DNS SRV routing with federation allowed. */
export const edgeAllowsHostingProviders = (edge: Pick<Edge, 'routingMode' | 'allowFederatedUsers'>): boolean =>
  edge.routingMode === 'dns-srv' && edge.allowFederatedUsers;
