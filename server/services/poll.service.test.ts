import { describe, expect, it, vi } from 'vitest';
import type { Actor } from '../policy/policy.js';
import { scopeId } from '../policy/scope.js';
import type { ElectorRecord, PollRecord, PollRepository, Tally } from '../repositories/poll.repository.js';
import { PollService } from './poll.service.js';
import type { PointsAwarder } from './points-award.js';

const C = '64b000000000000000000001';
const NOW = new Date('2026-11-25T02:00:00Z');
const home = (n: number) => scopeId.household(C, 'g', '3', `h${n}`);
const owner = (n: number): Actor => ({
  id: `r${n}`,
  communityId: C,
  householdScope: home(n),
  roles: [{ role: 'owner', scopeKind: 'household', scopeId: home(n) }],
});

/** The repository in memory: one map per collection, the same unique-_id semantics. */
function memoryPolls(electors: ElectorRecord[]) {
  const votes = new Map<string, { choices: string[]; version: number; area: number; [k: string]: unknown }>();
  const markers = new Set<string>();
  const tally: Tally = {};
  const repo = {
    listElectors: async () => electors,
    insertVote: async (v: {
      pollId: string;
      key: string;
      choices: string[];
      area: number;
      named?: object;
    }) => {
      if (votes.has(v.key)) return false;
      votes.set(v.key, { choices: v.choices, version: 1, area: v.area, ...(v.named ?? {}) });
      return true;
    },
    findVote: async (_p: string, key: string) => votes.get(key) ?? null,
    swapVote: async (_p: string, key: string, choices: string[]) => {
      const v = votes.get(key);
      if (!v) return null;
      votes.set(key, { ...v, choices, version: v.version + 1 });
      return v;
    },
    mark: async (_p: string, unit: string) => !markers.has(unit) && !!markers.add(unit),
    bump: async (_p: string, inc: Tally) => {
      for (const [k, v] of Object.entries(inc)) tally[k] = (tally[k] ?? 0) + v;
    },
  };
  return { repo: repo as unknown as PollRepository, votes, markers, tally };
}

function poll(overrides: Partial<PollRecord> = {}): PollRecord {
  return {
    id: 'p1',
    communityId: C,
    number: 3,
    question: 'q',
    options: ['A', 'B', 'C'].map((letter) => ({ letter, text: letter })),
    maxChoices: 1,
    anonymous: false,
    eligibility: 'owners',
    kind: 'ownersVote',
    matter: 'ordinary',
    scope: { kind: 'community' },
    scopeIds: [C],
    groupIds: [],
    opensAt: new Date(NOW.getTime() - 1000),
    closesAt: new Date(NOW.getTime() + 86_400_000),
    resultsVisibility: 'afterClose',
    electorate: {
      units: 2,
      area: 17_000,
      buildings: [{ compound: 'g', building: '3', units: 2, area: 17_000 }],
    },
    ballotKey: null,
    postedAt: NOW,
    closedAt: null,
    final: null,
    resultsPostedAt: null,
    createdBy: 'x',
    createdAt: NOW,
    ...overrides,
  };
}

function service(electors: ElectorRecord[], points?: PointsAwarder) {
  const memory = memoryPolls(electors);
  const polls = new PollService({
    polls: memory.repo,
    outbox: { enqueue: vi.fn() },
    counters: { next: vi.fn() },
    households: { listByCommunity: vi.fn() },
    residents: { listRosterMembers: vi.fn(), identitiesOf: vi.fn() },
    communities: { findTree: vi.fn() },
    notices: { groupsOfCommunity: vi.fn() },
    audit: { record: vi.fn() },
    publicUrl: 'https://x',
    points,
    now: () => NOW,
  });
  return { polls, ...memory };
}

const ROLL: ElectorRecord[] = [
  { unitId: 'h1', b: 0, area: 9_000 },
  { unitId: 'h2', b: 0, area: 8_000 },
];

