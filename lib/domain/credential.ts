// Credentials: random bearer tokens with one role each (domain reference, section 6).
import * as z from 'zod';
import { name, text } from './fields.js';

export const ROLES = ['operator', 'server-admin', 'user-admin', 'reader', 'gateway', 'provider'] as const;
export type Role = (typeof ROLES)[number];

export const CredentialCreateSchema = z
  .strictObject({
    role: z.enum(['server-admin', 'user-admin', 'reader', 'gateway', 'provider'], {
      error: 'role must be server-admin, user-admin, reader, gateway or provider (operators are not per tenant)',
    }),
    name: text(128).min(1, { error: 'name is required' }),
    providerId: name('provider id').optional(),
  })
  .superRefine((input, ctx) => {
    if (input.role === 'provider' && input.providerId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['providerId'],
        message: 'a provider credential names its provider',
        params: { rule: 'provider-credential-needs-provider' },
      });
    }
    if (input.role !== 'provider' && input.providerId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['providerId'],
        message: 'only provider credentials name a provider',
        params: { rule: 'provider-id-only-for-provider' },
      });
    }
  });
export type CredentialCreate = z.infer<typeof CredentialCreateSchema>;

export const CredentialSchema = z.object({
  id: z.string(),
  tenantId: z.string().nullable(),
  role: z.enum(ROLES),
  name: z.string(),
  providerId: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type Credential = z.infer<typeof CredentialSchema>;

export const CredentialRecordSchema = CredentialSchema.extend({
  tokenHash: z.string(),
  revokedAt: z.string().nullable(),
  revokedBy: z.object({ credentialId: z.string(), role: z.string() }).nullable().optional(),
});
export type CredentialRecord = z.infer<typeof CredentialRecordSchema>;

/** Who made a request, as the authorizer (or the local server) established it. */
export interface Actor {
  credentialId: string;
  role: Role;
  tenantId: string | null;
  providerId: string | null;
}
