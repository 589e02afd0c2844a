import { randomBytes, timingSafeEqual } from 'node:crypto';
import { translator, type Language } from '../../shared/i18n/index.js';
import type {
  IssuedOpen311Key,
  Open311PostInput,
  Open311Query,
  Open311Request,
  Open311Service,
} from '../../shared/schemas/open311.js';
import {
  MAX_REPORT_DESCRIPTION,
  OPEN_STATES,
  REPORT_STATES,
  SERVICE_TYPES,
  isOpenState,
  reportNumber,
  type ServiceType,
} from '../../shared/schemas/report.js';
import { AppError } from '../errors.js';
import { assertCan } from '../policy/authorize.js';
import type { Actor } from '../policy/policy.js';
import type { CommunityRepository } from '../repositories/community.repository.js';
import {
  hashApiKey,
  type ReportRecord,
  type ReportRepository,
  type ReportSummary,
} from '../repositories/report.repository.js';
import type { AuditService } from './audit.service.js';
import { parseReportNumber, type ReportService } from './report.service.js';

const DEFAULT_WINDOW_MS = 90 * 86_400_000;

/** An Open311 error: the spec's `{code, description}` with the HTTP status as the code. */
export class Open311Failure extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    readonly description: string,
  ) {
    super(description);
  }
}

/** Open311 GeoReport v2 over the reports: services are the service types, requests the tickets. */
export class Open311ReportService {
  private readonly envKeys: Buffer[];

  constructor(
    private readonly deps: {
      reports: ReportService;
      repository: Pick<ReportRepository, 'findApiKey' | 'addApiKey' | 'findByNumber'>;
      communities: Pick<CommunityRepository, 'list'>;
      audit: Pick<AuditService, 'record'>;
      /** OPEN311_API_KEYS, comma separated. */
      apiKeys?: string;
    },
  ) {
    this.envKeys = (deps.apiKeys ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean)
      .map((k) => Buffer.from(hashApiKey(k), 'hex'));
  }

  services(language: Language): Open311Service[] {
    const t = translator(language);
    return SERVICE_TYPES.map((code) => ({
      service_code: code,
      service_name: t(`reports.serviceTypes.${code}`),
      description: t(`reports.serviceTypes.${code}`),
      metadata: false,
      type: 'realtime',
      keywords: t(`reports.keywords.${code}`, { returnObjects: true, joinArrays: ',' }) as unknown as string,
      group: t(`categories.${categoryGroup(code)}`),
    }));
  }

  definition(code: string, language: Language): { service_code: string; attributes: [] } {
    if (!isServiceType(code))
      throw new Open311Failure(404, translator(language)('reports.errors.unknownService'));
    return { service_code: code, attributes: [] };
  }

  /** Which community a key files into; null when the key is not valid. */
  async communityOfKey(key: string | undefined): Promise<string | null> {
    if (!key) return null;
    const hash = hashApiKey(key);
    const bytes = Buffer.from(hash, 'hex');
    if (this.envKeys.some((k) => timingSafeEqual(k, bytes))) {
      const [community] = await this.deps.communities.list(1);
      return community?.id ?? null;
    }
    return (await this.deps.repository.findApiKey(hash))?.communityId ?? null;
  }

  async create(input: Open311PostInput, language: Language) {
    const t = translator(language);
    const communityId = await this.communityOfKey(input.api_key);
    if (!communityId) throw new Open311Failure(403, t('errors.unauthorized'));
    if (!isServiceType(input.service_code)) throw new Open311Failure(404, t('reports.errors.unknownService'));
    const description = (input.description ?? '').trim();
    if (Array.from(description).length > MAX_REPORT_DESCRIPTION)
      throw new Open311Failure(400, t('reports.errors.tooLong', { max: MAX_REPORT_DESCRIPTION }));
    const address = input.address_string ?? input.address_id;
    if (!address && (input.lat === undefined || input.long === undefined))
      throw new Open311Failure(400, t('reports.errors.noLocation'));
    const name = [input.last_name, input.first_name].filter(Boolean).join('');
    try {
      const { report } = await this.deps.reports.file({
        communityId,
        actor: null,
        reporterName: name || 'Open311',
        description: description || t(`reports.serviceTypes.${input.service_code}`),
        serviceType: input.service_code,
        address,
        lat: input.lat,
        long: input.long,
        mediaUrl: input.media_url,
        contact: {
          ...(input.email ? { email: input.email } : {}),
          ...(input.first_name ? { firstName: input.first_name } : {}),
          ...(input.last_name ? { lastName: input.last_name } : {}),
          ...(input.phone ? { phone: input.phone } : {}),
        },
      });
      return [{ service_request_id: reportNumber(report.number), service_notice: '', account_id: '' }];
    } catch (err) {
      if (err instanceof AppError && err.status === 400)
        throw new Open311Failure(400, t(err.messageKey, err.params));
      throw err;
    }
  }

