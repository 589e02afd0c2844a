import { randomInt } from 'node:crypto';
import type { CreateRewardInput, RedemptionView, RewardView } from '../../shared/schemas/points.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Action } from '../policy/actions.js';
import { can, type Actor } from '../policy/policy.js';
import type { RedemptionRecord, RewardRecord, RewardRepository } from '../repositories/reward.repository.js';
import type { ResidentRecord, ResidentRepository } from '../repositories/resident.repository.js';
import type { AuditService } from './audit.service.js';
import {
  pointsForbidden,
  pointsResidentNotFound,
  REPAIR_GRACE_MS,
  type PointsService,
} from './points.service.js';

export const rewardNotFound = () => new AppError(404, 'not_found', 'points.errors.rewardNotFound');
export const redemptionNotFound = () => new AppError(404, 'not_found', 'points.errors.redemptionNotFound');
export const outOfStock = () => new AppError(409, 'out_of_stock', 'points.errors.outOfStock');
export const redemptionClosed = () =>
  new AppError(409, 'redemption_closed', 'points.errors.redemptionClosed');
export const notAMerchant = () => new AppError(400, 'not_merchant', 'points.errors.notMerchant');

/** The ledger key of a redemption's debit; its refund is the reversal of this entry. */
export const redeemKey = (redemptionId: string) => `redeem:${redemptionId}`;

const presentReward = (r: RewardRecord): RewardView => ({
  id: r.id,
  title: r.title,
  description: r.description,
  price: r.price,
  stock: r.stock,
  merchantName: r.merchantName,
});

/** The code shows only to the resident who redeemed, and only while the merchant can still take it. */
export const presentRedemption = (r: RedemptionRecord, viewer: Pick<Actor, 'id'>): RedemptionView => ({
  id: r.id,
  rewardTitle: r.rewardTitle,
  price: r.price,
  code: r.residentId === viewer.id && r.state === 'pending' ? r.code : null,
  state: r.state,
  ...(r.merchantId === viewer.id ? { residentName: r.residentName } : {}),
  createdAt: r.createdAt.toISOString(),
});

const isMerchant = (resident: { roles: readonly { role: string }[] }) =>
  resident.roles.some((r) => r.role === 'merchant');

/**
 * Rewards for points. A redemption is a row inserted first (its request key makes a retry a no-op),
 * then one unit of stock taken by a conditional `$inc`, then the points debited through the ledger;
 * when a later step fails the earlier ones are given back, and `repair` finishes what a crash cut short.
 */
export class RewardService {
  constructor(
    private readonly deps: {
      rewards: RewardRepository;
      points: Pick<PointsService, 'post' | 'reverse'>;
      residents: Pick<ResidentRepository, 'findById'>;
      audit: Pick<AuditService, 'record'>;
      log: Logger;
      now?: () => Date;
    },
  ) {}

  private assertMay(actor: Actor, action: Action) {
    if (!can(actor, action, { scope: actor.communityId })) throw pointsForbidden(action);
  }

  async list(actor: Actor): Promise<{ items: RewardView[] }> {
    if (!actor.id) throw pointsResidentNotFound();
    return { items: (await this.deps.rewards.listByCommunity(actor.communityId)).map(presentReward) };
  }

  async create(actor: Actor, input: CreateRewardInput): Promise<RewardView> {
    this.assertMay(actor, 'reward.manage');
    const staff = can(actor, 'points.manage', { scope: actor.communityId });
    // Merchants list their own rewards; staff may list one for a merchant of their community.
    const merchantId = staff && input.merchantId ? input.merchantId : actor.id;
    const merchant = merchantId ? await this.deps.residents.findById(merchantId) : null;
    if (!merchant || merchant.communityId !== actor.communityId) throw pointsResidentNotFound();
    if (!isMerchant(merchant) && !staff) throw notAMerchant();
    const reward = await this.deps.rewards.create({
      communityId: actor.communityId,
      merchantId: merchant.id,
      merchantName: merchant.name,
      title: input.title,
      description: input.description,
      price: input.price,
      stock: input.stock,
    });
    await this.deps.audit.record({
      actor,
      action: 'reward.create',
      target: { kind: 'reward', id: reward.id, label: reward.title, scope: actor.communityId },
      after: { price: reward.price, stock: reward.stock, merchant: merchant.id },
    });
    return presentReward(reward);
  }

  /** A resident redeems a reward; a retried request (same `requestId`) returns the same redemption. */
  async redeem(actor: Actor, rewardId: string, requestId: string): Promise<RedemptionView> {
    if (!actor.id) throw pointsResidentNotFound();
    const reward = await this.deps.rewards.findById(rewardId);
    if (!reward || reward.communityId !== actor.communityId || !reward.active) throw rewardNotFound();
    const resident = await this.deps.residents.findById(actor.id);
    if (!resident) throw pointsResidentNotFound();
    const requestKey = `${actor.id}:${requestId}`;
    let inserted: { redemption: RedemptionRecord; inserted: boolean } | null = null;
    for (let attempt = 0; !inserted && attempt < 5; attempt++) {
      try {
        inserted = await this.deps.rewards.insertRedemption({
          code: String(randomInt(0, 100_000_000)).padStart(8, '0'),
          requestKey,
          communityId: actor.communityId,
          rewardId: reward.id,
          rewardTitle: reward.title,
          merchantId: reward.merchantId,
          residentId: actor.id,
          residentName: resident.name,
          price: reward.price,
        });
      } catch (err) {
        if (!(err as { codeClash?: boolean }).codeClash) throw err;
      }
    }
    if (!inserted) throw new Error('could not draw a free redemption code');
    if (!inserted.inserted) return this.outcome(inserted.redemption, actor);
    return this.outcome(await this.complete(inserted.redemption, resident), actor);
  }

