// Provisioning events from the enterprise's systems (EventBridge in AWS, via SQS): versioned
// schemas, one per detail-type. docs/events/ holds their JSON Schemas, generated from these.
import * as z from 'zod';
import { sipAddress, tenantId } from '../domain/fields.js';
import { MigrationCreateSchema } from '../domain/migration.js';

export const PROVISIONING_SCHEMA_VERSION = '1';

const detail = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject({ schemaVersion: z.literal(PROVISIONING_SCHEMA_VERSION), tenantId: tenantId(), ...shape });

const envelope = <T extends string, D extends z.ZodType>(type: T, detailSchema: D) =>
  z.object({
    id: z.string().min(1).max(256).meta({ description: 'The EventBridge event id: applying the same id twice changes nothing' }),
    'detail-type': z.literal(type),
    source: z.string().min(1).max(256),
    time: z.string().optional(),
    detail: detailSchema,
  });

export const ProvisioningEventSchemas = {
  // Upserts carry the fields the source is authoritative for: a new user or contact gets the
  // rest from defaults, an existing one keeps them. Fields are checked when applied.
  'user.upserted': envelope(
    'user.upserted',
    detail({
      user: z.object({ sipUri: sipAddress() }).catchall(z.unknown()).meta({ description: 'Fields of a user (see the users API)' }),
    }),
  ),
  'user.removed': envelope('user.removed', detail({ sipUri: sipAddress() })),
  'contact.upserted': envelope(
    'contact.upserted',
    detail({
      contact: z.object({ sipUri: sipAddress() }).catchall(z.unknown()).meta({ description: 'Fields of a contact (see the contacts API)' }),
    }),
  ),
  'contact.removed': envelope('contact.removed', detail({ sipUri: sipAddress() })),
  'migration.requested': envelope('migration.requested', detail({ migration: MigrationCreateSchema })),
} as const;

export type ProvisioningEventType = keyof typeof ProvisioningEventSchemas;
export const PROVISIONING_EVENT_TYPES = Object.keys(ProvisioningEventSchemas) as ProvisioningEventType[];

export const ProvisioningEventSchema = z.discriminatedUnion('detail-type', [
  ProvisioningEventSchemas['user.upserted'],
  ProvisioningEventSchemas['user.removed'],
  ProvisioningEventSchemas['contact.upserted'],
  ProvisioningEventSchemas['contact.removed'],
  ProvisioningEventSchemas['migration.requested'],
]);
export type ProvisioningEvent = z.infer<typeof ProvisioningEventSchema>;
