import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeId } from '../../server/policy/scope.js';
import { GroupRepository } from '../../server/repositories/group.repository.js';
import { NoticeRepository, type NewNotice } from '../../server/repositories/notice.repository.js';
import { OutboxRepository } from '../../server/repositories/outbox.repository.js';
import { openTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Notices and acknowledgements against the real engine (FerretDB unless TEST_ENGINE says otherwise). */

let db: TestDatabase;
let notices: NoticeRepository;
let groups: GroupRepository;
let outbox: OutboxRepository;

const C = 'c1c1c1c1c1c1c1c1c1c1c1c1';
let number = 0;

beforeAll(async () => {
  db = await openTestDatabase();
  const { models } = db;
  notices = new NoticeRepository(models);
  groups = new GroupRepository(models);
  outbox = new OutboxRepository(models);
});

afterAll(async () => {
  await db?.close();
});

const newNotice = (overrides: Partial<NewNotice> = {}): NewNotice => ({
  communityId: C,
  number: ++number,
  code: `code${String(number).padStart(8, '0')}`,
  scopeId: C,
  text: '停水通知',
  translations: [{ language: 'en', text: 'Water off' }],
  groupIds: ['g1'],
  createdBy: 'staff',
  ...overrides,
});

describe('NoticeRepository', () => {
  it('stores a notice and finds it by id and code, with its translations', async () => {
    const { notice: created } = await notices.create(newNotice());
    expect(await notices.findById(created.id)).toEqual(created);
    expect((await notices.findByCode(created.code))?.translations).toEqual([
      { language: 'en', text: 'Water off' },
    ]);
    expect(await notices.findById('not-an-id')).toBeNull();
  });

  it('returns the first notice when a source key is used again, and allows many without one', async () => {
    const first = await notices.create(newNotice({ sourceKey: 'msg-1' }));
    const again = await notices.create(newNotice({ sourceKey: 'msg-1' }));
    expect(again).toEqual({ notice: first.notice, created: false });
    expect((await notices.create(newNotice())).created).toBe(true);
    expect((await notices.create(newNotice())).created).toBe(true);
  });

  it('finds the latest notice sent to a group', async () => {
    await notices.create(newNotice({ groupIds: ['ga', 'gb'] }));
    const { notice: latest } = await notices.create(newNotice({ groupIds: ['gb'] }));
    expect((await notices.latestForGroup('gb'))?.id).toBe(latest.id);
    expect(await notices.latestForGroup('nowhere')).toBeNull();
  });

  it('records one ack per household, whoever in it answers', async () => {
    const { id } = (await notices.create(newNotice())).notice;
    expect(await notices.addAck({ noticeId: id, householdId: 'h1', residentId: 'r1', via: 'g1' })).toBe(
      'inserted',
    );
    expect(await notices.addAck({ noticeId: id, householdId: 'h1', residentId: 'r2', via: 'app' })).toBe(
      'duplicate',
    );
    expect(await notices.addAck({ noticeId: id, householdId: 'h2', residentId: 'r3', via: 'app' })).toBe(
      'inserted',
    );
    expect((await notices.listAcks(id)).map((a) => a.householdId).sort()).toEqual(['h1', 'h2']);
  });

  it('lets only the first follow-up claim through', async () => {
    const { id } = (await notices.create(newNotice())).notice;
    const claims = await Promise.all([notices.claimFollowUp(id), notices.claimFollowUp(id)]);
    expect(claims.sort()).toEqual([false, true]);
    expect((await notices.findById(id))?.followUpAt).toBeInstanceOf(Date);
  });

  it('lists the community groups with their sender, and reads delivery states by key', async () => {
    const B = 'c2c2c2c2c2c2c2c2c2c2c2c2';
    await groups.create({
      channel: 'wecom',
      platformGroupId: 'wr-1',
      accountId: 'robot-1',
      name: '3栋',
      communityId: B,
      language: 'zh-TW',
      scopeId: scopeId.building(B, 'east', '3'),
    });
    const listed = await notices.groupsOfCommunity(B);
    expect(listed).toEqual([
      expect.objectContaining({
        channel: 'wecom',
        accountId: 'robot-1',
        language: 'zh-TW',
        scopeId: `${B}/east/3`,
      }),
    ]);

    const message = {
      channel: 'wecom' as const,
      accountId: 'robot-1',
      groupId: 'wr-1',
      mentions: [],
      replyTo: null,
    };
    await outbox.enqueue('notice:n1:a', { ...message, content: { kind: 'text', text: 'a' } });
    await outbox.enqueue('notice:n1:b', { ...message, content: { kind: 'text', text: 'b' } });
    const [claimed] = await outbox.claimMany('wecom', 'robot-1', 60_000, 1);
    await outbox.settle([{ id: claimed!.id, claimToken: claimed!.claimToken, ok: true }], () => null);
    const states = await notices.deliveryStates(['notice:n1:a', 'notice:n1:b', 'notice:n1:c']);
    expect(Object.fromEntries(states)).toEqual({ 'notice:n1:a': 'sent', 'notice:n1:b': 'queued' });
  });
});
