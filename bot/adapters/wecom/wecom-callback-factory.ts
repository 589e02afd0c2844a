import { randomBytes } from 'node:crypto';
import { encryptWeCom, wecomSignature } from './wecom-crypto.js';

/**
 * Builds the requests WeCom sends to `/webhooks/wecom`, signed and encrypted as documented, for tests
 * (unit, end-to-end and benchmarks) that play WeCom's side.
 */

export interface CallbackCredentials {
  token: string;
  encodingAesKey: string;
}

export interface SignedRequest {
  /** Query string without the leading `?`. */
  query: string;
  body: string;
  contentType: string;
}

export interface SignOptions {
  /** Seconds since the epoch; now by default. */
  timestamp?: number;
  nonce?: string;
}

function signedQuery(
  credentials: CallbackCredentials,
  encrypted: string,
  options: SignOptions,
  extra = {},
): string {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? String(randomBytes(5).readUIntBE(0, 5));
  const signature = wecomSignature(credentials.token, timestamp, nonce, encrypted);
  return new URLSearchParams({ msg_signature: signature, timestamp, nonce, ...extra }).toString();
}

const cdata = (value: string) => `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

export interface AppTextMessage {
  corpId: string;
  from: string;
  content: string;
  msgId: string;
  agentId?: string;
  createTime?: number;
  chatId?: string;
}

/** The app's inner XML for a text message (接收消息 → 文本消息). */
export function appTextXml(message: AppTextMessage): string {
  const fields = [
    `<ToUserName>${cdata(message.corpId)}</ToUserName>`,
    `<FromUserName>${cdata(message.from)}</FromUserName>`,
    `<CreateTime>${message.createTime ?? Math.floor(Date.now() / 1000)}</CreateTime>`,
    `<MsgType>${cdata('text')}</MsgType>`,
    `<Content>${cdata(message.content)}</Content>`,
    `<MsgId>${message.msgId}</MsgId>`,
    `<AgentID>${message.agentId ?? '1000002'}</AgentID>`,
    ...(message.chatId ? [`<ChatId>${cdata(message.chatId)}</ChatId>`] : []),
  ];
  return `<xml>${fields.join('')}</xml>`;
}

/** An app callback POST carrying `innerXml`, encrypted for `receiveId` (the CorpID). */
export function appCallback(
  credentials: CallbackCredentials,
  receiveId: string,
  innerXml: string,
  options: SignOptions = {},
): SignedRequest {
  const encrypted = encryptWeCom(credentials.encodingAesKey, innerXml, receiveId);
  return {
    query: signedQuery(credentials, encrypted, options),
    body: `<xml><ToUserName>${cdata(receiveId)}</ToUserName><AgentID>${cdata('1000002')}</AgentID><Encrypt>${cdata(encrypted)}</Encrypt></xml>`,
    contentType: 'text/xml',
  };
}

export interface RobotTextMessage {
  msgId: string;
  from: string;
  content: string;
  /** A group chat id; a private chat when absent. */
  chatId?: string;
  responseUrl?: string;
  aibotId?: string;
}

/** The intelligent robot's JSON for a text message (智能机器人 接收消息 → 文本消息). */
export function robotTextJson(message: RobotTextMessage): string {
  return JSON.stringify({
    msgid: message.msgId,
    aibotid: message.aibotId ?? 'aib-test',
    ...(message.chatId ? { chatid: message.chatId } : {}),
    chattype: message.chatId ? 'group' : 'single',
    from: { userid: message.from },
    ...(message.responseUrl ? { response_url: message.responseUrl } : {}),
    msgtype: 'text',
    text: { content: message.content },
  });
}

/** A robot callback POST `{"encrypt": …}`; the robot's receive id is the empty string. */
export function robotCallback(
  credentials: CallbackCredentials,
  innerJson: string,
  options: SignOptions & { receiveId?: string } = {},
): SignedRequest {
  const encrypted = encryptWeCom(credentials.encodingAesKey, innerJson, options.receiveId ?? '');
  return {
    query: signedQuery(credentials, encrypted, options),
    body: JSON.stringify({ encrypt: encrypted }),
    contentType: 'application/json',
  };
}

/** The URL-verification GET: an encrypted `echostr` whose plaintext the server must answer. */
export function urlVerification(
  credentials: CallbackCredentials,
  receiveId: string,
  plaintext: string,
  options: SignOptions = {},
): { query: string } {
  const echostr = encryptWeCom(credentials.encodingAesKey, plaintext, receiveId);
  return { query: signedQuery(credentials, echostr, options, { echostr }) };
}
