import type { Currency, EntryKind, PointsRule, RuleSetting } from '../../shared/schemas/points.js';
import { isDuplicateKeyError } from '../db/connect.js';
import type { Models } from '../models/index.js';

export type EntryState = 'pending' | 'applied' | 'rejected';

export interface LedgerEntryRecord {
  id: string;
  key: string;
  accountId: string;
  communityId: string;
  residentId: string;
  currency: Currency;
  amount: number;
  kind: EntryKind;
  countsEarned: boolean;
  rule: PointsRule | null;
  memo: string | null;
  actorId: string | null;
  reversalOf: string | null;
  state: EntryState;
  createdAt: Date;
}

export type NewLedgerEntry = Omit<LedgerEntryRecord, 'id' | 'accountId' | 'state' | 'createdAt'>;

export interface LedgerAccountRecord {
  id: string;
  communityId: string;
  residentId: string;
  currency: Currency;
  balance: number;
  earned: number;
  version: number;
  scope: string | null;
  applying: string[];
}

export interface ReconciliationRecord {
  id: string;
  startedAt: Date;
  finishedAt: Date | null;
  accounts: number;
  repaired: number;
  ok: boolean;
  differences: { accountId: string; currency: Currency; balance: number; entries: number }[];
}

/** Every balance write is by this _id. */
export const accountIdOf = (residentId: string, currency: Currency) => `${residentId}:${currency}`;
/** The entry's _id is its idempotency key within its currency: the unique index that makes it once. */
export const entryIdOf = (currency: Currency, key: string) => `${currency}:${key}`;

type LeanEntry = Omit<LedgerEntryRecord, 'id'> & { _id: string };
type LeanAccount = Omit<LedgerAccountRecord, 'id' | 'applying'> & { _id: string; applying?: string[] };

const toEntry = (d: LeanEntry): LedgerEntryRecord => ({
  id: d._id,
  key: d.key,
  accountId: d.accountId,
  communityId: d.communityId,
  residentId: d.residentId,
  currency: d.currency,
  amount: d.amount,
  kind: d.kind,
  countsEarned: d.countsEarned,
  rule: d.rule ?? null,
  memo: d.memo ?? null,
  actorId: d.actorId ?? null,
  reversalOf: d.reversalOf ?? null,
  state: d.state,
  createdAt: d.createdAt,
});

const toAccount = (d: LeanAccount): LedgerAccountRecord => ({
  id: d._id,
  communityId: d.communityId,
  residentId: d.residentId,
  currency: d.currency,
  balance: d.balance ?? 0,
  earned: d.earned ?? 0,
  version: d.version ?? 0,
  scope: d.scope ?? null,
  applying: d.applying ?? [],
});

const applied = (d: LeanAccount): ApplyResult => ({
  outcome: 'applied',
  applying: d.applying ?? [],
  balance: d.balance ?? 0,
});

export type ApplyOutcome = 'applied' | 'alreadyApplied' | 'insufficient';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** The account's `applying` list after the write (applied only), to know when to prune it. */
  applying: string[];
  balance: number;
}

/**
 * The points ledger's storage: accounts, append-only entries, cap counters, rules and reconciliation
 * reports. Each method is one single-document write or a read; the service orders them.
 */
export class LedgerRepository {
  constructor(
    private readonly models: Pick<
      Models,
      'ledgerAccount' | 'ledgerEntry' | 'ledgerCap' | 'pointsRules' | 'ledgerReconciliation'
    >,
  ) {}

  /**
   * Inserts the entry, pending (or refused from the start); false when its key was used before (the
   * entry then exists): the unique index is the check, no read first.
   */
  async insertEntry(
    entry: NewLedgerEntry,
    state: 'pending' | 'rejected' = 'pending',
  ): Promise<{ entry: LedgerEntryRecord; inserted: boolean }> {
    const doc = {
      _id: entryIdOf(entry.currency, entry.key),
      ...entry,
      accountId: accountIdOf(entry.residentId, entry.currency),
      state,
    };
    try {
      const created = await this.models.ledgerEntry.create(doc);
      return { entry: toEntry(created.toObject() as LeanEntry), inserted: true };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.findEntry(doc._id);
      if (!existing) throw err;
      return { entry: existing, inserted: false };
    }
  }

  async findEntry(id: string): Promise<LedgerEntryRecord | null> {
    const doc = await this.models.ledgerEntry.findById(id).lean<LeanEntry>();
    return doc ? toEntry(doc) : null;
  }

