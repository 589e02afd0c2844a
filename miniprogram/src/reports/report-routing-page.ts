import type { Party, RoutingRule, RoutingTable, ServiceType } from '../../../shared/schemas/report.js';
import { el } from '../dom.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading } from '../render.js';
import { STAFF_REPORTS_HASH } from './report-list-page.js';
import { PARTIES, reportsApi, SERVICE_TYPES } from './reports-api.js';

/** A community-wide rule's scope is the community id alone; narrower scopes add `/compound/…`. */
const isCommunityWide = (rule: RoutingRule) => !rule.scope.includes('/');

/**
 * 报事分派 (四位一体): one select per service type for the whole community, the narrower rules shown
 * read-only and kept as they are; everything saved together with one PUT.
 */
export function mountReportRoutingPage(deps: PageDeps): void {
  const { root, ctx, signal } = deps;
  const { t } = ctx;
  const api = reportsApi(deps.api);
  const content = el('div', { class: 'content' });
  root.replaceChildren(
    renderPageHeader(t('reports.page.routing.title')),
    el(
      'main',
      {},
      el('a', { class: 'report-back', href: STAFF_REPORTS_HASH }, t('reports.page.backToStaff')),
      content,
    ),
  );

  const partyName = (party: Party) => t(`reports.parties.${party}`);

  function show(table: RoutingTable, communityId: string, notice: HTMLElement | null = null) {
    const wide = new Map(table.rules.filter(isCommunityWide).map((r) => [r.serviceType, r.party]));
    const narrower = table.rules.filter((r) => !isCommunityWide(r));
    const selects = new Map<ServiceType, HTMLSelectElement>();
    const rows = SERVICE_TYPES.map((type) => {
      const select = el(
        'select',
        { id: `routing-${type}`, name: type, class: 'report-filter routing-party' },
        ...PARTIES.map((p) => el('option', { value: p }, partyName(p))),
      );
      // No community rule means the fallback, the secretary.
      select.value = wide.get(type) ?? 'secretary';
      selects.set(type, select);
      return el(
        'li',
        { class: 'routing-row', 'data-type': type },
        el('label', { class: 'routing-type', for: select.id }, t(`reports.serviceTypes.${type}`)),
        select,
      );
    });
    const feedback = el('div', { class: 'routing-feedback' }, notice);
    const save = el(
      'button',
      { type: 'button', class: 'button routing-save' },
      t('reports.page.routing.save'),
    );
    save.addEventListener('click', () => void submit());

    async function submit() {
      feedback.replaceChildren();
      save.disabled = true;
      save.textContent = t('reports.page.routing.saving');
      // A community rule naming the secretary equals no rule, so only the others are written.
      const rules: RoutingRule[] = [
        ...SERVICE_TYPES.flatMap((serviceType) => {
          const party = selects.get(serviceType)!.value as Party;
          return party === 'secretary' ? [] : [{ serviceType, scope: communityId, party }];
        }),
        ...narrower,
      ];
      try {
        const saved = await api.setRouting({ rules, slaHours: table.slaHours });
        if (signal.aborted) return;
        const done = el(
          'p',
          { class: 'notice notice-done', role: 'status' },
          t('reports.page.routing.saved'),
        );
        show(saved, communityId, done);
      } catch (err) {
        if (signal.aborted || isSignInRedirect(err)) return;
        save.disabled = false;
        save.textContent = t('reports.page.routing.save');
        feedback.replaceChildren(
          el(
            'p',
            { class: 'notice notice-failed', role: 'alert' },
            t('reports.page.routing.failed', { reason: explainError(ctx, err) }),
          ),
        );
      }
    }

    const narrowerCard =
      narrower.length > 0
        ? el(
            'section',
            { class: 'card routing-narrower' },
            el('h2', { class: 'card-title' }, t('reports.page.routing.narrower')),
            el('p', { class: 'hint' }, t('reports.page.routing.narrowerHint')),
            el('ul', { class: 'routing-rows' }, ...narrower.map(renderNarrower)),
          )
        : null;
    content.replaceChildren(
      el(
        'section',
        { class: 'card routing-card' },
        el('h2', { class: 'card-title' }, t('reports.page.routing.community')),
        el('p', { class: 'hint' }, t('reports.page.routing.intro')),
        el('ul', { class: 'routing-rows' }, ...rows),
      ),
      ...(narrowerCard ? [narrowerCard] : []),
      feedback,
      el('div', { class: 'report-actions' }, save),
    );
  }

  /** A narrower rule, its scope shown below the community (`compound / building`). */
  const renderNarrower = (rule: RoutingRule) =>
    el(
      'li',
      { class: 'routing-row routing-rule' },
      el(
        'span',
        { class: 'routing-type' },
        `${t(`reports.serviceTypes.${rule.serviceType}`)} · ${rule.scope.split('/').slice(1).join(' / ')}`,
      ),
      el('span', { class: 'routing-rule-party' }, partyName(rule.party)),
    );

  async function load(): Promise<void> {
    content.replaceChildren(renderLoading(ctx));
    try {
      const table = await api.routing(signal);
      const me = deps.session.current() ?? (await deps.session.load());
      if (signal.aborted) return;
      const communityId = me?.resident.communityId ?? table.rules.find(isCommunityWide)?.scope;
      if (!communityId) throw new Error('no community');
      show(table, communityId);
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t('reports.page.loadError')),
      );
    }
  }

  void load();
}
