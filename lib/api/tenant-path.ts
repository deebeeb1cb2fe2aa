// The path under which a tenant's resources live, and the schema of its one parameter, shared by
// the route files that serve them.
import * as z from 'zod';
import { tenantId } from '../domain/fields.js';

export const TENANT_PATH = '/v1/tenants/{tenant}';

export const tenantParams = z.strictObject({ tenant: tenantId() });
