import type { Context, Middleware } from 'koa';
import { languageFromAcceptLanguage, translator } from '../../../shared/i18n/index.js';
import type { InboundMessage } from '../../../shared/messages.js';
import type { BotLogger } from '../../runtime/bot.js';
import { FlatXmlError, parseFlatXml } from './flat-xml.js';
import { BodyTooLargeError, readRawBody } from '../../runtime/webhook-body.js';
import { MemoryReplayGuard, type ReplayGuard } from './replay-guard.js';
import { decryptWeCom, verifyWeComSignature, WeComCryptoError, type Decrypted } from './wecom-crypto.js';
import {
  MalformedMessageError,
  normaliseAppMessage,
  normaliseRobotMessage,
  type Normalised,
} from './wecom-inbound.js';

export const WECOM_WEBHOOK_PATH = '/webhooks/wecom';
/** Requests whose timestamp is further than this from now are refused, which bounds the replay window. */
export const MAX_SKEW_MS = 5 * 60_000;
const MAX_BODY_BYTES = 64 * 1024;

/** One set of callback credentials: the app's (receive id = CorpID) or the intelligent robot's (receive id ''). */
export interface WeComCallbackProfile {
  kind: 'app' | 'robot';
  token: string;
  encodingAesKey: string;
  receiveId: string;
}

/** What the webhook hands verified messages to; WeComAdapter is one. */
export interface WeComReceiver {
  readonly accountId: string;
  readonly callbackProfiles: readonly WeComCallbackProfile[];
  readonly botNames: readonly string[];
  readonly log: BotLogger;
  /** Whether a message handed on now would reach the bot (false before start and after stop). */
  readonly accepting: boolean;
  receive(message: InboundMessage, responseUrl: string | null): void;
}

export interface WeComWebhookOptions {
  path?: string;
  replayGuard?: ReplayGuard;
  now?: () => number;
}

type Failure = { status: number; code: string; key: string };

const fail = (status: number, code: string, key: string): Failure => ({ status, code, key });
const MISSING = fail(401, 'signature_missing', 'errors.badSignature');
const BAD_SIGNATURE = fail(401, 'signature_invalid', 'errors.badSignature');
const STALE = fail(401, 'timestamp_stale', 'errors.staleTimestamp');
const REPLAYED = fail(401, 'request_replayed', 'wecom.replayed');
const UNDECRYPTABLE = fail(400, 'undecryptable', 'wecom.undecryptable');
const WRONG_RECEIVER = fail(400, 'wrong_receiver', 'wecom.wrongReceiver');
const BAD_MESSAGE = fail(400, 'bad_message', 'wecom.badMessage');
const TOO_LARGE = fail(413, 'payload_too_large', 'errors.payloadTooLarge');
const NOT_READY = fail(503, 'not_ready', 'errors.shuttingDown');

class Rejected extends Error {
  constructor(
    readonly failure: Failure,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function query(ctx: Context, name: string): string | null {
  const value = ctx.query[name];
  return typeof value === 'string' && value.length > 0 && value.length <= 4096 ? value : null;
}

/**
 * `GET /webhooks/wecom` answers WeCom's URL verification with the decrypted echostr; `POST` takes the
 * app callback (XML) and the intelligent-robot callback (JSON). Each request must carry a valid
 * msg_signature and a timestamp within five minutes, may be seen once, must decrypt and name the
 * expected receive id; then the message is handed on and WeCom gets an empty 200 at once (it retries
 * after five seconds). Anything else gets 401/400 and reaches nothing.
 */
export function wecomWebhook(receiver: WeComReceiver, options: WeComWebhookOptions = {}): Middleware {
  const path = options.path ?? WECOM_WEBHOOK_PATH;
  const now = options.now ?? Date.now;
  const replayGuard = options.replayGuard ?? new MemoryReplayGuard(now);

  /** Checks the query and signature and claims the nonce; returns the profiles whose token signed it. */
  async function authenticate(ctx: Context, encrypted: string, kinds: readonly string[]) {
    const signature = query(ctx, 'msg_signature');
    const timestamp = query(ctx, 'timestamp');
    const nonce = query(ctx, 'nonce');
    if (!signature || !timestamp || !nonce) {
      throw new Rejected(MISSING, 'msg_signature, timestamp or nonce missing');
    }
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now() - Number(timestamp) * 1000) > MAX_SKEW_MS) {
      throw new Rejected(STALE, `timestamp ${timestamp.slice(0, 16)} outside the window`);
    }
    const signedBy = receiver.callbackProfiles.filter(
      (p) => kinds.includes(p.kind) && verifyWeComSignature(p.token, timestamp, nonce, encrypted, signature),
    );
    if (signedBy.length === 0) throw new Rejected(BAD_SIGNATURE, 'msg_signature does not match');
    // A timestamp stays acceptable for MAX_SKEW_MS either side of now, so remember the pair that long.
    if (!(await replayGuard.claim(`${nonce}\n${signature.toLowerCase()}`, 2 * MAX_SKEW_MS))) {
      throw new Rejected(REPLAYED, 'nonce and signature already seen');
    }
    return signedBy;
  }

