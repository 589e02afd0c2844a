import { hint, OneTimeCodes, startStandIn } from './stand-in-server.js';
import type { StandIn, StandInReply, StandInRequest } from './stand-in-server.js';

export interface WecomRobotStandInOptions {
  /** Keys of robots that exist; any key is accepted when omitted. */
  keys?: string[];
  /** Messages one robot may send per window: 20 a minute (消息推送配置说明, 消息发送频率限制). */
  limit?: number;
  windowMs?: number;
  latencyMs?: number;
  now?: () => number;
}

/** One request to a robot webhook or response_url, with the errcode it was answered. */
export interface WecomRobotCall {
  /** The webhook key, or `response:<code>` for a response_url. */
  key: string;
  body: unknown;
  at: number;
  errcode: number;
}

export interface WecomRobotStandIn extends StandIn {
  /** `http://127.0.0.1:<port>/cgi-bin/webhook/send?key=<key>`. */
  webhookUrl(key: string): string;
  /** A fresh one-shot response_url, as an intelligent-robot callback carries; valid for an hour. */
  issueResponseUrl(): string;
  /** Every call, accepted or not, in order. */
  readonly received: readonly WecomRobotCall[];
  /** Bodies accepted (errcode 0) for one key, in order. */
  delivered(key: string): unknown[];
  /** How many calls were refused with 45009. */
  readonly overLimit: number;
  /** The robot is removed from its group: its key answers 93000 from now on. */
  removeRobot(key: string): void;
}

export const ROBOT_LIMIT_PER_MINUTE = 20;
const RESPONSE_URL_TTL_MS = 60 * 60_000;

/** The byte limits the docs give for content; other failures use codes the docs list as global. */
const MAX_BYTES: Record<string, number> = { text: 2048, markdown: 4096 };

/**
 * WeCom's group robot webhook (`POST /cgi-bin/webhook/send?key=…`, answering HTTP 200 with
 * `{errcode, errmsg}`) enforcing 20 accepted messages per rolling minute per key (45009 beyond it),
 * plus the intelligent robot's one-shot `response_url` (`POST /cgi-bin/aibot/response`).
 */
export async function startWecomRobotStandIn(
  options: WecomRobotStandInOptions = {},
): Promise<WecomRobotStandIn> {
  const limit = options.limit ?? ROBOT_LIMIT_PER_MINUTE;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const known = options.keys ? new Set(options.keys) : null;
  const removed = new Set<string>();
  const sentAt = new Map<string, number[]>();
  const calls: WecomRobotCall[] = [];
  const responseCodes = new OneTimeCodes<number>('rc');
  const counters = { overLimit: 0 };

  const answer = (key: string, body: unknown, errcode: number, errmsg: string): StandInReply => {
    calls.push({ key, body, at: now(), errcode });
    if (errcode === 45009) counters.overLimit += 1;
    return {
      json:
        errcode === 0
          ? { errcode, errmsg }
          : {
              errcode,
              errmsg: `${errmsg}, ${hint()}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`,
            },
    };
  };

  /** null when the body is a well-formed text or markdown message, else the errcode and errmsg. */
  const invalid = (body: unknown): [number, string] | null => {
    if (!body || typeof body !== 'object' || !('msgtype' in body)) return [40008, 'invalid message type'];
    const type = String(body.msgtype);
    const max = MAX_BYTES[type];
    const part = (body as Record<string, unknown>)[type];
    const content = part && typeof part === 'object' && 'content' in part ? part.content : undefined;
    if (max === undefined) return [40008, 'invalid message type'];
    if (typeof content !== 'string' || content.length === 0) return [44004, 'empty content'];
    // Stand-in choice: the docs give the limit but not the errcode WeCom answers when it is exceeded.
    if (Buffer.byteLength(content, 'utf8') > max) return [40058, `content exceed max length ${max}`];
    return null;
  };

  const send = ({ query, body }: StandInRequest): StandInReply => {
    const key = query.get('key') ?? '';
    if (!key || removed.has(key) || (known && !known.has(key))) {
      return answer(key, body, 93000, 'invalid webhook url');
    }
    const problem = invalid(body);
    if (problem) return answer(key, body, ...problem);
    const at = now();
    const recent = (sentAt.get(key) ?? []).filter((t) => t > at - windowMs);
    if (recent.length >= limit) {
      sentAt.set(key, recent);
      return answer(key, body, 45009, 'api freq out of limit');
    }
    recent.push(at);
    sentAt.set(key, recent);
    return answer(key, body, 0, 'ok');
  };

  const respond = ({ query, body }: StandInRequest): StandInReply => {
    const code = query.get('response_code') ?? '';
    const key = `response:${code}`;
    const redeemed = responseCodes.redeem(code);
    // Stand-in choice: WeCom does not document the errcode for a used or expired response_url.
    if (typeof redeemed === 'string' || redeemed.user + RESPONSE_URL_TTL_MS <= now()) {
      return answer(key, body, 40058, 'invalid response_code');
    }
    const problem = invalid(body);
    if (problem) return answer(key, body, ...problem);
    return answer(key, body, 0, 'ok');
  };

  const standIn = await startStandIn(
    { 'POST /cgi-bin/webhook/send': send, 'POST /cgi-bin/aibot/response': respond },
    { latencyMs: options.latencyMs },
  );

  const robot = Object.assign(standIn, {
    webhookUrl: (key: string) => `${standIn.url}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`,
    issueResponseUrl: () =>
      `${standIn.url}/cgi-bin/aibot/response?response_code=${responseCodes.issue(now())}`,
    received: calls,
    delivered: (key: string) => calls.filter((c) => c.key === key && c.errcode === 0).map((c) => c.body),
    removeRobot: (key: string) => {
      removed.add(key);
    },
  });
  // Object.assign would copy a getter's value once; this one must stay live.
  return Object.defineProperty(robot, 'overLimit', {
    get: () => counters.overLimit,
    enumerable: true,
  }) as typeof robot & {
    readonly overLimit: number;
  };
}
