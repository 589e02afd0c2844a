import path from 'node:path';
import { z } from 'zod';
import { providerEnvShape } from './auth/providers/config.js';
import { channelEnvShape, checkPlatformEnv, configuredPlatforms } from './platform-config.js';

const booleanish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Everything the server reads from the environment, validated once at start. */
const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  /** Public base URL used in links sent to chats (mini-app short links). */
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().default('./data'),
  MONGODB_URI: z.string().optional(),
  MONGODB_DB: z.string().default('neighbourhood'),
  /** Which local engine to start when MONGODB_URI is absent. */
  ENGINE: z.enum(['auto', 'mongod', 'ferretdb-sqlite', 'ferretdb-postgresql']).default('auto'),
  POSTGRES_URL: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Shared secret between bot processes and the gateway (HMAC over timestamp and body). */
  GATEWAY_SECRET: z.string().min(16).optional(),
  /** Demo mode seeds a community on an empty database and serves the simulator. */
  DEMO: booleanish.optional(),
  /** Run the bot runtime inside the server process (the default); false when bots run on their own. */
  BOT_EMBEDDED: booleanish.default(true),
  WECHATY_PUPPET: z.string().optional(),
  WECHATY_PUPPET_SERVICE_TOKEN: z.string().optional(),
  /** WeCom, DingTalk and WeChat sign-in (see auth/providers/config.ts) and channels (platform-config.ts). */
  ...providerEnvShape,
  ...channelEnvShape,
  /** Encrypts personal data at rest: 32 bytes as hex or base64; kept in `<DATA_DIR>/data-key` when absent. */
  DATA_KEY: z.string().optional(),
  /** Signs session cookies (at least 32 characters); kept in `<DATA_DIR>/session-secret` when absent. */
  SESSION_SECRET: z.string().min(32).optional(),
  /** Open311 GeoReport v2 API keys, comma separated; admins can issue more. */
  OPEN311_API_KEYS: z.string().max(10_000).optional(),
  /** How long a mini-app sign-in lasts. */
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 7),
  /** Seconds to wait for in-flight work on SIGTERM before giving up. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(600).default(25),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config extends Omit<RawConfig, 'DEMO' | 'GATEWAY_SECRET'> {
  DEMO: boolean;
  /** Generated per run when not configured, which only works when bot and server share a process. */
  GATEWAY_SECRET: string;
  gatewaySecretGenerated: boolean;
  dataDir: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, generateSecret: () => string): Config {
  const result = configSchema.superRefine(checkPlatformEnv).safeParse(env);
  if (!result.success) {
    const details = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${details}`);
  }
  const raw = result.data;
  const generated = raw.GATEWAY_SECRET === undefined;
  return {
    ...raw,
    // Demo mode has a one-tap sign-in: on by itself only outside production and with no real platform.
    DEMO: raw.DEMO ?? (raw.NODE_ENV !== 'production' && configuredPlatforms(raw).length === 0),
    GATEWAY_SECRET: raw.GATEWAY_SECRET ?? generateSecret(),
    gatewaySecretGenerated: generated,
    dataDir: path.resolve(raw.DATA_DIR),
  };
}