  /** Decrypts with the first signing profile whose key works and whose receive id matches. */
  function open(profiles: readonly WeComCallbackProfile[], encrypted: string): Decrypted {
    let decrypted: Decrypted | null = null;
    for (const profile of profiles) {
      try {
        decrypted = decryptWeCom(profile.encodingAesKey, encrypted);
      } catch (err) {
        if (err instanceof WeComCryptoError) continue;
        throw err;
      }
      if (decrypted.receiveId === profile.receiveId) return decrypted;
    }
    if (decrypted) throw new Rejected(WRONG_RECEIVER, 'receive id does not match');
    throw new Rejected(UNDECRYPTABLE, 'body does not decrypt');
  }

  async function verifyUrl(ctx: Context): Promise<void> {
    // Base64 has no spaces: a `+` that arrived unencoded was read as a space.
    const echostr = query(ctx, 'echostr')?.replace(/ /g, '+');
    if (!echostr) throw new Rejected(MISSING, 'echostr missing');
    const plain = open(await authenticate(ctx, echostr, ['app', 'robot']), echostr);
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = plain.message;
  }

  async function callback(ctx: Context): Promise<void> {
    if (!receiver.accepting) throw new Rejected(NOT_READY, 'adapter not started');
    let raw: string;
    try {
      raw = await readRawBody(ctx, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new Rejected(TOO_LARGE, err.message);
      throw err;
    }
    const kind = raw.trimStart().startsWith('<') ? 'app' : 'robot';
    const encrypted = kind === 'app' ? appEnvelope(raw) : robotEnvelope(raw);
    const plain = open(await authenticate(ctx, encrypted, [kind]), encrypted);
    const at = now();
    let result: Normalised;
    try {
      result =
        kind === 'app'
          ? normaliseAppMessage(parseFlatXml(plain.message), receiver.accountId, at)
          : normaliseRobotMessage(JSON.parse(plain.message), receiver.accountId, receiver.botNames, at);
    } catch (err) {
      if (err instanceof FlatXmlError || err instanceof SyntaxError || err instanceof MalformedMessageError) {
        throw new Rejected(BAD_MESSAGE, `decrypted ${kind} message unreadable: ${err.message}`);
      }
      throw err;
    }
    if ('ignored' in result) {
      receiver.log.info({ account: receiver.accountId, what: result.ignored }, 'wecom callback ignored');
    } else {
      receiver.receive(result.message, result.responseUrl);
    }
    ctx.status = 200;
    ctx.body = '';
  }

  return async (ctx, next) => {
    if (ctx.path !== path || (ctx.method !== 'GET' && ctx.method !== 'POST')) return next();
    try {
      await (ctx.method === 'GET' ? verifyUrl(ctx) : callback(ctx));
    } catch (err) {
      if (!(err instanceof Rejected)) throw err;
      const { status, code, key } = err.failure;
      receiver.log.warn(
        { account: receiver.accountId, method: ctx.method, status, code, detail: err.detail },
        'wecom callback rejected',
      );
      const t = translator(languageFromAcceptLanguage(ctx.get('accept-language')));
      ctx.status = status;
      ctx.body = { error: { code, message: t(key) } };
    }
  };
}

/** `<xml><ToUserName/><AgentID/><Encrypt/></xml>` → the Encrypt text. */
function appEnvelope(raw: string): string {
  try {
    const encrypted = parseFlatXml(raw).get('Encrypt');
    if (encrypted) return encrypted.trim();
  } catch (err) {
    if (!(err instanceof FlatXmlError)) throw err;
  }
  throw new Rejected(BAD_MESSAGE, 'app callback body is not <xml> with <Encrypt>');
}

/** `{"encrypt": "…"}` → the encrypt string. */
function robotEnvelope(raw: string): string {
  try {
    const body = JSON.parse(raw) as unknown;
    if (
      body &&
      typeof body === 'object' &&
      'encrypt' in body &&
      typeof body.encrypt === 'string' &&
      body.encrypt
    ) {
      return body.encrypt;
    }
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  throw new Rejected(BAD_MESSAGE, 'robot callback body is not JSON with "encrypt"');
}
