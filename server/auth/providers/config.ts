import { z } from 'zod';

/** Deployments often pass unset variables as empty strings; those mean "not configured". */
const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const text = () => z.preprocess(blankToUndefined, z.string().trim().min(1).optional());
const digits = () =>
  z.preprocess(blankToUndefined, z.string().trim().regex(/^\d+$/, 'must be a number').optional());

/**
 * Environment settings of the sign-in providers, as a plain shape so it can be spread into the server's
 * config object (`z.object({ ...existing, ...providerEnvShape })`); apply `checkProviderEnv` in its
 * `superRefine`. A provider is enabled only when all of its settings are present.
 */
export const providerEnvShape = {
  /** WeCom corp id (also used by the WeCom channel, so on its own it enables nothing). */
  WECOM_CORP_ID: text(),
  /** AgentId of the self-built app whose secret is WECOM_SECRET. */
  WECOM_AGENT_ID: digits(),
  /** That app's secret (应用 Secret). */
  WECOM_SECRET: text(),
  DINGTALK_APP_KEY: text(),
  DINGTALK_APP_SECRET: text(),
  /** Official account (服务号) AppID and AppSecret for WeChat web authorization. */
  WECHAT_APP_ID: text(),
  WECHAT_APP_SECRET: text(),
};

type ProviderEnvKey = keyof typeof providerEnvShape;
export type ProviderEnv = { [K in ProviderEnvKey]?: string | undefined };

const GROUPS: ReadonlyArray<{ required: readonly ProviderEnvKey[]; triggers: readonly ProviderEnvKey[] }> = [
  {
    required: ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET'],
    triggers: ['WECOM_AGENT_ID', 'WECOM_SECRET'],
  },
  {
    required: ['DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET'],
    triggers: ['DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET'],
  },
  { required: ['WECHAT_APP_ID', 'WECHAT_APP_SECRET'], triggers: ['WECHAT_APP_ID', 'WECHAT_APP_SECRET'] },
];

/** A half-configured provider is a mistake worth failing start-up for, not a silently missing sign-in. */
export function checkProviderEnv(env: ProviderEnv, ctx: z.RefinementCtx): void {
  for (const { required, triggers } of GROUPS) {
    if (!triggers.some((key) => env[key] !== undefined)) continue;
    for (const key of required) {
      if (env[key] === undefined) {
        const given = triggers.filter((k) => env[k] !== undefined).join(', ');
        ctx.addIssue({ code: 'custom', path: [key], message: `required when ${given} is set` });
      }
    }
  }
}

export const providerEnvSchema = z.object(providerEnvShape).superRefine(checkProviderEnv);
