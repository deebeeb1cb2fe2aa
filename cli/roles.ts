// Which roles may run each exumctl command: the API's role split (server admins configure
// routing, user admins manage users, operators tenants), so a command can take the config
// file's context whose role allows it. Kept in step with the API's routes by a unit test.
import type { Role } from '../lib/domain/credential.js';
import { OPERATORS, READERS, SERVER_ADMINS, USER_ADMINS } from '../lib/api/route.js';

/** Who may ask POST /v1/resolve (test-voicemail). */
export const RESOLVERS: readonly Role[] = ['gateway', 'server-admin', 'user-admin', 'reader'];

/** Groups whose writes are routing configuration (server admins). */
const SERVER_ADMIN_GROUPS = new Set(['provider', 'policy', 'edge', 'gateway-settings', 'dial-plan', 'rerouting']);
/** Groups whose writes are users and their voicemail (user admins): the dead letters are events about them. */
const USER_ADMIN_GROUPS = new Set(['user', 'contact', 'migration', 'import', 'dead-letters']);
const READS = new Set(['get', 'list', 'status']);

/**
 * The roles that may run a command, named by its path ("provider new"); undefined for commands
 * that need none (config) or whose role depends on their input (apply: the sections of the file).
 */
export function rolesFor(path: readonly string[]): readonly Role[] | undefined {
  const [group = '', verb = ''] = path;
  if (group === 'test-voicemail') return RESOLVERS;
  if (group === 'config' || group === 'apply') return undefined;
  if (group === 'operator-credential') return OPERATORS;
  if (group === 'export' || group === 'audit' || READS.has(verb)) return group === 'credential' ? OPERATORS : READERS;
  if (group === 'policy' && (verb === 'grant' || verb === 'revoke')) return USER_ADMINS;
  if (SERVER_ADMIN_GROUPS.has(group)) return SERVER_ADMINS;
  if (USER_ADMIN_GROUPS.has(group)) return USER_ADMINS;
  if (group === 'tenant' || group === 'credential') return OPERATORS;
  return undefined;
}

/** An API operation as the route table names it, and the roles its route allows. */
export interface Operation {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  roles: readonly Role[];
}

type ApplySection =
  'edge' | 'gateway-settings' | 'hosting-providers' | 'voicemail-policies' | 'dial-plans' | 'rerouting' | 'users' | 'contacts';

/**
 * The operation `apply` calls for a step of its plan (users are created and updated in batches),
 * with the roles that may call it: what a dry run checks before it plans, so it fails as the real
 * apply would. Kept in step with the route table by a unit test.
 */
export function applyOperation(section: ApplySection, action: 'create' | 'update' | 'delete'): Operation {
  const base = '/v1/tenants/{tenant}';
  const roles = section === 'users' || section === 'contacts' ? USER_ADMINS : SERVER_ADMINS;
  if (section === 'edge' || section === 'gateway-settings') return { method: 'PUT', path: `${base}/${section}`, roles };
  if (section === 'users' && action !== 'delete') return { method: 'POST', path: `${base}/users/batch`, roles };
  const item = `${base}/${section}/${section === 'users' || section === 'contacts' ? '{sipUri}' : '{id}'}`;
  if (action === 'create') return { method: 'POST', path: `${base}/${section}`, roles };
  return { method: action === 'update' ? 'PATCH' : 'DELETE', path: item, roles };
}
