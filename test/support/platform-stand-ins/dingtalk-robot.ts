import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local DingTalk for robot sends: custom robots (`/robot/send?access_token=…`, signed with their
 * `SEC…` secret when they have one) and session webhooks (`/robot/sendBySession?session=…`). It
 * enforces the published rules: signature and one-hour timestamp window (310000), known token
 * (300001), 20 messages a minute per robot and then ten minutes of refusal (130101), bodies up to
 * 20,000 bytes (460101). The signature is recomputed here from the documented algorithm, not with
 * the project's code.
 */
export interface DingTalkRobotStandInOptions {
  now?: () => number;
  limitPerMinute?: number;
  blockMs?: number;
}

export interface RecordedMessage {
  via: 'robot' | 'session';
  /** The robot's access token, or the robot a session belongs to. */
  robot: string;
  body: unknown;
  at: number;
}

export interface StandInRobot {
  accessToken: string;
  webhookUrl: string;
  secret?: string;
}

export interface StandInSession {
  robot: string;
  sessionWebhook: string;
  expiresAt: number;
}

export interface DingTalkRobotStandIn {
  /** `127.0.0.1:<port>`, for the adapter's allowlist. */
  host: string;
  baseUrl: string;
  /** Messages accepted (errcode 0), in order. */
  messages: RecordedMessage[];
  /** Every request that reached the stand-in, accepted or not. */
  requests: { path: string; errcode: number }[];
  addRobot(options?: { secret?: string | null }): StandInRobot;
  addSession(options: { robot: string; expiresAt: number }): StandInSession;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 20_000;
const MAX_SKEW_MS = 60 * 60 * 1000;
const WINDOW_MS = 60 * 1000;

interface RateState {
  sent: number[];
  blockedUntil: number;
}

export async function startDingTalkRobotStandIn(
  options: DingTalkRobotStandInOptions = {},
): Promise<DingTalkRobotStandIn> {
  const now = options.now ?? Date.now;
  const limit = options.limitPerMinute ?? 20;
  const blockMs = options.blockMs ?? 10 * 60 * 1000;
  const robots = new Map<string, { secret?: string }>();
  const rates = new Map<string, RateState>();
  const sessions = new Map<string, { robot: string; expiresAt: number }>();
  const messages: RecordedMessage[] = [];
  const requests: { path: string; errcode: number }[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const raw = await readBody(req);
    const answer = (errcode: number, errmsg: string) => {
      requests.push({ path: url.pathname, errcode });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errcode, errmsg }));
    };
    if (req.method !== 'POST') return answer(404, 'not found');

    let via: RecordedMessage['via'];
    let robotName: string;
    if (url.pathname === '/robot/send') {
      via = 'robot';
      robotName = url.searchParams.get('access_token') ?? '';
      const robot = robots.get(robotName);
      if (!robot) return answer(300001, 'token is not exist');
      if (robot.secret !== undefined) {
        const timestamp = url.searchParams.get('timestamp') ?? '';
        const sign = url.searchParams.get('sign') ?? '';
        if (!/^\d+$/.test(timestamp) || Math.abs(now() - Number(timestamp)) > MAX_SKEW_MS) {
          return answer(310000, 'invalid timestamp');
        }
        const expected = createHmac('sha256', robot.secret)
          .update(`${timestamp}\n${robot.secret}`)
          .digest('base64');
        if (sign !== expected) return answer(310000, 'sign not match');
      }
    } else if (url.pathname === '/robot/sendBySession') {
      via = 'session';
      const session = sessions.get(url.searchParams.get('session') ?? '');
      if (!session || session.expiresAt <= now()) return answer(300001, 'session is not exist or expired');
      robotName = session.robot;
    } else {
      return answer(404, 'not found');
    }

    if (Buffer.byteLength(raw) > MAX_BODY_BYTES)
      return answer(460101, 'message too long, exceed 20000 bytes');
    let body: unknown;
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      return answer(40035, 'invalid json');
    }
    if (!isValidMessage(body)) return answer(40035, 'invalid message');

    const state = rates.get(robotName) ?? { sent: [], blockedUntil: 0 };
    rates.set(robotName, state);
    const t = now();
    state.sent = state.sent.filter((at) => at > t - WINDOW_MS);
    if (state.blockedUntil > t) return answer(130101, 'send too fast, exceed 20 times per minute');
    if (state.sent.length >= limit) {
      state.blockedUntil = t + blockMs;
      return answer(130101, 'send too fast, exceed 20 times per minute');
    }
    state.sent.push(t);
    messages.push({ via, robot: robotName, body, at: t });
    return answer(0, 'ok');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  const baseUrl = `http://${host}`;

  return {
    host,
    baseUrl,
    messages,
    requests,
    addRobot({ secret }: { secret?: string | null } = {}) {
      const accessToken = randomBytes(16).toString('hex');
      const robotSecret = secret === null ? undefined : (secret ?? `SEC${randomBytes(32).toString('hex')}`);
      robots.set(accessToken, { secret: robotSecret });
      return {
        accessToken,
        webhookUrl: `${baseUrl}/robot/send?access_token=${accessToken}`,
        secret: robotSecret,
      };
    },
    addSession({ robot, expiresAt }) {
      const id = randomBytes(16).toString('hex');
      sessions.set(id, { robot, expiresAt });
      return { robot, expiresAt, sessionWebhook: `${baseUrl}/robot/sendBySession?session=${id}` };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function isValidMessage(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const m = body as Record<string, Record<string, unknown> | undefined>;
  const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;
  switch (m.msgtype as unknown) {
    case 'text':
      return nonEmpty(m.text?.content);
    case 'markdown':
      return nonEmpty(m.markdown?.title) && nonEmpty(m.markdown?.text);
    case 'link':
      return nonEmpty(m.link?.title) && nonEmpty(m.link?.text) && nonEmpty(m.link?.messageUrl);
    default:
      return false;
  }
}
