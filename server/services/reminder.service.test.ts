import { describe, expect, it, vi } from 'vitest';
import { assignment } from '../policy/roles.js';
import { scopeId } from '../policy/scope.js';
import type { NewReminder, ReminderRecord } from '../repositories/reminder.repository.js';
import type { ResidentRecord } from '../repositories/resident.repository.js';
import { reminderRecord } from '../scheduler/reminder.factories.js';
import { ReminderService } from './reminder.service.js';

const C = 'c'.repeat(24);
const OTHER = 'f'.repeat(24);
const G = 'a'.repeat(24);

const resident = (roles: ResidentRecord['roles']): ResidentRecord => ({
  id: 'b'.repeat(24),
  communityId: C,
  householdId: null,
  householdScope: null,
  relation: null,
  floorArea: null,
  name: '陈书记',
  phoneMasked: null,
  roles,
  version: 0,
});
const secretary = resident([assignment('secretary', scopeId.community(C))]);
const lead = resident([assignment('buildingLead', scopeId.building(C, 'garden', '3'))]);

/** 2026-03-10 10:00 in Shanghai. */
const NOW = new Date('2026-03-10T02:00:00Z');

function setup(existing: ReminderRecord[] = []) {
  const created: NewReminder[] = [];
  const reminders = {
    create: vi.fn(async (input: NewReminder) => {
      created.push(input);
      return reminderRecord({ ...input, id: 'e'.repeat(24) });
    }),
    findById: vi.fn(async (id: string) => existing.find((r) => r.id === id) ?? null),
    listByCommunity: vi.fn(async () => existing),
    deactivate: vi.fn(async () => true),
    groupsInCommunity: vi.fn(async (_c: string, ids: string[]) => ids.filter((id) => id === G)),
  };
  const counters = { next: vi.fn(async () => 7) };
  return {
    service: new ReminderService({ reminders, counters, now: () => NOW }),
    reminders,
    created,
    counters,
  };
}

const body = (overrides = {}) => ({
  communityId: C,
  cron: '0 9 15,30 * *',
  timezone: 'Asia/Shanghai',
  text: '三方碰头会',
  groupIds: [],
  ...overrides,
});

describe('ReminderService.create', () => {
  it('stores the reminder with its next run in the given zone', async () => {
    const { service, created } = setup();
    await service.create(secretary, body({ groupIds: [G] }));
    expect(created[0]).toEqual({
      communityId: C,
      number: 7,
      text: '三方碰头会',
      groupIds: [G],
      cron: '0 9 15,30 * *',
      timezone: 'Asia/Shanghai',
      nextRunAt: new Date('2026-03-15T01:00:00Z'),
      createdBy: secretary.id,
    });
  });

  it('refuses staff without reminder.create, and secretaries of another community', async () => {
    const { service, reminders } = setup();
    await expect(service.create(lead, body())).rejects.toMatchObject({ status: 403 });
    await expect(service.create(secretary, body({ communityId: OTHER }))).rejects.toMatchObject({
      status: 403,
    });
    expect(reminders.create).not.toHaveBeenCalled();
  });

  it.each([
    [{ cron: '0 9 * *' }, 'invalid_cron'],
    [{ cron: '0 9 31 2 *' }, 'invalid_cron'],
    [{ timezone: 'Mars/Olympus' }, 'invalid_timezone'],
    [{ groupIds: [G, 'd'.repeat(24)] }, 'unknown_group'],
  ])('rejects %o with %s', async (overrides, code) => {
    const { service, reminders } = setup();
    await expect(service.create(secretary, body(overrides))).rejects.toMatchObject({ status: 400, code });
    expect(reminders.create).not.toHaveBeenCalled();
  });
});

describe('ReminderService.createFromChat', () => {
  const chat = (overrides = {}) => ({
    communityId: C,
    groupId: G,
    schedule: '每月15日,30日',
    time: '09:00',
    text: '三方碰头会',
    ...overrides,
  });

  it('translates the schedule and targets the group it was typed in', async () => {
    const { service, created } = setup();
    const result = await service.createFromChat(secretary, chat());
    expect(result.kind).toBe('created');
    expect(created[0]).toMatchObject({
      cron: '0 9 15,30 * *',
      groupIds: [G],
      nextRunAt: new Date('2026-03-15T01:00:00Z'),
    });
  });

  it('targets the whole community from a private chat', async () => {
    const { service, created } = setup();
    await service.createFromChat(secretary, chat({ groupId: null, schedule: '工作日' }));
    expect(created[0]).toMatchObject({
      cron: '0 9 * * 1-5',
      groupIds: [],
      nextRunAt: new Date('2026-03-11T01:00:00Z'),
    });
  });

  it('says what went wrong without storing anything', async () => {
    const { service, reminders } = setup();
    expect(await service.createFromChat(secretary, chat({ schedule: '明天' }))).toEqual({
      kind: 'badSchedule',
    });
    expect(await service.createFromChat(lead, chat())).toEqual({ kind: 'forbidden' });
    expect(reminders.create).not.toHaveBeenCalled();
  });
});

describe('ReminderService.list and deactivate', () => {
  it('lists for staff of the community only', async () => {
    const { service } = setup([reminderRecord({ communityId: C })]);
    expect(await service.list(secretary, C)).toHaveLength(1);
    await expect(service.list(lead, C)).rejects.toMatchObject({ status: 403 });
  });

  it('deactivates, 404 for unknown or stopped ones, 403 across communities', async () => {
    const mine = reminderRecord({ id: '1'.repeat(24), communityId: C });
    const theirs = reminderRecord({ id: '2'.repeat(24), communityId: OTHER });
    const stopped = reminderRecord({ id: '3'.repeat(24), communityId: C, active: false });
    const { service, reminders } = setup([mine, theirs, stopped]);
    expect(await service.deactivate(secretary, mine.id)).toMatchObject({ active: false });
    expect(reminders.deactivate).toHaveBeenCalledWith(mine.id);
    await expect(service.deactivate(secretary, theirs.id)).rejects.toMatchObject({ status: 403 });
    await expect(service.deactivate(secretary, stopped.id)).rejects.toMatchObject({ status: 404 });
    await expect(service.deactivate(secretary, '4'.repeat(24))).rejects.toMatchObject({ status: 404 });
    expect(reminders.deactivate).toHaveBeenCalledTimes(1);
  });
});
