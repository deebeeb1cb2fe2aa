// On-premises UM dial plan: what Exchange's exchucutil.ps1 tells Lync about its UM servers.
import * as z from 'zod';
import { fqdn, recordMeta } from './fields.js';

const UmServerSchemaInput = z.strictObject({
  fqdn: fqdn(),
  port: z.number().int().min(1).max(65535).default(5061),
  transport: z.enum(['tls', 'tcp', 'udp']).default('tls'),
  exchangeVersion: z.number().int().min(8).max(99).meta({ description: 'Exchange major version (14, 15, ...)' }),
});

const servers = () =>
  z
    .array(UmServerSchemaInput)
    .max(64)
    .refine((list) => new Set(list.map((server) => server.fqdn)).size === list.length, {
      error: 'a server may appear only once',
    });

const uriType = z.enum(['sip-name', 'e164', 'tel-extension']);
const voipSecurity = z.enum(['secured', 'sip-secured', 'unsecured']);

export const DialPlanCreateSchema = z.strictObject({
  id: fqdn().meta({ description: 'The phone context, an FQDN' }),
  uriType,
  voipSecurity,
  servers: servers().default([]),
});
export type DialPlanCreate = z.infer<typeof DialPlanCreateSchema>;

export const DialPlanPatchSchema = z.strictObject({
  uriType: uriType.optional(),
  voipSecurity: voipSecurity.optional(),
  servers: servers().optional(),
});
export type DialPlanPatch = z.infer<typeof DialPlanPatchSchema>;

export const UmServerSchema = z.object({
  fqdn: z.string(),
  port: z.number().int(),
  transport: z.enum(['tls', 'tcp', 'udp']),
  exchangeVersion: z.number().int(),
});
export type UmServer = z.infer<typeof UmServerSchema>;

export const DialPlanSchema = z.object({
  id: z.string(),
  uriType,
  voipSecurity,
  servers: z.array(UmServerSchema),
  ...recordMeta,
});
export type DialPlan = z.infer<typeof DialPlanSchema>;
