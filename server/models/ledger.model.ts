import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { CURRENCIES, ENTRY_KINDS, POINTS_RULES } from '../../shared/schemas/points.js';

/**
 * One balance of one resident: `_id` is `<residentId>:<currency>`, so every balance write is by _id.
 * `applying` holds the ids of entries already added to `balance` whose entry is not yet marked applied:
 * the record that lets a repair pass tell, without transactions, whether a crash came before or after.
 */
export const ledgerAccountSchema = new Schema(
  {
    _id: { type: String, required: true },
    communityId: { type: String, required: true },
    residentId: { type: String, required: true },
    currency: { type: String, enum: CURRENCIES, required: true },
    balance: { type: Number, default: 0 },
    /** Earned minus deducted: what leaderboards rank by, so spending never lowers a place. */
    earned: { type: Number, default: 0 },
    version: { type: Number, default: 0 },
    /** The resident's household scope when last credited, for household and building boards. */
    scope: { type: String, default: null },
    applying: [{ type: String }],
  },
  { timestamps: true, versionKey: false },
);

export type LedgerAccountDoc = InferSchemaType<typeof ledgerAccountSchema>;

/**
 * Append-only: `_id` is `<currency>:<idempotencyKey>`, the unique index that makes each earning,
 * redemption or correction happen once. Only `state` ever changes (pending → applied / rejected).
 */
export const ledgerEntrySchema = new Schema(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    accountId: { type: String, required: true },
    communityId: { type: String, required: true },
    residentId: { type: String, required: true },
    currency: { type: String, enum: CURRENCIES, required: true },
    amount: { type: Number, required: true },
    kind: { type: String, enum: ENTRY_KINDS, required: true },
    /** Whether the amount counts as earned (earnings, grants, deductions) rather than spent. */
    countsEarned: { type: Boolean, required: true },
    rule: { type: String, enum: [...POINTS_RULES, null], default: null },
    memo: { type: String, default: null },
    actorId: { type: String, default: null },
    reversalOf: { type: String, default: null },
    state: { type: String, enum: ['pending', 'applied', 'rejected'], required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

export type LedgerEntryDoc = InferSchemaType<typeof ledgerEntrySchema>;

/** Points taken under one rule by one resident in one period: `cap:<rule>:<resident>:<period>`. */
export const ledgerCapSchema = new Schema(
  { _id: { type: String, required: true }, total: { type: Number, default: 0 } },
  { versionKey: false },
);

/** A community's rules; `_id` is the community id. */
export const pointsRulesSchema = new Schema(
  {
    _id: { type: String, required: true },
    rules: [
      {
        _id: false,
        rule: { type: String, enum: POINTS_RULES, required: true },
        points: { type: Number, required: true },
        dayCap: { type: Number, default: null },
        weekCap: { type: Number, default: null },
        yearCap: { type: Number, default: null },
        vanguard: { type: Boolean, default: false },
      },
    ],
    updatedBy: { type: String, default: null },
  },
  { timestamps: true, versionKey: false },
);

/** One reconciliation run; `_id` is the run's key (the night's date), so one process runs it. */
export const ledgerReconciliationSchema = new Schema(
  {
    _id: { type: String, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
    accounts: { type: Number, default: 0 },
    repaired: { type: Number, default: 0 },
    ok: { type: Boolean, default: false },
    differences: [
      {
        _id: false,
        accountId: String,
        currency: String,
        balance: Number,
        entries: Number,
      },
    ],
  },
  { versionKey: false },
);

export const ledgerAccountModel = (conn: Connection) =>
  conn.model('LedgerAccount', ledgerAccountSchema, 'ledger_accounts');
export const ledgerEntryModel = (conn: Connection) =>
  conn.model('LedgerEntry', ledgerEntrySchema, 'ledger_entries');
export const ledgerCapModel = (conn: Connection) => conn.model('LedgerCap', ledgerCapSchema, 'ledger_caps');
export const pointsRulesModel = (conn: Connection) =>
  conn.model('PointsRules', pointsRulesSchema, 'points_rules');
export const ledgerReconciliationModel = (conn: Connection) =>
  conn.model('LedgerReconciliation', ledgerReconciliationSchema, 'ledger_reconciliations');
