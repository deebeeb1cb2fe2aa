// Which roles may run each exumctl command: the API's role split (server admins configure
// routing, user admins manage users, operators tenants), so a command can take the config
// file's context whose role allows it. Kept in step with the API's routes by a unit test.
import type { Role } from '../lib/domain/credential.js';
import { OPERATORS, READERS, SERVER_ADMINS, USER_ADMINS } from '../lib/api/route.js';

/** Who may ask POST /v1/resolve (test-voicemail). */
export const RESOLVERS: readonly Role[] = ['gateway', 'server-admin', 'user-admin', 'reader'];

/** Groups whose writes are routing configuration (server admins). */
const SERVER_ADMIN_GROUPS = new Set(['provider', 'policy', 'edge', 'dial-plan', 'rerouting']);
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
  if (group === 'export' || group === 'audit' || READS.has(verb)) return group === 'credential' ? OPERATORS : READERS;
  if (group === 'policy' && (verb === 'grant' || verb === 'revoke')) return USER_ADMINS;
  if (SERVER_ADMIN_GROUPS.has(group)) return SERVER_ADMINS;
  if (USER_ADMIN_GROUPS.has(group)) return USER_ADMINS;
  if (group === 'tenant' || group === 'credential') return OPERATORS;
  return undefined;
}
