import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { scopeId } from '../policy/scope.js';
import { COMMUNITY, reportServiceWithMemory, residentActor, secretaryActor } from './report.factories.js';
import {
  buildingInText,
  classifyReport,
  isoWeek,
  isYes,
  parseReportNumber,
  readsLikeReport,
  routeParty,
} from './report.service.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const origin = {
  channel: 'simulator' as const,
  accountId: 'simulator',
  groupId: 'g1',
  senderId: 'wx-wang',
  language: 'zh-CN' as const,
};

async function caught(work: Promise<unknown>): Promise<AppError> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('reading a report from text', () => {
  it('names the service type, the building and whether it reads like a report', () => {
    expect(classifyReport('3栋电梯坏了')).toBe('elevator');
    expect(classifyReport('楼下路灯不亮')).toBe('lighting');
    expect(classifyReport('The lift is broken')).toBe('elevator');
    expect(classifyReport('今天天气不错')).toBeNull();
    expect(readsLikeReport('电梯坏了')).toBe(true);
    expect(readsLikeReport('垃圾房味道很大')).toBe(false);
    expect(buildingInText('3栋电梯坏了')).toBe('3');
    expect(buildingInText('12號樓漏水')).toBe('12');
    expect(buildingInText('building 7 lift')).toBe('7');
    expect(buildingInText('电梯坏了')).toBeNull();
    expect(parseReportNumber('r1024')).toBe(1024);
    expect(parseReportNumber('X1')).toBeNull();
    expect(isYes('是的！')).toBe(true);
    expect(isYes('不是')).toBe(false);
  });

  it('routes to the most specific rule and otherwise to the secretary', () => {
    const building = scopeId.building(COMMUNITY, 'garden', '3');
    const rules = [
      { serviceType: 'water' as const, scope: COMMUNITY, party: 'propertyCompany' as const },
      { serviceType: 'water' as const, scope: building, party: 'gridWorker' as const },
    ];
    expect(routeParty(rules, 'water', building)).toBe('gridWorker');
    expect(routeParty(rules, 'water', scopeId.building(COMMUNITY, 'garden', '5'))).toBe('propertyCompany');
    expect(routeParty(rules, 'noise', building)).toBe('secretary');
  });

  it('names ISO weeks across the year boundary', () => {
    expect(isoWeek(new Date('2026-11-19T12:00:00Z'))).toBe('2026-W47');
    expect(isoWeek(new Date('2027-01-01T12:00:00Z'))).toBe('2026-W53');
  });
});

describe('ReportService.file', () => {
  it('places a report at a building named in the text, else at the household', async () => {
    const { service } = reportServiceWithMemory();
    const named = await service.file({
      communityId: COMMUNITY,
      actor: residentActor(),
      reporterName: '王秀英',
      description: '5栋门口漏水',
    });
    expect([named.report.scopeId, named.report.address, named.report.serviceType]).toEqual([
      scopeId.building(COMMUNITY, 'garden', '5'),
      '5栋',
      'water',
    ]);
    const home = await service.file({
      communityId: COMMUNITY,
      actor: residentActor(),
      reporterName: '王秀英',
      description: '电梯坏了',
    });
    expect([home.report.scopeId, home.report.address]).toEqual([
      scopeId.building(COMMUNITY, 'garden', '3'),
      '3-2-501',
    ]);
    expect(home.report.number).toBe(1002);
  });

  it('refuses a missing location and an over-long text, storing nothing', async () => {
    const { service, repo } = reportServiceWithMemory();
    const noPlace = await caught(
      service.file({ communityId: COMMUNITY, actor: null, reporterName: 'x', description: '电梯坏了' }),
    );
    expect([noPlace.status, noPlace.code]).toEqual([400, 'no_location']);
    const long = await caught(
      service.file({
        communityId: COMMUNITY,
        actor: residentActor(),
        reporterName: 'x',
        description: '漏'.repeat(4001),
      }),
    );
    expect([long.status, long.code]).toEqual([400, 'too_long']);
    expect(repo.reports.size).toBe(0);
  });

  it('a guest in a building group files at that building; in the community group they must say where', async () => {
    const { service } = reportServiceWithMemory();
    const building = scopeId.building(COMMUNITY, 'garden', '3');
    const { report } = await service.file({
      communityId: COMMUNITY,
      actor: null,
      reporterName: '路人',
      description: '电梯坏了',
      group: { scope: building, name: '3栋邻里群' },
    });
    expect([report.scopeId, report.address]).toEqual([building, '3栋邻里群']);
    const err = await caught(
      service.file({
        communityId: COMMUNITY,
        actor: null,
        reporterName: '路人',
        description: '电梯坏了',
        group: { scope: COMMUNITY, name: '居民群' },
      }),
    );
    expect(err.code).toBe('no_location');
  });

  it('a retried chat message returns the same ticket', async () => {
    const { service, repo } = reportServiceWithMemory();
    const input = {
      communityId: COMMUNITY,
      actor: residentActor(),
      reporterName: '王秀英',
      description: '电梯坏了',
      sourceKey: 'simulator:m1',
    };
    const first = await service.file(input);
    const again = await service.file(input);
    expect([again.duplicate, again.report.number]).toEqual([true, first.report.number]);
    expect(repo.reports.size).toBe(1);
  });
});

