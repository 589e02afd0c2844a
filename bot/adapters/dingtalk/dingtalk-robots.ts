import { z } from 'zod';

/** A group's custom robot (自定义机器人): the only way to post to a group without being asked. */
export interface DingTalkRobot {
  /** `https://oapi.dingtalk.com/robot/send?access_token=…` from the robot's settings. */
  webhookUrl: string;
  /** `SEC…` from the robot's security settings (加签); left out for robots secured by keyword or IP. */
  secret?: string;
}

/** Finds the custom robot of a group by its DingTalk conversationId. */
export type DingTalkRobotResolver = (
  conversationId: string,
) => DingTalkRobot | undefined | Promise<DingTalkRobot | undefined>;

const robotsSchema = z
  .array(
    z.object({
      conversationId: z.string().min(1).max(256),
      webhookUrl: z.url({ protocol: /^https?$/ }),
      secret: z.string().startsWith('SEC').optional(),
    }),
  )
  .max(10_000);
export type DingTalkRobotRecord = z.infer<typeof robotsSchema>[number];

/**
 * Robots from configuration, e.g. `DINGTALK_ROBOTS`:
 * `[{"conversationId":"cid…","webhookUrl":"https://oapi.dingtalk.com/robot/send?access_token=…","secret":"SEC…"}]`.
 * An array rather than an object keyed by conversationId, because the ids contain `+`, `/` and `=`
 * and the same records belong in the database later.
 */
export function dingTalkRobotsFromJson(json: string): DingTalkRobotResolver {
  const records = robotsSchema.parse(JSON.parse(json) as unknown);
  return dingTalkRobotsFromRecords(records);
}

export function dingTalkRobotsFromRecords(records: readonly DingTalkRobotRecord[]): DingTalkRobotResolver {
  const byConversation = new Map(
    records.map((r) => [r.conversationId, { webhookUrl: r.webhookUrl, secret: r.secret }] as const),
  );
  return (conversationId) => byConversation.get(conversationId);
}
