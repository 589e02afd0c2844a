import type {
  AccountView,
  HistoryView,
  LeaderboardView,
  RedemptionView,
  RewardView,
} from '../../../shared/schemas/points.js';
import { el } from '../dom.js';
import type { FeaturePage } from '../feature-pages.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading } from '../render.js';
import { mountStaffPointsPage } from './staff-points-page.js';

/** A random id that makes a retried redemption the same redemption. */
const requestId = () => `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

/** Loads, then renders; a failed load shows the server's reason with a retry. */
async function withLoad(deps: PageDeps, title: string, load: () => Promise<HTMLElement[]>): Promise<void> {
  const { root, ctx } = deps;
  root.replaceChildren(renderPageHeader(title), renderLoading(ctx));
  try {
    const parts = await load();
    if (deps.signal.aborted) return;
    root.replaceChildren(renderPageHeader(title), el('main', { class: 'points-page' }, ...parts));
  } catch (err) {
    if (deps.signal.aborted || isSignInRedirect(err)) return;
    root.replaceChildren(
      renderPageHeader(title),
      renderLoadFailed(ctx, explainError(ctx, err), () => void withLoad(deps, title, load)),
    );
  }
}

const link = (href: string, text: string) => el('a', { class: 'button secondary', href }, text);

/** `#/points`: balance, time bank, this month, building rank, and the history. */
function mountMyPoints(deps: PageDeps): Promise<void> {
  const { api, ctx } = deps;
  const { t } = ctx;
  return withLoad(deps, t('points.title'), async () => {
    const [me, history] = await Promise.all([
      api.call<AccountView>('GET', '/api/points/me'),
      api.call<HistoryView>('GET', '/api/points/history'),
    ]);
    const figure = (label: string, value: number | string, cls: string) =>
      el('div', { class: `points-figure ${cls}` }, el('span', {}, label), el('strong', {}, String(value)));
    return [
      el(
        'section',
        { class: 'card points-summary' },
        figure(t('points.page.balance'), me.points, 'points-balance'),
        figure(t('points.page.month'), me.monthEarned, 'points-month'),
        figure(t('points.page.minutes'), me.serviceMinutes, 'points-minutes'),
        ...(me.buildingRank ? [figure(t('points.page.rank'), me.buildingRank, 'points-rank')] : []),
        ...(me.isPartyMember ? [figure(t('points.page.vanguard'), me.vanguard, 'points-vanguard')] : []),
      ),
      el(
        'nav',
        { class: 'points-links' },
        link('#/rewards', t('points.page.shop')),
        link('#/points/leaderboard', t('points.page.leaderboard')),
      ),
      el('h2', { class: 'section-title' }, t('points.page.history')),
      history.items.length
        ? el(
            'ul',
            { class: 'points-history' },
            ...history.items.map((e) =>
              el(
                'li',
                { class: 'card points-entry' },
                el(
                  'span',
                  {},
                  e.memo ?? (e.rule ? t(`points.rules.${e.rule}`) : t(`points.kinds.${e.kind}`)),
                ),
                el(
                  'strong',
                  { class: e.amount >= 0 ? 'plus' : 'minus' },
                  `${e.amount >= 0 ? '+' : ''}${e.amount}`,
                ),
              ),
            ),
          )
        : el('p', { class: 'empty' }, t('points.page.noHistory')),
    ];
  });
}

/** Why a reward cannot be redeemed now, or null when it can: sold out first, then the points still missing. */
function unavailableReason(t: PageDeps['ctx']['t'], reward: RewardView, balance: number): string | null {
  if (reward.stock <= 0) return t('points.page.soldOut');
  if (reward.price > balance) return t('points.page.shortBy', { short: reward.price - balance });
  return null;
}

