import { z } from 'zod';
import { objectIdSchema } from './community.js';

/**
 * Channels registered by admins besides the default ones from the environment: a WeCom app (its
 * callback at `/webhooks/wecom/<id>`), a WeCom group robot, a DingTalk robot app (its callback at
 * `/webhooks/dingtalk/<id>`) and a DingTalk custom robot. Secrets go in and never come out.
 */
export const CHANNEL_KINDS = ['wecomApp', 'wecomRobot', 'dingtalkApp', 'dingtalkRobot'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Where a registered app's callbacks arrive; the default app keeps the bare path. */
export const channelCallbackPath = (kind: 'wecomApp' | 'dingtalkApp', id: string) =>
  kind === 'wecomApp' ? `/webhooks/wecom/${id}` : `/webhooks/dingtalk/${id}`;

const nameSchema = z.string().trim().min(1).max(60);
/** Platform ids (chatid, conversationId) are opaque; DingTalk's contain `+`, `/` and `=`. */
const platformIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'expected printable characters without spaces');

/** A robot's webhook key, or its whole URL carrying `<param>=…`. */
function webhookCredential(param: string, key: RegExp) {
  return z
    .string()
    .trim()
    .max(2048)
    .refine((value) => {
      if (key.test(value)) return true;
      try {
        const url = new URL(value);
        return (
          (url.protocol === 'https:' || url.protocol === 'http:') && Boolean(url.searchParams.get(param))
        );
      } catch {
        return false;
      }
    }, `expected the webhook ${param} or the webhook URL carrying it`);
}

export const wecomAppInputSchema = z
  .object({
    kind: z.literal('wecomApp'),
    name: nameSchema,
    corpId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9]{1,64}$/, 'expected the CorpID'),
    /** 接收消息服务器配置: Token (letters and digits, at most 32) and the 43-character EncodingAESKey. */
    token: z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'expected letters and digits, at most 32'),
    aesKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'expected the 43-character EncodingAESKey'),
    /** The app's AgentId and Secret; optional, as receiving needs neither. */
    agentId: z
      .string()
      .trim()
      .regex(/^\d{1,12}$/, 'expected the AgentId')
      .optional(),
    secret: z
      .string()
      .regex(/^[\w-]{1,128}$/, 'expected the app Secret')
      .optional(),
  })
  .refine((v) => (v.agentId === undefined) === (v.secret === undefined), {
    path: ['secret'],
    message: 'agentId and secret go together',
  });

export const wecomRobotInputSchema = z.object({
  kind: z.literal('wecomRobot'),
  name: nameSchema,
  /** The group robot's webhook key (or URL); a secret, since it is all a sender needs. */
  webhookKey: webhookCredential('key', /^[\w-]{8,128}$/),
  /** The chatids of the groups this robot is in; one robot may serve several groups. */
  chatIds: z
    .array(platformIdSchema)
    .min(1)
    .max(200)
    .transform((ids) => [...new Set(ids)]),
});

export const dingtalkAppInputSchema = z.object({
  kind: z.literal('dingtalkApp'),
  name: nameSchema,
  appKey: z
    .string()
    .trim()
    .regex(/^[\w-]{1,128}$/, 'expected the AppKey'),
  appSecret: z.string().regex(/^[\w-]{1,256}$/, 'expected the AppSecret'),
});

export const dingtalkRobotInputSchema = z.object({
  kind: z.literal('dingtalkRobot'),
  name: nameSchema,
  /** The custom robot's `access_token` (or its webhook URL). */
  accessToken: webhookCredential('access_token', /^[\w-]{8,256}$/),
  /** 加签 secret, `SEC…`. */
  secret: z.string().regex(/^SEC\w{8,256}$/, 'expected the SEC… signing secret'),
  conversationId: platformIdSchema,
});

/** `POST /api/channels`. */
export const createChannelSchema = z.discriminatedUnion('kind', [
  wecomAppInputSchema,
  wecomRobotInputSchema,
  dingtalkAppInputSchema,
  dingtalkRobotInputSchema,
]);
export type CreateChannelInput = z.infer<typeof createChannelSchema>;

export const channelParamsSchema = z.object({ id: objectIdSchema });

const viewBase = { id: z.string(), name: z.string(), createdAt: z.string() };

/** What the API shows of a channel: identifiers and where to point the platform, never a secret. */
export const channelViewSchema = z.discriminatedUnion('kind', [
  z.object({
    ...viewBase,
    kind: z.literal('wecomApp'),
    corpId: z.string(),
    agentId: z.string().nullable(),
    callbackPath: z.string(),
  }),
  z.object({ ...viewBase, kind: z.literal('wecomRobot'), chatIds: z.array(z.string()) }),
  z.object({ ...viewBase, kind: z.literal('dingtalkApp'), appKey: z.string(), callbackPath: z.string() }),
  z.object({ ...viewBase, kind: z.literal('dingtalkRobot'), conversationId: z.string() }),
]);
export type ChannelView = z.infer<typeof channelViewSchema>;
export type ChannelList = { items: ChannelView[] };

/**
 * What the bot fetches over the gateway (`POST /gateway/channels`): every registered channel with
 * the credentials its adapter needs. `revision` changes whenever the set does.
 */
export const channelRecordsSchema = z.object({
  revision: z.string().max(128),
  wecomApps: z.array(z.object({ id: z.string(), corpId: z.string(), token: z.string(), aesKey: z.string() })),
  wecomRobots: z.array(z.object({ id: z.string(), webhookKey: z.string(), chatIds: z.array(z.string()) })),
  dingtalkApps: z.array(z.object({ id: z.string(), appSecret: z.string() })),
  dingtalkRobots: z.array(
    z.object({ id: z.string(), accessToken: z.string(), secret: z.string(), conversationId: z.string() }),
  ),
});
export type ChannelRecords = z.infer<typeof channelRecordsSchema>;

export const EMPTY_CHANNEL_RECORDS: ChannelRecords = {
  revision: '',
  wecomApps: [],
  wecomRobots: [],
  dingtalkApps: [],
  dingtalkRobots: [],
};

/** `POST /gateway/channels`: answers at once when `revision` is stale, else waits up to `waitMs` for a change. */
export const channelRecordsRequestSchema = z.object({
  revision: z.string().max(128).nullable().default(null),
  waitMs: z.number().int().min(0).max(25_000).default(0),
});
