// Runtime configuration, parsed once from the environment at start-up by the entry points
// (functions/, bin/) and passed down. Nothing in lib/ reads process.env.
import * as z from 'zod';
import { parseAllowedPorts } from './domain/endpoint-rules.js';
import { parseLogLevel, type LogLevel } from './logging.js';

const FunctionEnvironmentSchema = z.object({
  TABLE_NAME: z.string().min(3),
  /** Set only when running against DynamoDB Local. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  /** Staleness bound of the hot path's configuration cache, in milliseconds. */
  CONFIG_CACHE_MS: z.coerce.number().int().min(0).max(60_000).optional(),
  /** Providers' signing secrets go to Secrets Manager under this name prefix; unset: kept inline (local). */
  PROVIDER_SECRETS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,64}$/)
    .optional(),
  /** Ports besides 443 a provider's event endpoint may name, comma-separated (e.g. "8443"); unset: none. */
  EXUM_PROVIDER_ALLOWED_PORTS: z.string().optional(),
  /** DEBUG, INFO (default), WARN, ERROR or SILENT, any case; Powertools' name first, as Powertools reads them. */
  POWERTOOLS_LOG_LEVEL: z.string().optional(),
  LOG_LEVEL: z.string().optional(),
});

export interface FunctionConfig {
  tableName: string;
  dynamoEndpoint?: string;
  region: string;
  configCacheMs?: number;
  providerSecretsPrefix?: string;
  /** Ports besides 443 a provider's event endpoint may name (lib/domain/endpoint-rules.ts). */
  providerAllowedPorts: number[];
  logLevel: LogLevel;
}

export function loadFunctionConfig(env: NodeJS.ProcessEnv): FunctionConfig {
  const parsed = FunctionEnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const {
    TABLE_NAME,
    DYNAMODB_ENDPOINT,
    AWS_REGION,
    CONFIG_CACHE_MS,
    PROVIDER_SECRETS_PREFIX,
    EXUM_PROVIDER_ALLOWED_PORTS,
    POWERTOOLS_LOG_LEVEL,
    LOG_LEVEL,
  } = parsed.data;
  return {
    tableName: TABLE_NAME,
    providerAllowedPorts: parseAllowedPorts(EXUM_PROVIDER_ALLOWED_PORTS),
    region: AWS_REGION,
    logLevel: parseLogLevel(POWERTOOLS_LOG_LEVEL ?? LOG_LEVEL, 'INFO'),
    ...(DYNAMODB_ENDPOINT === undefined ? {} : { dynamoEndpoint: DYNAMODB_ENDPOINT }),
    ...(CONFIG_CACHE_MS === undefined ? {} : { configCacheMs: CONFIG_CACHE_MS }),
    ...(PROVIDER_SECRETS_PREFIX === undefined ? {} : { providerSecretsPrefix: PROVIDER_SECRETS_PREFIX }),
  };
}