  /** A redemption's answer: its view, or the error that stopped it. */
  private outcome(redemption: RedemptionRecord, actor: Actor): RedemptionView {
    if (redemption.state === 'failed' && !redemption.stockTaken) throw outOfStock();
    if (redemption.state === 'failed')
      throw new AppError(409, 'insufficient_points', 'points.errors.insufficient');
    return presentRedemption(redemption, actor);
  }

  /** Takes stock, then points; gives the stock back when the points are not there. */
  private async complete(
    redemption: RedemptionRecord,
    resident: Pick<ResidentRecord, 'id' | 'communityId' | 'householdScope'>,
  ): Promise<RedemptionRecord> {
    if (!redemption.stockTaken) {
      if (!(await this.deps.rewards.takeStock(redemption.rewardId)))
        return (await this.deps.rewards.transition(redemption.id, 'reserving', 'failed')) ?? redemption;
      await this.deps.rewards.setFlag(redemption.id, 'stockTaken');
    }
    const debit = await this.deps.points.post({
      resident,
      key: redeemKey(redemption.id),
      currency: 'points',
      amount: -redemption.price,
      kind: 'redeem',
      countsEarned: false,
      rule: null,
      memo: redemption.rewardTitle,
      actorId: resident.id,
      reversalOf: null,
    });
    const paid =
      debit.outcome === 'applied' || (debit.outcome === 'duplicate' && debit.entry.state !== 'rejected');
    if (paid)
      return (await this.deps.rewards.transition(redemption.id, 'reserving', 'pending')) ?? redemption;
    // Compensate: the stock goes back exactly once.
    const failed = await this.deps.rewards.transition(redemption.id, 'reserving', 'failed', {
      stockTaken: true,
    });
    if (failed && (await this.deps.rewards.setFlag(redemption.id, 'restocked')))
      await this.deps.rewards.returnStock(redemption.rewardId);
    return failed ?? redemption;
  }

  /** A resident's redemptions; refused ones stay on record (a retry's answer) but are not listed. */
  async mine(actor: Actor): Promise<{ items: RedemptionView[] }> {
    if (!actor.id) throw pointsResidentNotFound();
    const items = await this.deps.rewards.listByResident(actor.id, ['failed']);
    return { items: items.map((r) => presentRedemption(r, actor)) };
  }

  /** A merchant's redemptions, newest first. */
  async forMerchant(actor: Actor): Promise<{ items: RedemptionView[] }> {
    this.assertMay(actor, 'redemption.confirm');
    const items = await this.deps.rewards.listByMerchant(actor.id!);
    return { items: items.map((r) => presentRedemption(r, actor)) };
  }

  /** The merchant takes the code at the counter; a code works once, and only at its own merchant. */
  async confirm(actor: Actor, code: string): Promise<RedemptionView> {
    this.assertMay(actor, 'redemption.confirm');
    const found = await this.deps.rewards.findByCode(code);
    if (!found || found.communityId !== actor.communityId || found.merchantId !== actor.id)
      throw redemptionNotFound();
    const confirmed = await this.deps.rewards.transition(found.id, 'pending', 'confirmed', {
      confirmedAt: this.deps.now?.() ?? new Date(),
    });
    if (!confirmed) throw redemptionClosed();
    return presentRedemption(confirmed, actor);
  }

  /** The resident, or the merchant, cancels before confirmation: points back by a reversal, stock back. */
  async cancel(actor: Actor, id: string): Promise<RedemptionView> {
    const found = await this.deps.rewards.findRedemption(id);
    if (!found || found.communityId !== actor.communityId) throw redemptionNotFound();
    if (found.residentId !== actor.id && found.merchantId !== actor.id) throw redemptionNotFound();
    const cancelled = await this.deps.rewards.transition(found.id, 'pending', 'cancelled', {
      cancelledAt: this.deps.now?.() ?? new Date(),
      cancelledBy: actor.id,
    });
    if (!cancelled) throw redemptionClosed();
    await this.undo(cancelled);
    return presentRedemption((await this.deps.rewards.findRedemption(id)) ?? cancelled, actor);
  }

  /** Refund and restock a cancelled redemption; each step happens once, whoever runs it. */
  private async undo(redemption: RedemptionRecord): Promise<void> {
    if (!redemption.refunded) {
      const { outcome } = await this.deps.points.reverse(`points:${redeemKey(redemption.id)}`, {
        actorId: null,
        memo: redemption.rewardTitle,
      });
      if (outcome !== 'insufficient') await this.deps.rewards.setFlag(redemption.id, 'refunded');
    }
    if (!redemption.restocked && (await this.deps.rewards.setFlag(redemption.id, 'restocked')))
      await this.deps.rewards.returnStock(redemption.rewardId);
  }

  /**
   * Finishes redemptions a crash left mid-way: a `reserving` one is completed (or undone if its points
   * are not there), a cancelled one gets its refund and stock back. Ledger repair runs first.
   */
  async repair(): Promise<number> {
    const olderThan = new Date((this.deps.now?.() ?? new Date()).getTime() - REPAIR_GRACE_MS);
    const stale = await this.deps.rewards.listStale(['reserving', 'cancelled'], olderThan);
    let repaired = 0;
    for (const r of stale) {
      if (r.state === 'cancelled' && r.refunded && r.restocked) continue;
      repaired++;
      if (r.state === 'cancelled') await this.undo(r);
      else {
        const resident = (await this.deps.residents.findById(r.residentId)) ?? {
          id: r.residentId,
          communityId: r.communityId,
          householdScope: null,
        };
        await this.complete(r, resident);
      }
    }
    if (repaired) this.deps.log.warn({ redemptions: repaired }, 'repaired interrupted redemptions');
    return repaired;
  }
}
