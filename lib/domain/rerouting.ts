// Voicemail rerouting (*-CsVoicemailReroutingConfiguration): PSTN numbers offered as the last
// alternate when the primary voicemail target does not answer. Global or per site.
import * as z from 'zod';
import { e164, recordMeta } from './fields.js';

export const reroutingId = () =>
  z
    .string()
    .transform((id) => id.replace(/^site:/i, 'site:'))
    .pipe(z.string().regex(/^(global|site:[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/, { error: 'must be "global" or "site:NAME"' }));

export const ReroutingCreateSchema = z.strictObject({
  id: reroutingId(),
  enabled: z.boolean().default(false),
  autoAttendantNumber: e164().nullable().default(null),
  subscriberAccessNumber: e164().nullable().default(null),
});
export type ReroutingCreate = z.infer<typeof ReroutingCreateSchema>;

export const ReroutingPatchSchema = z.strictObject({
  enabled: z.boolean().optional(),
  autoAttendantNumber: e164().nullable().optional(),
  subscriberAccessNumber: e164().nullable().optional(),
});
export type ReroutingPatch = z.infer<typeof ReroutingPatchSchema>;

export const ReroutingSchema = z.object({
  id: z.string(),
  enabled: z.boolean(),
  autoAttendantNumber: z.string().nullable(),
  subscriberAccessNumber: z.string().nullable(),
  ...recordMeta,
});
export type Rerouting = z.infer<typeof ReroutingSchema>;
