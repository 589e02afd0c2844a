import { FileBox } from 'file-box';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { assignment } from '../../server/policy/roles.js';
import { scopeId } from '../../server/policy/scope.js';
import { startMockWechat } from '../support/mock-wechat.js';
import { eventually, type TestServer } from '../support/test-server.js';

/**
 * A report filed in a WeChat group with a photo, through the real Wechaty adapter and the embedded bot:
 * mock WeChat → Wechaty → adapter (image inlined) → gateway → report service → outbox → the same room.
 */

const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let engine: TestEngine;
let server: TestServer | undefined;

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  await server?.close();
  await engine?.stop();
});

describe('a report in a WeChat group', () => {
  it('is filed with its photo, and each state change comes back to the group @-mentioning the reporter', async () => {
    const wx = await startMockWechat({ engine, dbPrefix: 'nbtest_report_wx' });
    server = wx.server;
    const community = await server.container.repositories.communities.create({
      code: 'lingshan',
      name: '灵山社区',
      compounds: [{ code: 'garden', name: '灵山花园', buildings: [{ code: '3', name: '3栋' }] }],
    });
    const secretary = await server.container.repositories.residents.create({
      communityId: community.id,
      name: '陈书记',
      roles: [assignment('secretary', scopeId.community(community.id))],
    });
    const wang = wx.mocker.createContact({ name: '王阿姨' });
    const group = wx.room('3栋邻里群', [wang]);

    wang.say('#报事 3栋电梯坏了').to(group.chat);
    const [filed] = await eventually(() => group.botSaid().length > 0 && group.botSaid());
    expect(filed!.text).toMatch(/^@王阿姨 已收到报事，单号 R\d+（电梯，3栋）/);
    const number = Number(/R(\d+)/.exec(filed!.text)![1]);

    wang.say(FileBox.fromBase64(PNG_1PX, 'elevator.png')).to(group.chat);
    const attached = await eventually(() => group.botSaid().length > 1 && group.botSaid()[1]);
    expect(attached!.text).toBe(`@王阿姨 照片已附到报事单 R${number}`);
    const report = (await server.container.services.reports.findByNumber(number))!;
    expect(report.photoIds).toHaveLength(1);
    const photo = await server.container.services.reports.photo(secretary, report.photoIds[0]!);
    expect([photo.contentType, photo.bytes.equals(Buffer.from(PNG_1PX, 'base64'))]).toEqual([
      'image/png',
      true,
    ]);

    const reports = server.container.services.reports;
    await reports.transition(secretary, number, { to: 'accepted' });
    await reports.assign(secretary, number, { party: 'propertyCompany' });
    await reports.transition(secretary, number, { to: 'in_progress' });
    await reports.transition(secretary, number, { to: 'resolved', note: '已更换钢丝绳' });
    const updates = await eventually(() => group.botSaid().length >= 6 && group.botSaid().slice(2));
    expect(updates.map((s) => s.text)).toEqual([
      `@王阿姨 【报事 R${number}】已受理`,
      `@王阿姨 【报事 R${number}】已派单：派给物业公司`,
      `@王阿姨 【报事 R${number}】处理中`,
      `@王阿姨 【报事 R${number}】已解决：已更换钢丝绳`,
    ]);
  });
});
