import { describe, expect, it, vi } from 'vitest';
import type { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Actor } from '../policy/policy.js';
import { assignment } from '../policy/roles.js';
import { scopeId } from '../policy/scope.js';
import type { AuditRecord, AuditRepository, NewAuditEntry } from '../repositories/audit.repository.js';
import { AuditService, auditSafe } from './audit.service.js';

const C = 'c0c0c0c0c0c0c0c0c0c0c0c0';
const AT = new Date('2026-03-01T08:00:00Z');

function setup(insert?: (e: NewAuditEntry) => Promise<string>) {
  const rows: AuditRecord[] = [];
  const audit = {
    insert:
      insert ??
      (async (e: NewAuditEntry) => {
        rows.push({ ...e, id: String(rows.length).padStart(24, '0') });
        return rows.at(-1)!.id;
      }),
    list: async ({ limit }: { limit: number }) => [...rows].reverse().slice(0, limit),
  } as unknown as AuditRepository;
  const log = { error: vi.fn() } as unknown as Logger;
  return { rows, log, service: new AuditService({ audit, log, now: () => AT }) };
}

const actor = (role: 'admin' | 'secretary'): Actor => ({
  id: 'a'.repeat(24),
  communityId: C,
  householdScope: null,
  roles: [assignment(role, scopeId.community(C))],
});

describe('auditSafe', () => {
  it('masks phone numbers anywhere in the state and drops their stored forms', () => {
    expect(
      auditSafe({
        phone: '13812341234',
        note: '请联系 13912345678 或 021-12345678',
        phoneHash: 'h',
        phoneCipher: 'c',
        nested: [{ mobile: '15012345678' }],
      }),
    ).toEqual({
      phone: '138****1234',
      note: '请联系 139****5678 或 021-12345678',
      nested: [{ mobile: '150****5678' }],
    });
  });

  it('rewrites keys that may not be stored and turns dates into text', () => {
    expect(auditSafe({ 'a.b': 1, $set: 2, at: AT, gone: undefined })).toEqual({
      a_b: 1,
      _set: 2,
      at: AT.toISOString(),
    });
  });
});

describe('AuditService.record', () => {
  it('stores who, what, when, the target with its scope, and masked before/after', async () => {
    const { rows, service } = setup();
    const scope = scopeId.building(C, 'garden', '3');
    await service.record({
      actor: { id: 'a'.repeat(24), name: '陈书记' },
      action: 'binding.approve',
      target: { kind: 'binding', id: '7', label: '3-2-501', scope },
      before: { status: 'pending', phone: '13812341234' },
      after: { status: 'approved' },
    });
    expect(rows).toEqual([
      {
        id: expect.any(String),
        communityId: C,
        at: AT,
        actorId: 'a'.repeat(24),
        actorName: '陈书记',
        action: 'binding.approve',
        targetKind: 'binding',
        targetId: '7',
        targetLabel: '3-2-501',
        scopeId: scope,
        before: { status: 'pending', phone: '138****1234' },
        after: { status: 'approved' },
      },
    ]);
  });

  it('never throws: a failed write goes to the error log, phones still masked', async () => {
    const { service, log } = setup(async () => Promise.reject(new Error('engine down')));
    await expect(
      service.record({
        actor: { id: null },
        action: 'roster.import',
        target: { kind: 'roster', id: 'f1', scope: scopeId.community(C) },
        after: { rows: [{ phone: '13812341234' }] },
      }),
    ).resolves.toBeUndefined();
    expect(log.error).toHaveBeenCalledOnce();
    expect(JSON.stringify(vi.mocked(log.error).mock.calls[0])).not.toContain('13812341234');
  });
});

describe('AuditService.list', () => {
  it('403 for a secretary', async () => {
    const { service } = setup();
    const err = await service.list(actor('secretary'), { limit: 10 }).catch((e: AppError) => e);
    expect((err as AppError).status).toBe(403);
  });

  it('an admin pages through their community, newest first', async () => {
    const { service } = setup();
    for (const id of ['1', '2', '3'])
      await service.record({
        actor: { id: null },
        action: 'resident.updateRoles',
        target: { kind: 'resident', id, scope: scopeId.community(C) },
      });
    const page = await service.list(actor('admin'), { limit: 2 });
    expect(page.items.map((i) => i.target.id)).toEqual(['3', '2']);
    expect(page.nextBefore).toBe(page.items[1]!.id);
    expect(page.items[0]!.at).toBe(AT.toISOString());
  });
});
