// Events delivered to hosting providers' event endpoints, versioned by `specVersion`. The zod
// schemas are the contract: docs/events/*.schema.json are generated from them.
import * as z from 'zod';

export const PROVIDER_EVENT_SPEC_VERSION = '1.0' as const;

const envelope = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({
    id: z.string().meta({ description: 'Stable across retries: de-duplicate on it' }),
    type: z.literal(type),
    specVersion: z.literal(PROVIDER_EVENT_SPEC_VERSION),
    time: z.string().meta({ description: 'When the change happened (ISO 8601)' }),
    tenantId: z.string(),
    providerId: z.string(),
    data,
  });

const migrationUser = z.object({
  migrationId: z.string(),
  sipUri: z.string(),
  lineUri: z.string().nullable(),
  displayName: z.string().nullable(),
});

const contactData = z.object({
  sipUri: z.string(),
  displayNumber: z.string().nullable(),
  lineUri: z.string().nullable(),
  kind: z.enum(['subscriber-access', 'auto-attendant']),
  enabled: z.boolean(),
  enterpriseVoiceEnabled: z.boolean(),
  description: z.string(),
  destination: z.string().nullable(),
  organizations: z.array(z.string()),
});

export const ProviderEventSchemas = {
  'user.migration.requested': envelope(
    'user.migration.requested',
    migrationUser.extend({ destination: z.string().nullable(), organizations: z.array(z.string()) }),
  ),
  'user.migration.completed': envelope('user.migration.completed', migrationUser),
  'user.migration.failed': envelope('user.migration.failed', migrationUser.extend({ reason: z.string() })),
  'user.migration.rolled-back': envelope('user.migration.rolled-back', migrationUser),
  'user.hosted-voicemail.changed': envelope(
    'user.hosted-voicemail.changed',
    z.object({
      sipUri: z.string(),
      lineUri: z.string().nullable(),
      hostedVoicemail: z.object({ admin: z.boolean().nullable(), provider: z.boolean().nullable() }),
      hosted: z.boolean().meta({ description: 'The effective value: admin ?? provider ?? false' }),
    }),
  ),
  'contact.created': envelope('contact.created', contactData),
  'contact.updated': envelope('contact.updated', contactData),
  'contact.deleted': envelope('contact.deleted', z.object({ sipUri: z.string(), lineUri: z.string().nullable() })),
} as const;

export type ProviderEventType = keyof typeof ProviderEventSchemas;
export type ProviderEvent = { [K in ProviderEventType]: z.infer<(typeof ProviderEventSchemas)[K]> }[ProviderEventType];
