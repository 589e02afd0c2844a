import { describe, expect, it } from 'vitest';
import type { CommunityRepository } from '../repositories/community.repository.js';
import type { CounterRepository } from '../repositories/counter.repository.js';
import type { NewOpinion, OpinionRecord, OpinionRepository } from '../repositories/opinion.repository.js';
import type { AppError } from '../errors.js';
import { guestActor, type Actor } from '../policy/policy.js';
import { assignment } from '../policy/roles.js';
import { scopeId } from '../policy/scope.js';
import { maskName } from './opinion.presenter.js';
import { OpinionService, type SubmitOpinionInput } from './opinion.service.js';

const COMMUNITY = 'c0c0c0c0c0c0c0c0c0c0c0c0';
const B3_GROUP = 'b3b3b3b3b3b3b3b3b3b3b3b3';
const ALL_GROUP = 'a0a0a0a0a0a0a0a0a0a0a0a0';
const GROUP = {
  channel: 'simulator',
  accountId: 'simulator',
  platformGroupId: 'g',
  name: '',
  language: 'zh-CN',
} as const;

/** In-memory stand-ins with the repositories' contracts: unique source keys, increasing numbers. */
function fakes() {
  const rows: OpinionRecord[] = [];
  let seq = 100;
  const opinions = {
    async create(o: NewOpinion) {
      if (rows.some((r) => r.sourceKey === o.sourceKey)) return 'duplicate' as const;
      rows.push({ ...o, id: String(rows.length), status: 'received', createdAt: new Date(), adopted: null });
      return 'inserted' as const;
    },
    async findBySourceKey(key: string) {
      return rows.find((r) => r.sourceKey === key) ?? null;
    },
    async listRecent() {
      return rows;
    },
    async countByCategory() {
      return {};
    },
  } as unknown as OpinionRepository;
  const counters = { next: async () => ++seq } as unknown as CounterRepository;
  const communities = {
    findByCode: async (code: string) =>
      code === 'lingshan' ? { id: COMMUNITY, code, name: '灵山社区' } : null,
  } as unknown as CommunityRepository;
  // Groups as stored: the seeded building-3 group and a community-wide one.
  const groups = {
    groupsOfCommunity: async () => [
      { ...GROUP, id: B3_GROUP, scopeId: `${COMMUNITY}/garden/3` },
      { ...GROUP, id: ALL_GROUP, scopeId: COMMUNITY },
    ],
  };
  const unused = () => Promise.reject(new Error('not used by submit and list'));
  return {
    rows,
    service: new OpinionService({
      opinions,
      counters,
      communities,
      groups,
      outbox: { enqueue: unused },
      audit: { record: unused },
      points: { award: unused },
    }),
  };
}

const input = (overrides: Partial<SubmitOpinionInput> = {}): SubmitOpinionInput => ({
  communityId: null,
  text: '楼下路灯坏了',
  language: 'zh-CN',
  channel: 'simulator',
  groupId: null,
  groupName: '3栋邻里群',
  senderId: 'u1',
  senderName: '王秀英',
  residentId: null,
  sourceKey: 'simulator:m1',
  mayBeRetry: false,
  ...overrides,
});

describe('OpinionService.submit', () => {
  it('files a trimmed opinion with a keyword category and a new number', async () => {
    const { rows, service } = fakes();
    expect(await service.submit(input({ text: '  楼下路灯坏了  ' }))).toEqual({
      kind: 'created',
      number: 101,
      category: 'buildings',
    });
    expect(rows[0]).toMatchObject({ text: '楼下路灯坏了', categorySource: 'keyword' });
  });

  it('keeps an explicit category', async () => {
    const { rows, service } = fakes();
    await service.submit(input({ category: 'health' }));
    expect(rows[0]).toMatchObject({ category: 'health', categorySource: 'explicit' });
  });

  it('refuses empty and over-long text without storing', async () => {
    const { rows, service } = fakes();
    expect(await service.submit(input({ text: '   ' }))).toEqual({ kind: 'empty' });
    expect(await service.submit(input({ text: '字'.repeat(1001) }))).toEqual({ kind: 'tooLong', max: 1000 });
    expect(await service.submit(input({ text: '字'.repeat(1000), sourceKey: 'k2' }))).toMatchObject({
      kind: 'created',
    });
    expect(rows).toHaveLength(1);
  });

  it('a retry of the same source returns the first number instead of filing twice', async () => {
    const { rows, service } = fakes();
    const first = await service.submit(input());
    const retry = await service.submit(input({ mayBeRetry: true }));
    const collision = await service.submit(input());
    expect(retry).toEqual({ ...first, kind: 'duplicate' });
    expect(collision).toEqual({ ...first, kind: 'duplicate' });
    expect(rows).toHaveLength(1);
  });
});

describe('OpinionService.list', () => {
  const query = { community: 'lingshan', limit: 30 };

  it('a resident of the community reads its opinions', async () => {
    const { service } = fakes();
    await service.submit(input({ communityId: COMMUNITY }));
    const list = await service.list(query, guestActor(COMMUNITY));
    expect(list.items.map((o) => o.author)).toEqual(['王**']);
  });

  it('tells each viewer which opinions they may adopt: a building lead only their building’s', async () => {
    const { service } = fakes();
    await service.submit(input({ communityId: COMMUNITY, groupId: B3_GROUP, sourceKey: 'k1' }));
    await service.submit(input({ communityId: COMMUNITY, groupId: ALL_GROUP, sourceKey: 'k2' }));
    const lead = {
      ...guestActor(COMMUNITY),
      roles: [assignment('buildingLead', scopeId.building(COMMUNITY, 'garden', '3'))],
    };
    const committee = { ...guestActor(COMMUNITY), roles: [assignment('committeeMember', COMMUNITY)] };
    const flags = async (viewer: Actor | null) =>
      (await service.list(query, viewer)).items.map((o) => [o.code, o.mayAdopt]);
    expect(await flags(lead)).toEqual([
      ['Y101', true],
      ['Y102', false],
    ]);
    expect(await flags(committee)).toEqual([
      ['Y101', true],
      ['Y102', true],
    ]);
    expect(await flags(guestActor(COMMUNITY))).toEqual([
      ['Y101', false],
      ['Y102', false],
    ]);
    expect(await flags(null)).toEqual([
      ['Y101', false],
      ['Y102', false],
    ]);
  });

  it('403 for a resident of another community', async () => {
    const { service } = fakes();
    const err = (await service.list(query, guestActor('d'.repeat(24))).catch((e: unknown) => e)) as AppError;
    expect([err.status, err.params.action]).toEqual([403, 'access.actions.opinion.read']);
  });

  it('an anonymous visitor (demo routes only) reads them; an unknown community is 404 either way', async () => {
    const { service } = fakes();
    expect((await service.list(query, null)).items).toEqual([]);
    const err = (await service
      .list({ ...query, community: 'nope' }, null)
      .catch((e: unknown) => e)) as AppError;
    expect(err.status).toBe(404);
  });
});

describe('maskName', () => {
  it.each([
    ['王秀英', '王**'],
    ['李', '李*'],
    ['Emma Chen', 'E***'],
    ['', '*'],
  ])('%j → %j', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
});
