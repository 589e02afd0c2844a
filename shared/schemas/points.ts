import { z } from 'zod';

/** Rules a community gives points for; the same list as server/services/points-award.ts. */
export const POINTS_RULES = [
  'eventCheckin',
  'reportAccepted',
  'opinionAdopted',
  'voteCast',
  'noticeAck',
] as const;
export type PointsRule = (typeof POINTS_RULES)[number];

/** Separate balances: neighbourhood points, time-bank minutes (never expire), the vanguard index. */
export const CURRENCIES = ['points', 'serviceMinutes', 'vanguard'] as const;
export type Currency = (typeof CURRENCIES)[number];

export const ENTRY_KINDS = ['earn', 'grant', 'deduct', 'redeem', 'reversal'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Largest single amount anyone may grant, price or cap; keeps integers far from overflow. */
export const MAX_POINTS = 100_000;

const amount = z.number().int().min(0).max(MAX_POINTS);
const cap = amount.nullable();
const objectId = z.string().regex(/^[0-9a-f]{24}$/);
/** A client-chosen id that makes a retried request a no-op. */
const requestId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

export const ruleSettingSchema = z.object({
  rule: z.enum(POINTS_RULES),
  /** Points per earning; for event check-in, per hour of service. 0 turns the rule off. */
  points: amount,
  dayCap: cap,
  weekCap: cap,
  yearCap: cap,
  /** Whether party members' earnings under this rule also count for the vanguard index (先锋指数). */
  vanguard: z.boolean(),
});
export type RuleSetting = z.infer<typeof ruleSettingSchema>;

/** `PUT /api/points/rules`: the whole rule set, one entry per rule. */
export const putRulesSchema = z.object({
  rules: z
    .array(ruleSettingSchema)
    .length(POINTS_RULES.length)
    .refine((rules) => new Set(rules.map((r) => r.rule)).size === POINTS_RULES.length, 'each rule once'),
});
export type PutRulesInput = z.infer<typeof putRulesSchema>;

export interface RulesView {
  rules: RuleSetting[];
  updatedAt: string | null;
}

/** `POST /api/points/grants`: staff give (positive) or take (negative) points, with a reason. */
export const grantSchema = z.object({
  residentId: objectId,
  amount: z
    .number()
    .int()
    .min(-MAX_POINTS)
    .max(MAX_POINTS)
    .refine((n) => n !== 0, 'not zero'),
  currency: z.enum(['points', 'serviceMinutes']).default('points'),
  reason: z.string().trim().min(2).max(200),
  requestId: requestId.optional(),
});
export type GrantInput = z.infer<typeof grantSchema>;

export const historyQuerySchema = z.object({
  currency: z.enum(CURRENCIES).default('points'),
  before: z.string().datetime().optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export const LEADERBOARD_KINDS = ['resident', 'household', 'building'] as const;
export type LeaderboardKind = (typeof LEADERBOARD_KINDS)[number];
export const leaderboardQuerySchema = z.object({
  by: z.enum(LEADERBOARD_KINDS).default('resident'),
  currency: z.enum(CURRENCIES).default('points'),
});

export const entryIdParamSchema = z.object({ id: z.string().min(3).max(200) });
export const objectIdParamSchema = z.object({ id: objectId });

export interface EntryView {
  id: string;
  kind: EntryKind;
  rule: PointsRule | null;
  currency: Currency;
  amount: number;
  memo: string | null;
  at: string;
}

export interface AccountView {
  points: number;
  serviceMinutes: number;
  vanguard: number;
  /** Points earned this calendar month (China time), spending not counted. */
  monthEarned: number;
  /** Place in the resident's building by points earned; null without a household. */
  buildingRank: number | null;
  isPartyMember: boolean;
}

export interface HistoryView {
  items: EntryView[];
  next: string | null;
}

export interface LeaderboardRow {
  rank: number;
  /** Resident's name, household address (`3-2-501`) or building (`3`). */
  label: string;
  total: number;
  mine: boolean;
}
export interface LeaderboardView {
  by: LeaderboardKind;
  currency: Currency;
  rows: LeaderboardRow[];
}

export interface GrantResult {
  entryId: string;
  status: 'applied' | 'duplicate';
  balance: number;
}

/** `GET /api/points/residents?q=`: a name (any part) or an exact address such as `3-2-501`. */
export const grantableQuerySchema = z.object({ q: z.string().trim().min(1).max(40) });

/** A resident staff may grant to, as the grant form lists them: phone masked, balances for context. */
export interface GrantableResidentView {
  id: string;
  name: string;
  /** `3-2-501`; null without a household. */
  address: string | null;
  phone: string | null;
  points: number;
  serviceMinutes: number;
}

export interface ReconciliationView {
  id: string;
  startedAt: string;
  finishedAt: string | null;
  accounts: number;
  repaired: number;
  ok: boolean;
  differences: { accountId: string; currency: Currency; balance: number; entries: number }[];
}

// Rewards and redemptions.

export const MAX_REWARD_TITLE = 60;
export const createRewardSchema = z.object({
  title: z.string().trim().min(1).max(MAX_REWARD_TITLE),
  description: z.string().trim().max(300).default(''),
  price: z.number().int().min(1).max(MAX_POINTS),
  stock: z.number().int().min(0).max(MAX_POINTS),
  /** Staff list a reward for a merchant; merchants always list their own. */
  merchantId: objectId.optional(),
});
export type CreateRewardInput = z.infer<typeof createRewardSchema>;

export const redeemSchema = z.object({ requestId });
/** The one-time code a resident shows the merchant: 8 digits. */
export const redemptionCodeSchema = z.string().regex(/^[0-9]{8}$/);
export const confirmSchema = z.object({ code: z.string().trim().pipe(redemptionCodeSchema) });

export interface RewardView {
  id: string;
  title: string;
  description: string;
  price: number;
  stock: number;
  merchantName: string;
}

export const REDEMPTION_STATES = ['reserving', 'pending', 'confirmed', 'cancelled', 'failed'] as const;
export type RedemptionState = (typeof REDEMPTION_STATES)[number];

export interface RedemptionView {
  id: string;
  rewardTitle: string;
  price: number;
  /** Shown only to the resident who redeemed, while it can still be used. */
  code: string | null;
  state: RedemptionState;
  residentName?: string;
  createdAt: string;
}
