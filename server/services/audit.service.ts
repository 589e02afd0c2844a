import type { AuditList, ListAuditQuery } from '../../shared/schemas/audit.js';
import { maskPhone } from '../../shared/schemas/phone.js';
import type { Logger } from '../logger.js';
import { assertCan } from '../policy/authorize.js';
import type { Actor } from '../policy/policy.js';
import { communityOf, scopeId, type ScopeId } from '../policy/scope.js';
import type { AuditRecord, AuditRepository } from '../repositories/audit.repository.js';

export interface AuditInput {
  /** Who acted; `name` is kept so the log still reads right after the resident is renamed or removed. */
  actor: Pick<Actor, 'id'> & { name?: string };
  /** Dotted verb: `resident.updateRoles`, `binding.approve`, `roster.import`… */
  action: string;
  target: { kind: string; id: string; label?: string; scope: ScopeId };
  before?: unknown;
  after?: unknown;
}

const PHONE_IN_TEXT = /(?<!\d)(1[3-9]\d{9})(?!\d)/g;
/** Stored forms of a phone number that have no business in a log. */
const SECRET_KEYS = new Set(['phoneHash', 'phoneCipher']);
const MAX_DEPTH = 8;
const MAX_ITEMS = 500;

/**
 * A copy safe to store and show: full phone numbers masked wherever they appear, hashes and ciphertexts
 * dropped, and keys that are not plain names (`.`, leading `$`) rewritten, since stored keys must be.
 */
export function auditSafe(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(PHONE_IN_TEXT, (phone) => maskPhone(phone));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH || typeof value !== 'object') return value === undefined ? null : String(value);
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => auditSafe(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>).slice(0, MAX_ITEMS)) {
    if (SECRET_KEYS.has(key) || v === undefined) continue;
    out[key.replace(/\./g, '_').replace(/^\$/, '_')] = auditSafe(v, depth + 1);
  }
  return out;
}

const present = (r: AuditRecord) => ({
  id: r.id,
  at: r.at.toISOString(),
  actor: { id: r.actorId, name: r.actorName },
  action: r.action,
  target: { kind: r.targetKind, id: r.targetId, label: r.targetLabel, scopeId: r.scopeId },
  before: r.before,
  after: r.after,
});

/** The record of staff actions: every approval, import and role change writes one entry. */
export class AuditService {
  constructor(private readonly deps: { audit: AuditRepository; log: Logger; now?: () => Date }) {}

  /**
   * Records a staff action after it took effect. Never throws: the action already happened and must
   * not be reported as failed; a write that fails goes to the error log in full instead.
   */
  async record(input: AuditInput): Promise<void> {
    const entry = {
      communityId: communityOf(input.target.scope),
      at: this.deps.now?.() ?? new Date(),
      actorId: input.actor.id,
      actorName: input.actor.name ?? '',
      action: input.action,
      targetKind: input.target.kind,
      targetId: input.target.id,
      targetLabel: input.target.label ?? '',
      scopeId: input.target.scope,
      before: auditSafe(input.before ?? null),
      after: auditSafe(input.after ?? null),
    };
    try {
      await this.deps.audit.insert(entry);
    } catch (err) {
      this.deps.log.error({ err, audit: entry }, 'audit entry not written');
    }
  }

  /** Admins read their community's log, newest first. */
  async list(actor: Actor, query: ListAuditQuery): Promise<AuditList> {
    assertCan(actor, 'audit.read', { scope: scopeId.community(actor.communityId) });
    const items = await this.deps.audit.list({
      communityId: actor.communityId,
      before: query.before,
      limit: query.limit,
    });
    const last = items.at(-1);
    return {
      items: items.map(present),
      nextBefore: items.length === query.limit && last ? last.id : null,
    };
  }
}