  /**
   * Adds the entry's amount to its account once: the update is conditional on the entry's id not being
   * in `applying` (where it records itself) and, for a debit, on the balance staying at or above `floor`.
   */
  async applyEntry(entry: LedgerEntryRecord, scope: string | null, floor = 0): Promise<ApplyResult> {
    const update = {
      $inc: { balance: entry.amount, version: 1, earned: entry.countsEarned ? entry.amount : 0 },
      $push: { applying: entry.id },
      ...(scope ? { $set: { scope } } : {}),
    };
    if (entry.amount >= 0) {
      try {
        const done = await this.models.ledgerAccount
          .findOneAndUpdate(
            { _id: entry.accountId, applying: { $ne: entry.id } },
            {
              ...update,
              $setOnInsert: {
                communityId: entry.communityId,
                residentId: entry.residentId,
                currency: entry.currency,
                ...(scope ? {} : { scope: null }),
              },
            },
            { upsert: true, returnDocument: 'after' },
          )
          .lean<LeanAccount>();
        return done ? applied(done) : { outcome: 'alreadyApplied', applying: [], balance: 0 };
      } catch (err) {
        // The upsert met the account already holding this entry: applied before.
        if (isDuplicateKeyError(err)) return { outcome: 'alreadyApplied', applying: [], balance: 0 };
        throw err;
      }
    }
    const done = await this.models.ledgerAccount
      .findOneAndUpdate(
        { _id: entry.accountId, applying: { $ne: entry.id }, balance: { $gte: floor - entry.amount } },
        update,
        { returnDocument: 'after' },
      )
      .lean<LeanAccount>();
    if (done) return applied(done);
    const account = await this.findAccount(entry.accountId);
    return {
      outcome: account?.applying.includes(entry.id) ? 'alreadyApplied' : 'insufficient',
      applying: [],
      balance: account?.balance ?? 0,
    };
  }

  async findEntries(ids: readonly string[]): Promise<LedgerEntryRecord[]> {
    if (ids.length === 0) return [];
    const docs = await this.models.ledgerEntry.find({ _id: { $in: ids } }).lean<LeanEntry[]>();
    return docs.map(toEntry);
  }

  /** Applied wins over anything (the account says so); rejected only replaces pending. */
  async markEntry(id: string, state: 'applied' | 'rejected'): Promise<void> {
    const filter =
      state === 'applied'
        ? { _id: id, state: { $ne: 'applied' as const } }
        : { _id: id, state: 'pending' as const };
    await this.models.ledgerEntry.updateOne(filter, { $set: { state } });
  }

  /**
   * Settles a batch of entries the caller applied: marks them applied, then drops them from their
   * account's `applying` (in that order, so an id leaves `applying` only once its entry says applied).
   */
  async settleApplied(accountId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.models.ledgerEntry.updateMany({ _id: { $in: [...ids] } }, { $set: { state: 'applied' } });
    await this.models.ledgerAccount.updateOne({ _id: accountId }, { $pull: { applying: { $in: [...ids] } } });
  }

  /** Drops ids from `applying` whose entries are marked applied; those can no longer be re-applied. */
  async pruneApplying(accountId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const settled = await this.models.ledgerEntry
      .find({ _id: { $in: ids }, state: 'applied' })
      .select({ _id: 1 })
      .lean<{ _id: string }[]>();
    if (settled.length === 0) return;
    await this.models.ledgerAccount.updateOne(
      { _id: accountId },
      { $pull: { applying: { $in: settled.map((d) => d._id) } } },
    );
  }

  async findAccount(id: string): Promise<LedgerAccountRecord | null> {
    const doc = await this.models.ledgerAccount.findById(id).lean<LeanAccount>();
    return doc ? toAccount(doc) : null;
  }

  async findAccounts(ids: readonly string[]): Promise<LedgerAccountRecord[]> {
    const docs = await this.models.ledgerAccount.find({ _id: { $in: ids } }).lean<LeanAccount[]>();
    return docs.map(toAccount);
  }

  /** The accounts of one community in one currency: one per resident, small enough to rank in code. */
  async accountsOf(communityId: string, currency: Currency): Promise<LedgerAccountRecord[]> {
    const docs = await this.models.ledgerAccount.find({ communityId, currency }).lean<LeanAccount[]>();
    return docs.map(toAccount);
  }

  async allAccounts(): Promise<LedgerAccountRecord[]> {
    const docs = await this.models.ledgerAccount.find({}).lean<LeanAccount[]>();
    return docs.map(toAccount);
  }

  /** Newest first, strictly before `before` when given. */
  async entriesOf(
    accountId: string,
    options: { before?: Date; since?: Date; limit?: number } = {},
  ): Promise<LedgerEntryRecord[]> {
    const createdAt = {
      ...(options.before ? { $lt: options.before } : {}),
      ...(options.since ? { $gte: options.since } : {}),
    };
    let query = this.models.ledgerEntry
      .find({ accountId, ...(Object.keys(createdAt).length ? { createdAt } : {}) })
      .sort({ createdAt: -1, _id: -1 });
    if (options.limit) query = query.limit(options.limit);
    return (await query.lean<LeanEntry[]>()).map(toEntry);
  }