  async list(query: Open311Query, language: Language): Promise<Open311Request[]> {
    const t = translator(language);
    if (query.service_request_id) {
      const out: Open311Request[] = [];
      for (const id of query.service_request_id.slice(0, 1000)) {
        const n = parseReportNumber(id);
        const report = n === null ? null : await this.deps.repository.findByNumber(n);
        if (report) out.push(presentRequest(report, t));
      }
      return out;
    }
    const now = Date.now();
    const to = query.end_date ? Date.parse(query.end_date) : undefined;
    const from = query.start_date
      ? Date.parse(query.start_date)
      : to === undefined
        ? now - DEFAULT_WINDOW_MS
        : to - DEFAULT_WINDOW_MS;
    const wantsOpen = !query.status || query.status.includes('open');
    const wantsClosed = !query.status || query.status.includes('closed');
    const states =
      wantsOpen && wantsClosed
        ? undefined
        : wantsOpen
          ? OPEN_STATES
          : REPORT_STATES.filter((s) => !isOpenState(s));
    const page = await this.deps.reports.scan(
      { states, serviceTypes: query.service_code, from, to },
      { limit: query.page_size ?? 100, before: query.before ? Number(query.before) : undefined, now },
    );
    // A list repeats a few names (states, services, parties): look each up once.
    const names = new Map<string, string>();
    const name = (key: string) => names.get(key) ?? names.set(key, t(key)).get(key)!;
    return page.items.map((s) => presentSummaryRequest(s, name));
  }

  async one(id: string, language: Language): Promise<Open311Request[]> {
    const t = translator(language);
    const n = parseReportNumber(id);
    const report = n === null ? null : await this.deps.repository.findByNumber(n);
    if (!report) throw new Open311Failure(404, t('errors.notFound', { what: t('reports.what.report') }));
    return [presentRequest(report, t)];
  }

  /** An admin issues a key for their community; only its hash is stored, the key is shown once. */
  async issueKey(actor: Actor & { name?: string }, name: string): Promise<IssuedOpen311Key> {
    assertCan(actor, 'open311.keys', { scope: actor.communityId });
    const key = randomBytes(24).toString('base64url');
    await this.deps.repository.addApiKey(hashApiKey(key), {
      name,
      communityId: actor.communityId,
      createdBy: actor.id ?? 'unknown',
    });
    await this.deps.audit.record({
      actor: { id: actor.id, name: actor.name },
      action: 'open311.issueKey',
      target: { kind: 'open311Key', id: name, scope: actor.communityId },
    });
    return { name, key };
  }
}

const isServiceType = (code: string): code is ServiceType =>
  (SERVICE_TYPES as readonly string[]).includes(code);

function categoryGroup(code: ServiceType) {
  return code === 'noise' ? 'neighbourhood' : code === 'parking' ? 'transport' : 'services';
}

type T = ReturnType<typeof translator>;

function presentSummaryRequest(s: ReportSummary, t: (key: string) => string): Open311Request {
  return {
    service_request_id: reportNumber(s.number),
    status: isOpenState(s.state) ? 'open' : 'closed',
    status_notes: t(`reports.states.${s.state}`),
    service_name: t(`reports.serviceTypes.${s.serviceType}`),
    service_code: s.serviceType,
    description: s.title,
    agency_responsible: t(`reports.parties.${s.party}`),
    service_notice: '',
    requested_datetime: new Date(s.createdAt).toISOString(),
    updated_datetime: new Date(s.updatedAt).toISOString(),
    expected_datetime: s.dueAt !== null && isOpenState(s.state) ? new Date(s.dueAt).toISOString() : '',
    address: s.address,
    address_id: '',
    zipcode: '',
    lat: s.lat ?? null,
    long: s.long ?? null,
    media_url: '',
  };
}

function presentRequest(r: ReportRecord, t: T): Open311Request {
  const last = [...r.history].reverse().find((h) => h.note)?.note;
  return {
    service_request_id: reportNumber(r.number),
    status: isOpenState(r.state) ? 'open' : 'closed',
    status_notes: last ? `${t(`reports.states.${r.state}`)}: ${last}` : t(`reports.states.${r.state}`),
    service_name: t(`reports.serviceTypes.${r.serviceType}`),
    service_code: r.serviceType,
    description: r.description,
    agency_responsible: t(`reports.parties.${r.party}`),
    service_notice: '',
    requested_datetime: r.createdAt.toISOString(),
    updated_datetime: r.updatedAt.toISOString(),
    expected_datetime: r.dueAt && isOpenState(r.state) ? r.dueAt.toISOString() : '',
    address: r.address,
    address_id: '',
    zipcode: '',
    lat: r.lat,
    long: r.long,
    media_url: r.mediaUrl ?? '',
  };
}
