import { DWClient, EventAck, TOPIC_ROBOT, type DWClientDownStream, type EventAckData } from 'dingtalk-stream';
import type { BotLogger } from '../../runtime/bot.js';
import { describeIssues, robotMessageSchema, type RobotMessage } from './dingtalk-message.js';

export { TOPIC_ROBOT };

/** The part of `DWClient` the adapter uses; tests hand in a fake so no connection is ever opened. */
export interface DingTalkStreamClient {
  registerCallbackListener(topic: string, callback: (downstream: DWClientDownStream) => void): unknown;
  socketCallBackResponse(messageId: string, result: unknown): void;
  connect(): Promise<void>;
  disconnect(): void;
}

export type DingTalkStreamClientFactory = (credentials: {
  appKey: string;
  appSecret: string;
}) => DingTalkStreamClient;

/** The official client: one outbound WebSocket, no public URL needed; it reconnects by itself. */
export const createDingTalkStreamClient: DingTalkStreamClientFactory = ({ appKey, appSecret }) =>
  new DWClient({ clientId: appKey, clientSecret: appSecret, keepAlive: true });

export type StreamOutcome = 'accepted' | 'refused' | 'invalid';

/** "Taken, do not redeliver", in the SDK's own vocabulary. */
export const STREAM_ACK: EventAckData = { status: EventAck.SUCCESS };

/**
 * Handles one robot callback from Stream mode. Every callback is acknowledged, whatever its fate:
 * an unacknowledged one comes back for about a minute, and a malformed one would never get better.
 */
export function handleRobotCallback(
  client: DingTalkStreamClient,
  downstream: DWClientDownStream,
  receive: (message: RobotMessage) => boolean,
  log: BotLogger,
): StreamOutcome {
  const messageId = downstream.headers?.messageId;
  let outcome: StreamOutcome = 'invalid';
  try {
    const parsed = robotMessageSchema.safeParse(parseJson(downstream.data));
    if (!parsed.success) {
      log.warn({ messageId, details: describeIssues(parsed.error) }, 'dingtalk stream message refused');
    } else if (receive(parsed.data)) {
      outcome = 'accepted';
    } else {
      outcome = 'refused';
      log.warn({ messageId, msgId: parsed.data.msgId }, 'dingtalk stream message arrived while stopped');
    }
  } catch (err) {
    log.error({ err, messageId }, 'dingtalk stream message not handled');
  } finally {
    if (messageId) client.socketCallBackResponse(messageId, STREAM_ACK);
  }
  return outcome;
}

/** Subscribes to robot messages and connects; returns what stops the connection. */
export async function startDingTalkStream(
  client: DingTalkStreamClient,
  receive: (message: RobotMessage) => boolean,
  log: BotLogger,
): Promise<() => void> {
  // Subscriptions are sent when connecting, so the listener has to be registered first.
  client.registerCallbackListener(TOPIC_ROBOT, (downstream) => {
    handleRobotCallback(client, downstream, receive, log);
  });
  await client.connect();
  return () => client.disconnect();
}

function parseJson(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}