  async pendingEntries(olderThan: Date): Promise<LedgerEntryRecord[]> {
    const docs = await this.models.ledgerEntry
      .find({ state: 'pending', createdAt: { $lt: olderThan } })
      .limit(10_000)
      .lean<LeanEntry[]>();
    return docs.map(toEntry);
  }

  /** Sum of applied entries per account: one accumulator, as FerretDB computes only the first. */
  async appliedSums(): Promise<Map<string, number>> {
    const rows = await this.models.ledgerEntry.aggregate<{ _id: string; sum: number }>([
      { $match: { state: 'applied' } },
      { $group: { _id: '$accountId', sum: { $sum: '$amount' } } },
    ]);
    return new Map(rows.map((r) => [r._id, r.sum]));
  }

  async appliedSumOf(accountId: string): Promise<number> {
    const rows = await this.models.ledgerEntry.aggregate<{ _id: string; sum: number }>([
      { $match: { accountId, state: 'applied' } },
      { $group: { _id: '$accountId', sum: { $sum: '$amount' } } },
    ]);
    return rows[0]?.sum ?? 0;
  }

  /**
   * Takes `amount` under a cap: one conditional `$inc` on the period's counter, so two concurrent
   * earns cannot both pass. A counter already at the cap makes the upsert collide with its own _id.
   */
  async claimCap(id: string, amount: number, cap: number): Promise<boolean> {
    if (amount > cap) return false;
    try {
      await this.models.ledgerCap.findOneAndUpdate(
        { _id: id, total: { $lte: cap - amount } },
        { $inc: { total: amount } },
        { upsert: true, returnDocument: 'after' },
      );
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async releaseCap(id: string, amount: number): Promise<void> {
    await this.models.ledgerCap.updateOne({ _id: id, total: { $gte: amount } }, { $inc: { total: -amount } });
  }

  async capTotal(id: string): Promise<number> {
    const doc = await this.models.ledgerCap.findById(id).lean<{ total?: number }>();
    return doc?.total ?? 0;
  }

  async rulesOf(communityId: string): Promise<{ rules: RuleSetting[]; updatedAt: Date | null } | null> {
    const doc = await this.models.pointsRules
      .findById(communityId)
      .lean<{ rules: RuleSetting[]; updatedAt?: Date }>();
    if (!doc) return null;
    return {
      rules: doc.rules.map((r) => ({
        rule: r.rule,
        points: r.points,
        dayCap: r.dayCap ?? null,
        weekCap: r.weekCap ?? null,
        yearCap: r.yearCap ?? null,
        vanguard: Boolean(r.vanguard),
      })),
      updatedAt: doc.updatedAt ?? null,
    };
  }

  async saveRules(communityId: string, rules: readonly RuleSetting[], updatedBy: string): Promise<Date> {
    const doc = await this.models.pointsRules.findOneAndUpdate(
      { _id: communityId },
      { $set: { rules, updatedBy } },
      { upsert: true, returnDocument: 'after' },
    );
    return (doc.get('updatedAt') as Date | undefined) ?? new Date();
  }

  /** Claims a reconciliation run by inserting its record; false when another process has it. */
  async claimReconciliation(id: string, startedAt: Date): Promise<boolean> {
    try {
      await this.models.ledgerReconciliation.create({ _id: id, startedAt });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async finishReconciliation(
    id: string,
    result: Omit<ReconciliationRecord, 'id' | 'startedAt' | 'finishedAt'>,
  ): Promise<void> {
    await this.models.ledgerReconciliation.updateOne(
      { _id: id },
      { $set: { ...result, finishedAt: new Date() } },
    );
  }

  async latestReconciliations(limit = 10): Promise<ReconciliationRecord[]> {
    const docs = await this.models.ledgerReconciliation
      .find({})
      .sort({ startedAt: -1 })
      .limit(limit)
      .lean<(Omit<ReconciliationRecord, 'id'> & { _id: string })[]>();
    return docs.map((d) => ({
      id: d._id,
      startedAt: d.startedAt,
      finishedAt: d.finishedAt ?? null,
      accounts: d.accounts ?? 0,
      repaired: d.repaired ?? 0,
      ok: Boolean(d.ok),
      differences: d.differences ?? [],
    }));
  }

  /** Tests only: a balance written past the ledger, as a bug or a hand edit would. */
  async plantDifference(accountId: string, delta: number): Promise<void> {
    await this.models.ledgerAccount.updateOne({ _id: accountId }, { $inc: { balance: delta } });
  }
}
