// The declarative tenant file of `exumctl apply` and `exumctl export`: a tenant's whole desired
// configuration in YAML or JSON, checked with the API's own create schemas (so it normalises
// exactly as the API does). Its JSON Schema is docs/tenant-file.schema.json.
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { ContactCreateSchema } from '../../lib/domain/contact.js';
import { DialPlanCreateSchema } from '../../lib/domain/dial-plan.js';
import { EdgeSchemaInput } from '../../lib/domain/edge.js';
import { tenantId, text } from '../../lib/domain/fields.js';
import { GatewaySettingsSchemaInput } from '../../lib/domain/gateway-settings.js';
import { eventEndpointUrl, HostingProviderCreateSchema } from '../../lib/domain/hosting-provider.js';
import { ReroutingCreateSchema } from '../../lib/domain/rerouting.js';
import { UserCreateSchema } from '../../lib/domain/user.js';
import { VoicemailPolicyCreateSchema } from '../../lib/domain/voicemail-policy.js';
import { issuesFromZod, type FieldIssue } from '../../lib/errors.js';

export const TENANT_FILE_API_VERSION = 'exum-router/v1';

/**
 * A provider's event endpoint. The service never shows a signing secret back, so the file may
 * leave it out: it is needed only to create the endpoint or change its URL (or with --rotate-secrets).
 */
const FileEventEndpointSchema = z.strictObject({
  url: eventEndpointUrl,
  secret: text(256).min(24, { error: 'the signing secret must be at least 24 characters' }).optional(),
});

const FileProviderSchema = HostingProviderCreateSchema.extend({ eventEndpoint: FileEventEndpointSchema.nullable().default(null) });

/** Users as an admin declares them: the provider's own flag is the provider's, not the file's. */
const FileUserSchema = UserCreateSchema.extend({
  hostedVoicemail: z
    .strictObject({ admin: z.boolean().nullable().default(null) })
    .default({ admin: null })
    .meta({ description: "The admin's hosted voicemail flag (CsHostedVoiceMail); the provider's flag is not declared" }),
});

const section = <S extends z.ZodType>(schema: S, what: string, key: (item: z.infer<S>) => string) =>
  z
    .array(schema)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, index) => {
        const id = key(item);
        if (seen.has(id))
          ctx.addIssue({ code: 'custom', path: [index], message: `${what} ${id} appears twice`, params: { rule: 'unique-in-file' } });
        seen.add(id);
      });
    })
    .optional()
    .meta({ description: `The tenant's ${what}s. Present: exactly these exist after apply (others are deleted). Absent: left alone.` });

export const TenantFileSchema = z
  .strictObject({
    apiVersion: z.literal(TENANT_FILE_API_VERSION),
    kind: z.literal('TenantConfiguration'),
    tenant: tenantId(),
    edge: EdgeSchemaInput.optional(),
    gatewaySettings: GatewaySettingsSchemaInput.optional().meta({
      description: 'How long gateways may serve a resolve answer while the service cannot answer (stale-if-error). Absent: left alone.',
    }),
    hostingProviders: section(FileProviderSchema, 'hosting provider', (p) => p.id),
    voicemailPolicies: section(VoicemailPolicyCreateSchema, 'voicemail policy', (p) => p.id),
    dialPlans: section(DialPlanCreateSchema, 'dial plan', (d) => d.id),
    rerouting: section(ReroutingCreateSchema, 'rerouting configuration', (r) => r.id),
    users: section(FileUserSchema, 'user', (u) => u.sipUri),
    contacts: section(ContactCreateSchema, 'contact', (c) => c.sipUri),
  })
  .meta({
    title: 'exum-router tenant configuration',
    description: 'The desired configuration of one tenant, for exumctl apply; exumctl export writes it.',
  });

export type TenantFile = z.infer<typeof TenantFileSchema>;
export type FileProvider = z.infer<typeof FileProviderSchema>;
export type FileUser = z.infer<typeof FileUserSchema>;

export type ParsedTenantFile = { ok: true; file: TenantFile } | { ok: false; issues: FieldIssue[] };

/** Parses YAML or JSON text (JSON is YAML) into a checked, normalised tenant file. */
export function parseTenantFile(text: string): ParsedTenantFile {
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    return {
      ok: false,
      issues: [{ field: '(file)', rule: 'yaml', message: (error as Error).message.split('\n')[0] ?? 'not YAML or JSON' }],
    };
  }
  const parsed = TenantFileSchema.safeParse(raw);
  return parsed.success ? { ok: true, file: parsed.data } : { ok: false, issues: issuesFromZod(parsed.error) };
}

export const tenantFileJsonSchema = () => ({
  $id: 'https://exum-router.dev/schemas/tenant-file.schema.json',
  ...z.toJSONSchema(TenantFileSchema, { io: 'input', unrepresentable: 'any' }),
});