describe('PollService.castVote', () => {
  it('a change of vote moves the unit’s weight from the old option to the new one', async () => {
    const { polls, tally } = service(ROLL);
    expect(await polls.castVote(poll(), owner(1), ['A'], 'app')).toEqual({ kind: 'cast', choices: ['A'] });
    expect(await polls.castVote(poll(), owner(2), ['A'], 'app')).toMatchObject({ kind: 'cast' });
    expect(await polls.castVote(poll(), owner(1), ['B'], 'app')).toEqual({ kind: 'changed', choices: ['B'] });
    expect(await polls.castVote(poll(), owner(1), ['B'], 'app')).toMatchObject({ kind: 'unchanged' });
    expect(tally).toMatchObject({ units: 2, area: 17_000, nA: 1, aA: 8_000, nB: 1, aB: 9_000, b0: 2 });
  });

  it('each bad input is refused before anything is written', async () => {
    const { polls, votes } = service(ROLL);
    const reject = async (p: PollRecord, actor: Actor | null, choices: string[]) => {
      const outcome = await polls.castVote(p, actor, choices, 'chat');
      return outcome.kind === 'rejected' ? outcome.rejection : null;
    };
    expect(await reject(poll({ closedAt: NOW }), owner(1), ['A'])).toEqual({ kind: 'closed' });
    expect(await reject(poll({ opensAt: new Date(NOW.getTime() + 1) }), owner(1), ['A'])).toEqual({
      kind: 'notOpen',
    });
    expect(await reject(poll(), owner(1), ['Z'])).toEqual({ kind: 'badOption', letters: ['Z'] });
    expect(await reject(poll(), owner(1), ['A', 'B'])).toEqual({ kind: 'tooMany', max: 1 });
    expect(await reject(poll(), null, ['A'])).toEqual({ kind: 'ineligible', reason: 'unbound' });
    const tenant = { ...owner(1), roles: [] };
    expect(await reject(poll(), tenant, ['A'])).toEqual({ kind: 'ineligible', reason: 'notOwner' });
    expect(await reject(poll(), owner(7), ['A'])).toEqual({ kind: 'ineligible', reason: 'notOnRoll' });
    const other = {
      ...owner(1),
      householdScope: scopeId.household('64b000000000000000000002', 'g', '3', 'h1'),
    };
    expect(await reject(poll({ scopeIds: [scopeId.building(C, 'g', '5')] }), owner(1), ['A'])).toEqual({
      kind: 'ineligible',
      reason: 'outOfScope',
    });
    expect(await reject(poll(), other, ['A'])).toEqual({ kind: 'ineligible', reason: 'outOfScope' });
    expect(await reject(poll({ anonymous: true, ballotKey: 'k' }), owner(1), ['A'])).toEqual({
      kind: 'anonymousInApp',
    });
    expect(votes.size).toBe(0);
  });

  it('anonymous ballots carry no voter and are keyed by an HMAC of the unit', async () => {
    const { polls, votes, markers } = service(ROLL);
    const p = poll({ kind: 'poll', eligibility: 'household', anonymous: true, ballotKey: 'secret-key' });
    await polls.castVote(p, owner(1), ['C'], 'app');
    await polls.castVote(p, owner(1), ['A'], 'app');
    const [key, ballot] = [...votes][0]!;
    expect(key).toMatch(/^h[A-Za-z0-9_-]{32}$/);
    expect(key).not.toContain('h1');
    expect(ballot).toEqual({ choices: ['A'], version: 2, area: 9_000 });
    expect([...markers]).toEqual(['h1']);
    // Another key (a new poll's) gives an unrelated ballot id for the same unit.
    const again = service(ROLL);
    await again.polls.castVote({ ...p, ballotKey: 'other-key' }, owner(1), ['A'], 'app');
    expect([...again.votes.keys()][0]).not.toBe(key);
  });

  it("awards 'voteCast' once per resident and poll", async () => {
    const award = vi
      .fn<PointsAwarder['award']>()
      .mockResolvedValue({ status: 'credited', points: 1, serviceMinutes: 0 });
    const { polls } = service(ROLL, { award });
    await polls.castVote(poll(), owner(1), ['A'], 'app');
    await polls.castVote(poll(), owner(1), ['B'], 'app');
    expect(award).toHaveBeenCalledTimes(1);
    expect(award).toHaveBeenCalledWith(
      expect.objectContaining({ rule: 'voteCast', idempotencyKey: 'vote:p1:r1', residentId: 'r1' }),
    );
  });
});
