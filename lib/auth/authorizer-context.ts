// What the authorizer tells the API handlers about the caller, in the request context. API
// Gateway passes authorizer context values as strings, so "no tenant" and "no provider" travel
// as empty strings. The local server fills the same context.
import * as z from 'zod';
import { ROLES, type Actor } from '../domain/credential.js';

const AuthorizerContextSchema = z.object({
  credentialId: z.string().min(1),
  role: z.enum(ROLES),
  tenantId: z.string(),
  providerId: z.string(),
});
type AuthorizerContext = z.output<typeof AuthorizerContextSchema>;

export const authorizerContextOf = (actor: Actor): AuthorizerContext => ({
  credentialId: actor.credentialId,
  role: actor.role,
  tenantId: actor.tenantId ?? '',
  providerId: actor.providerId ?? '',
});

/** The actor an authorizer context describes; undefined when the context is not one (no credential was checked). */
export function actorFromAuthorizerContext(context: unknown): Actor | undefined {
  const parsed = AuthorizerContextSchema.safeParse(context);
  if (!parsed.success) return undefined;
  const { credentialId, role, tenantId, providerId } = parsed.data;
  return { credentialId, role, tenantId: tenantId === '' ? null : tenantId, providerId: providerId === '' ? null : providerId };
}