describe('ReportService.transition', () => {
  async function filed() {
    const ctx = reportServiceWithMemory();
    const { report } = await ctx.service.file({
      communityId: COMMUNITY,
      actor: residentActor(),
      reporterName: '王秀英',
      description: '电梯坏了',
      origin,
    });
    return { ...ctx, number: report.number };
  }

  it('another resident may not touch it; the reporter may not make staff moves', async () => {
    const { service, number } = await filed();
    const other = await caught(
      service.transition(residentActor('eeeeeeeeeeeeeeeeeeeeeeee'), number, { to: 'accepted' }),
    );
    expect([other.status, other.code]).toEqual([403, 'not_yours']);
    const own = await caught(service.transition(residentActor(), number, { to: 'accepted' }));
    expect([own.status, own.code]).toEqual([400, 'bad_transition']);
  });

  it('staff accept (points awarded once), resolve; the reporter confirms; each change goes to the group', async () => {
    const { service, number, outbox, awards, audits } = await filed();
    await service.transition(secretaryActor(), number, { to: 'accepted', note: '收到' });
    await service.transition(secretaryActor(), number, { to: 'resolved', note: '修好了' });
    const done = await service.transition(residentActor(), number, { to: 'confirmed' });
    expect(done.state).toBe('confirmed');
    expect(done.allowedTransitions).toEqual([]);
    expect(awards).toEqual([`reportAccepted:report:${number}`]);
    expect(audits).toEqual(['report.transition', 'report.transition']);
    expect(outbox.map((o) => o.text)).toEqual([
      `【报事 R${number}】已受理：收到`,
      `【报事 R${number}】已解决：修好了`,
      `【报事 R${number}】已确认`,
    ]);
    expect(outbox.every((o) => o.mentions[0] === 'wx-wang')).toBe(true);
    expect(new Set(outbox.map((o) => o.key)).size).toBe(3);
  });

  it('rejecting needs a reason; a duplicate needs an existing original', async () => {
    const { service, number } = await filed();
    expect((await caught(service.transition(secretaryActor(), number, { to: 'rejected' }))).code).toBe(
      'reason_required',
    );
    const missing = await caught(
      service.transition(secretaryActor(), number, { to: 'duplicate', reason: '重复', duplicateOf: 'R9999' }),
    );
    expect(missing.status).toBe(404);
    const self = await caught(
      service.transition(secretaryActor(), number, {
        to: 'duplicate',
        reason: '重复',
        duplicateOf: `R${number}`,
      }),
    );
    expect(self.code).toBe('duplicate_of_self');
  });
});

describe('ReportService.tick', () => {
  it('escalates an overdue report once to the next party and asks "is it fixed?" once', async () => {
    let now = new Date('2026-11-20T08:00:00Z');
    const { service, repo, outbox } = reportServiceWithMemory({ now: () => now });
    repo.routingTable = {
      rules: [{ serviceType: 'elevator', scope: COMMUNITY, party: 'propertyCompany' }],
      slaHours: { elevator: 1 },
    };
    const { report } = await service.file({
      communityId: COMMUNITY,
      actor: residentActor(),
      reporterName: '王秀英',
      description: '电梯坏了',
      origin,
    });
    now = new Date('2026-11-20T09:30:00Z');
    expect(await service.tick(now)).toBe(1);
    expect(await service.tick(now)).toBe(0);
    expect(repo.reports.get(report.number)!.party).toBe('residentsCommittee');
    expect(outbox.map((o) => o.text)).toEqual([`【报事 R${report.number}】已超时，已升级给居委会`]);

    await service.transition(secretaryActor(), report.number, { to: 'accepted' });
    await service.transition(secretaryActor(), report.number, { to: 'resolved' });
    now = new Date('2026-11-28T09:30:00Z');
    expect(await service.tick(now)).toBe(1);
    expect(await service.tick(now)).toBe(0);
    expect(outbox.filter((o) => o.key.endsWith(':followup'))).toHaveLength(1);
  });
});

describe('ReportService photos and lists', () => {
  it('stores a real image, refuses anything else, and shows photos to the reporter and staff only', async () => {
    const { service, photos } = reportServiceWithMemory();
    const { report } = await service.file({
      communityId: COMMUNITY,
      actor: residentActor(),
      reporterName: '王秀英',
      description: '电梯坏了',
    });
    expect((await caught(service.attachPhoto(report.number, Buffer.from('<svg/>')))).code).toBe('not_image');
    expect(
      (await caught(service.attachPhoto(report.number, Buffer.concat([PNG, Buffer.alloc(6 * 1024 * 1024)]))))
        .code,
    ).toBe('photo_too_large');
    expect(photos.files.size).toBe(0);
    const id = await service.attachPhoto(report.number, PNG);
    expect((await service.photo(secretaryActor(), id)).contentType).toBe('image/png');
    expect((await caught(service.photo(residentActor('eeeeeeeeeeeeeeeeeeeeeeee'), id))).status).toBe(403);
  });

  it('a resident lists only their own; staff filter by state', async () => {
    const { service } = reportServiceWithMemory();
    for (const [who, text] of [
      [residentActor(), '电梯坏了'],
      [residentActor('eeeeeeeeeeeeeeeeeeeeeeee'), '5栋漏水'],
    ] as const)
      await service.file({ communityId: COMMUNITY, actor: who, reporterName: who.name, description: text });
    const mine = await service.list(residentActor(), {});
    expect(mine.items.map((r) => r.title)).toEqual(['电梯坏了']);
    const staff = await service.list(secretaryActor(), { serviceType: 'water' });
    expect(staff.items.map((r) => r.title)).toEqual(['5栋漏水']);
    expect((await service.list(secretaryActor(), { state: 'resolved' })).items).toEqual([]);
  });
});
