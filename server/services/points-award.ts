/**
 * The one call other features make into the points ledger: "this resident earned this rule's points".
 * The ledger (points.service.ts) implements it; events, reports, polls and notices only see this.
 */
export const POINTS_RULE_KEYS = [
  'eventCheckin',
  'reportAccepted',
  'opinionAdopted',
  'voteCast',
  'noticeAck',
] as const;
export type PointsRuleKey = (typeof POINTS_RULE_KEYS)[number];

export interface PointsAward {
  communityId: string;
  residentId: string;
  rule: PointsRuleKey;
  /** Unique per earning, e.g. `checkin:<eventId>:<residentId>`; a repeat is a no-op. */
  idempotencyKey: string;
  /** For per-hour rules (event check-in): hours of service; defaults to 1. */
  hours?: number;
  /** Volunteer service minutes for the time bank, credited alongside the points. */
  serviceMinutes?: number;
  /** Shown in the resident's history, e.g. the event's title. */
  memo?: string;
}

export interface PointsAwardResult {
  /** credited: applied now; duplicate: this key was applied before; capped: the rule's cap is reached;
   * noRule: the community gives no points for this rule. */
  status: 'credited' | 'duplicate' | 'capped' | 'noRule';
  points: number;
  serviceMinutes: number;
}

export interface PointsAwarder {
  award(input: PointsAward): Promise<PointsAwardResult>;
}
