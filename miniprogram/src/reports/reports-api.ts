import type {
  Party,
  PartyList,
  ReportAssignInput,
  ReportDetailView,
  ReportList,
  ReportState,
  ReportStats,
  ReportTransitionInput,
  RoutingTable,
  ServiceType,
} from '../../../shared/schemas/report.js';
import type { Api } from '../api.js';

/**
 * The lists of shared/schemas/report.ts, repeated here because importing a value from there would bundle
 * zod into the mini-app; the `satisfies` checks below fail the build if the two ever drift apart.
 */
export const REPORT_STATES = [
  'submitted',
  'accepted',
  'assigned',
  'in_progress',
  'resolved',
  'confirmed',
  'reopened',
  'rejected',
  'duplicate',
  'not_responsible',
] as const satisfies readonly ReportState[];
export const SERVICE_TYPES = [
  'elevator',
  'lighting',
  'water',
  'noise',
  'sanitation',
  'security',
  'parking',
  'greenery',
  'other',
] as const satisfies readonly ServiceType[];
export const PARTIES = [
  'residentsCommittee',
  'propertyCompany',
  'ownersCommittee',
  'gridWorker',
  'secretary',
] as const satisfies readonly Party[];
/** Moves that need a reason: STATES_NEEDING_REASON of the shared schema. */
export const STATES_NEEDING_REASON: readonly ReportState[] = ['rejected', 'duplicate', 'not_responsible'];

type Exhaustive<Local, Shared> = [Shared] extends [Local] ? true : never;
const complete: [
  Exhaustive<(typeof REPORT_STATES)[number], ReportState>,
  Exhaustive<(typeof SERVICE_TYPES)[number], ServiceType>,
  Exhaustive<(typeof PARTIES)[number], Party>,
] = [true, true, true];
void complete;

/** The staff list's filters; every one optional. */
export interface ReportFilters {
  state?: ReportState;
  party?: Party;
  serviceType?: ServiceType;
  overdue?: boolean;
}

export const REPORT_PAGE_SIZE = 30;

/** `?state=…&party=…` for the list and the export, from the filters that are set. */
export function filterParams(filters: ReportFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.state) params.set('state', filters.state);
  if (filters.party) params.set('party', filters.party);
  if (filters.serviceType) params.set('serviceType', filters.serviceType);
  if (filters.overdue) params.set('overdue', '1');
  return params;
}

/** Filters read back from a query string (the staff list keeps them in its hash); unknown values drop out. */
export function parseFilters(query: string): ReportFilters {
  const params = new URLSearchParams(query);
  const pick = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const value = params.get(name);
    return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
  };
  return {
    state: pick('state', REPORT_STATES),
    party: pick('party', PARTIES),
    serviceType: pick('serviceType', SERVICE_TYPES),
    overdue: params.get('overdue') === '1' || undefined,
  };
}

/** Where the browser downloads the `.xlsx` of the tickets the filters select. */
export function exportUrl(filters: ReportFilters): string {
  const params = filterParams(filters).toString();
  return `/api/reports/export.xlsx${params ? `?${params}` : ''}`;
}

const enc = encodeURIComponent;

/** The reports endpoints, typed on top of the generic `api.call`. */
export function reportsApi(api: Api) {
  return {
    list(
      query: ReportFilters & { mine?: boolean; before?: string | null; limit?: number },
      signal?: AbortSignal,
    ) {
      const params = filterParams(query);
      if (query.mine) params.set('mine', '1');
      if (query.before) params.set('before', query.before);
      params.set('limit', String(query.limit ?? REPORT_PAGE_SIZE));
      return api.call<ReportList>('GET', `/api/reports?${params}`, { signal });
    },
    detail(number: string, signal?: AbortSignal) {
      return api.call<ReportDetailView>('GET', `/api/reports/${enc(number)}`, { signal });
    },
    transition(number: string, input: ReportTransitionInput) {
      return api.call<ReportDetailView>('POST', `/api/reports/${enc(number)}/transition`, { body: input });
    },
    assign(number: string, input: ReportAssignInput) {
      return api.call<ReportDetailView>('POST', `/api/reports/${enc(number)}/assign`, { body: input });
    },
    stats(signal?: AbortSignal) {
      return api.call<ReportStats>('GET', '/api/reports/stats', { signal });
    },
    routing(signal?: AbortSignal) {
      return api.call<RoutingTable>('GET', '/api/report-routing', { signal });
    },
    setRouting(table: RoutingTable) {
      return api.call<RoutingTable>('PUT', '/api/report-routing', { body: table });
    },
    parties(signal?: AbortSignal) {
      return api.call<PartyList>('GET', '/api/report-routing/parties', { signal });
    },
  };
}
export type ReportsApi = ReturnType<typeof reportsApi>;