/** `#/rewards`: my balance, the shop, one tap to redeem, and my redemptions with their codes. */
function mountRewards(deps: PageDeps): Promise<void> {
  const { api, ctx } = deps;
  const { t } = ctx;
  const reload = () => void mountRewards(deps);
  return withLoad(deps, t('points.page.shop'), async () => {
    const [me, rewards, mine] = await Promise.all([
      api.call<AccountView>('GET', '/api/points/me'),
      api.call<{ items: RewardView[] }>('GET', '/api/rewards'),
      api.call<{ items: RedemptionView[] }>('GET', '/api/rewards/redemptions/mine'),
    ]);
    const feedback = el('div', { class: 'feedback' });
    const card = (r: RewardView) => {
      const reason = unavailableReason(t, r, me.points);
      const reasonId = `reward-reason-${r.id}`;
      const button = el(
        'button',
        { type: 'button', class: 'button redeem', ...(reason ? { 'aria-describedby': reasonId } : {}) },
        t('points.page.redeem'),
      );
      if (reason) button.setAttribute('disabled', '');
      button.addEventListener('click', () => {
        button.setAttribute('disabled', '');
        api
          .call<RedemptionView>('POST', `/api/rewards/${r.id}/redeem`, { body: { requestId: requestId() } })
          .then(reload)
          .catch((err: unknown) => {
            button.removeAttribute('disabled');
            feedback.replaceChildren(
              el('p', { class: 'notice notice-failed', role: 'alert' }, explainError(ctx, err)),
            );
          });
      });
      return el(
        'li',
        { class: 'card reward', 'data-id': r.id, 'data-available': reason ? 'false' : 'true' },
        el('h3', {}, r.title),
        el('p', {}, t('points.page.price', { price: r.price, stock: r.stock, merchant: r.merchantName })),
        reason ? el('p', { class: 'reward-reason', id: reasonId }, reason) : null,
        button,
      );
    };
    const redemption = (r: RedemptionView) => {
      const cancel = el('button', { type: 'button', class: 'button secondary' }, t('points.page.cancel'));
      cancel.addEventListener('click', () => {
        cancel.setAttribute('disabled', '');
        api.call('POST', `/api/rewards/redemptions/${r.id}/cancel`).then(reload, reload);
      });
      return el(
        'li',
        { class: 'card redemption', 'data-state': r.state },
        el('h3', {}, r.rewardTitle),
        r.code ? el('p', { class: 'redemption-code' }, r.code) : el('p', {}, t(`points.states.${r.state}`)),
        ...(r.state === 'pending' ? [cancel] : []),
      );
    };
    return [
      el(
        'section',
        { class: 'card shop-balance' },
        el('span', {}, t('points.page.balance')),
        el('strong', { class: 'shop-balance-value' }, String(me.points)),
      ),
      feedback,
      el('ul', { class: 'rewards' }, ...rewards.items.map(card)),
      el('h2', { class: 'section-title' }, t('points.page.mine')),
      mine.items.length
        ? el('ul', { class: 'redemptions' }, ...mine.items.map(redemption))
        : el('p', { class: 'empty' }, t('points.page.noRedemptions')),
    ];
  });
}

/** `#/points/leaderboard`: residents, households and buildings. */
function mountLeaderboard(deps: PageDeps): Promise<void> {
  const { api, ctx } = deps;
  const { t } = ctx;
  return withLoad(deps, t('points.page.leaderboard'), async () => {
    const boards = await Promise.all(
      (['resident', 'household', 'building'] as const).map((by) =>
        api.call<LeaderboardView>('GET', `/api/points/leaderboard?by=${by}`),
      ),
    );
    return boards.flatMap((board) => [
      el('h2', { class: 'section-title' }, t(`points.boards.${board.by}`)),
      el(
        'ol',
        { class: 'leaderboard' },
        ...board.rows.map((row) =>
          el(
            'li',
            { class: row.mine ? 'card board-row mine' : 'card board-row' },
            el('span', {}, `${row.rank}. ${row.label}`),
            el('strong', {}, String(row.total)),
          ),
        ),
      ),
    ]);
  });
}

/** `#/merchant`: type the resident's code, confirm it once. */
function mountMerchant(deps: PageDeps): void {
  const { root, api, ctx } = deps;
  const { t } = ctx;
  const input = el('input', {
    class: 'code-input',
    inputmode: 'numeric',
    maxlength: '8',
    'aria-label': t('points.page.code'),
    placeholder: t('points.page.code'),
  });
  const button = el('button', { type: 'button', class: 'button confirm-code' }, t('points.page.confirm'));
  const feedback = el('div', { class: 'feedback' });
  button.addEventListener('click', () => {
    button.setAttribute('disabled', '');
    api
      .call<RedemptionView>('POST', '/api/rewards/redemptions/confirm', { body: { code: input.value } })
      .then((r) =>
        feedback.replaceChildren(
          el(
            'p',
            { class: 'notice notice-done', role: 'status' },
            t('points.page.confirmed', { title: r.rewardTitle }),
          ),
        ),
      )
      .catch((err: unknown) =>
        feedback.replaceChildren(
          el('p', { class: 'notice notice-failed', role: 'alert' }, explainError(ctx, err)),
        ),
      )
      .finally(() => button.removeAttribute('disabled'));
  });
  root.replaceChildren(
    renderPageHeader(t('points.page.merchant')),
    el('main', { class: 'points-page' }, el('section', { class: 'card merchant' }, input, button), feedback),
  );
}

/** Residents' pages sit under 积分; the merchant counter and the staff page under 工作台. */
export const POINTS_PAGES: FeaturePage[] = [
  { pattern: /^#\/points\/leaderboard$/, tab: 'points', mount: (deps) => mountLeaderboard(deps) },
  { pattern: /^#\/points$/, tab: 'points', mount: (deps) => mountMyPoints(deps) },
  { pattern: /^#\/rewards$/, tab: 'points', mount: (deps) => mountRewards(deps) },
  { pattern: /^#\/merchant$/, tab: 'staff', mount: (deps) => mountMerchant(deps) },
  { pattern: /^#\/staff\/points$/, tab: 'staff', mount: (deps) => mountStaffPointsPage(deps) },
];
