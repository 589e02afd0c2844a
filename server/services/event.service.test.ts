import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { Actor } from '../policy/policy.js';
import type { CheckinRecord, EventRecord, SignupRecord } from '../repositories/event.repository.js';
import { CheckinTokens } from './checkin-token.js';
import { EventService } from './event.service.js';
import type { PointsAward, PointsAwarder } from './points-award.js';

const COMMUNITY = '65a1b2c3d4e5f6a7b8c9d0e1';
const EVENT_ID = '65a1b2c3d4e5f6a7b8c9d0e2';
const NOW = new Date('2026-12-05T02:00:00Z');

const resident: Actor & { id: string } = {
  id: 'r1',
  communityId: COMMUNITY,
  householdScope: `${COMMUNITY}/garden/3/h1`,
  roles: [],
};

const event: EventRecord = {
  id: EVENT_ID,
  communityId: COMMUNITY,
  number: 7,
  scopeId: COMMUNITY,
  title: '楼道清洁',
  description: '',
  place: '3栋大堂',
  startsAt: new Date('2026-12-05T01:30:00Z'),
  endsAt: new Date('2026-12-05T03:00:00Z'),
  capacity: 5,
  seatsLeft: 4,
  category: 'neighbourhood',
  volunteer: true,
  serviceMinutes: 90,
  status: 'open',
  groupIds: [],
  createdBy: 'staff',
  createdAt: NOW,
};

/** The service over an in-memory check-in store and a fake ledger. */
function setup(points?: PointsAwarder) {
  const checkins = new Map<string, CheckinRecord>();
  const attempts: string[] = [];
  const signup = { status: 'confirmed' } as SignupRecord;
  const events = {
    findByNumber: vi.fn(async () => event),
    findSignup: vi.fn(async () => signup),
    findCheckin: vi.fn(async (_e: string, r: string) => checkins.get(r) ?? null),
    insertCheckin: vi.fn(async (c: { residentId: string; via: string; window: number }) => {
      if (checkins.has(c.residentId)) return 'duplicate' as const;
      checkins.set(c.residentId, {
        ...c,
        eventId: EVENT_ID,
        pointsStatus: null,
        points: 0,
        serviceMinutes: 0,
        createdAt: NOW,
      });
      return 'inserted' as const;
    }),
    recordAward: vi.fn(
      async (_e: string, r: string, a: { status: string; points: number; serviceMinutes: number }) => {
        Object.assign(checkins.get(r)!, {
          pointsStatus: a.status,
          points: a.points,
          serviceMinutes: a.serviceMinutes,
        });
      },
    ),
    logAttempt: vi.fn(async (a: { outcome: string }) => {
      attempts.push(a.outcome);
    }),
  };
  const tokens = new CheckinTokens(randomBytes(32), () => NOW.getTime());
  const service = new EventService({
    events: events as never,
    groups: { groupsOfCommunity: async () => [] },
    residents: { findById: async () => null, identitiesOf: async () => [] },
    households: { findByIds: async () => [] },
    outbox: { enqueue: async () => 'inserted' },
    counters: { next: async () => 1 },
    audit: { record: async () => undefined },
    tokens,
    ...(points ? { points } : {}),
    publicUrl: 'http://test',
    now: () => NOW,
  });
  return { service, tokens, checkins, attempts };
}

describe('EventService.checkin and the points ledger', () => {
  it('credits once with the check-in key, the hours of the event and its service minutes', async () => {
    const award = vi.fn<(input: PointsAward) => Promise<never>>(
      async () => ({ status: 'credited', points: 15, serviceMinutes: 90 }) as never,
    );
    const { service, tokens, attempts } = setup({ award });
    const first = await service.checkin({
      actor: resident,
      number: 7,
      code: tokens.code(EVENT_ID),
      via: 'code',
    });
    expect(first).toMatchObject({ ok: true, points: 15, serviceMinutes: 90, pointsStatus: 'credited' });
    expect(award).toHaveBeenCalledExactlyOnceWith({
      communityId: COMMUNITY,
      residentId: 'r1',
      rule: 'eventCheckin',
      idempotencyKey: `checkin:${EVENT_ID}:r1`,
      hours: 1.5,
      serviceMinutes: 90,
      memo: '楼道清洁',
    });
    const again = await service.checkin({
      actor: resident,
      number: 7,
      token: tokens.token(EVENT_ID),
      via: 'qr',
    });
    expect(again).toMatchObject({ ok: false, reason: 'reused' });
    expect(award).toHaveBeenCalledTimes(1);
    expect(attempts).toEqual(['ok', 'reused']);
  });

  it('retries the award on the next attempt when the ledger failed after the check-in was written', async () => {
    const award = vi
      .fn<(input: PointsAward) => Promise<never>>()
      .mockRejectedValueOnce(new Error('ledger down'))
      .mockResolvedValue({ status: 'credited', points: 15, serviceMinutes: 90 } as never);
    const { service, tokens, checkins } = setup({ award });
    await expect(
      service.checkin({ actor: resident, number: 7, code: tokens.code(EVENT_ID), via: 'code' }),
    ).rejects.toThrow('ledger down');
    expect(checkins.get('r1')?.pointsStatus).toBeNull();
    const retry = await service.checkin({
      actor: resident,
      number: 7,
      code: tokens.code(EVENT_ID),
      via: 'code',
    });
    expect(retry).toMatchObject({ ok: false, reason: 'reused' });
    expect(award).toHaveBeenCalledTimes(2);
    expect(checkins.get('r1')).toMatchObject({ pointsStatus: 'credited', points: 15 });
  });

  it('without a ledger records the check-in with no points; forged codes are refused and logged', async () => {
    const { service, tokens, attempts } = setup();
    const wrong = tokens.code(EVENT_ID) === '000000' ? '000001' : '000000';
    expect(await service.checkin({ actor: resident, number: 7, code: wrong, via: 'code' })).toMatchObject({
      ok: false,
    });
    const ok = await service.checkin({
      actor: resident,
      number: 7,
      code: tokens.code(EVENT_ID),
      via: 'code',
    });
    expect(ok).toMatchObject({ ok: true, points: 0, pointsStatus: null });
    expect(attempts.at(-1)).toBe('ok');
  });
});
