import type { TFunction } from 'i18next';
import type { AccountView } from '../../../shared/schemas/points.js';
import type { PointsService } from '../../services/points.service.js';
import type { CommandContext } from './index.js';

/** The one-line answer to `#积分`: balance, this month, time bank, building rank, vanguard index. */
export function pointsSummaryText(t: TFunction, name: string, view: AccountView): string {
  const rank = view.buildingRank ? t('points.chat.rank', { rank: view.buildingRank }) : '';
  const vanguard = view.isPartyMember ? t('points.chat.vanguard', { vanguard: view.vanguard }) : '';
  return t('points.chat.summary', {
    name,
    points: view.points,
    month: view.monthEarned,
    minutes: view.serviceMinutes,
    rank: `${rank}${vanguard}`,
  }).trim();
}

/** `#积分`: the sender's own figures; an unbound account is told to bind first. */
export async function handlePoints(points: PointsService, ctx: CommandContext): Promise<string> {
  if (!ctx.resident) return ctx.t('points.chat.bindFirst');
  const view = await points.account(ctx.resident);
  return pointsSummaryText(ctx.t, ctx.resident.name, view);
}
