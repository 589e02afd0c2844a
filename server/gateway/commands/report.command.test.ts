import { describe, expect, it } from 'vitest';
import { translator } from '../../../shared/i18n/index.js';
import type { InboundMessage } from '../../../shared/messages.js';
import { COMMUNITY, reportServiceWithMemory, residentActor } from '../../services/report.factories.js';
import type { ResidentRecord } from '../../repositories/resident.repository.js';
import type { CommandContext } from './index.js';
import {
  handleReport,
  handleReportCandidate,
  handleReportPhotos,
  handleStatus,
  senderKey,
} from './report.command.js';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let seq = 0;
function context(text: string, overrides: Partial<InboundMessage> = {}, language: 'zh-CN' | 'en' = 'zh-CN') {
  const message: InboundMessage = {
    channel: 'simulator',
    accountId: 'simulator',
    channelMessageId: `m${++seq}`,
    groupId: 'g1',
    groupName: '3栋邻里群',
    senderId: 'wx-wang',
    senderName: '王秀英',
    text,
    mentionsBot: false,
    attachments: [],
    receivedAt: new Date().toISOString(),
    ...overrides,
  };
  const resident = {
    ...residentActor(),
    householdId: null,
    relation: null,
    floorArea: null,
    phoneMasked: null,
    version: 0,
  };
  const ctx: CommandContext = {
    key: `simulator:${message.channelMessageId}`,
    message,
    group: {
      id: 'g',
      channel: 'simulator',
      platformGroupId: 'g1',
      name: '',
      communityId: COMMUNITY,
      language,
      scopeId: COMMUNITY,
    },
    resident: resident as ResidentRecord,
    language,
    t: translator(language),
    mayBeRetry: false,
  };
  return ctx;
}

const meta = { language: null, explicit: true } as const;

describe('#报事 and photos', () => {
  it('files, answers with the number in the group language, and attaches a photo sent next', async () => {
    const { service, repo } = reportServiceWithMemory();
    const reply = await handleReport(
      service,
      { intent: 'report', text: '电梯坏了', ...meta },
      context('#报事 电梯坏了'),
    );
    expect(reply).toMatch(/^已收到报事，单号 R1001（电梯，3-2-501），由社区书记处理/);
    const photo = context('', { attachments: [{ kind: 'image', url: `data:image/png;base64,${PNG}` }] });
    expect(await handleReportPhotos(service, photo)).toBe('照片已附到报事单 R1001');
    expect(repo.reports.get(1001)!.photoIds).toHaveLength(1);
    const en = await handleReport(
      service,
      { intent: 'report', text: 'lift broken', ...meta },
      context('x', {}, 'en'),
    );
    expect(en).toMatch(/^Report received: R1002 \(Elevator, 3-2-501\)/);
  });

  it('says why a photo was not kept, and ignores photos with no report open', async () => {
    const { service } = reportServiceWithMemory();
    const stray = context('', { attachments: [{ kind: 'image', url: `data:image/png;base64,${PNG}` }] });
    expect(await handleReportPhotos(service, stray)).toBeNull();
    await handleReport(service, { intent: 'report', text: '电梯坏了', ...meta }, context('#报事'));
    const reference = context('', { attachments: [{ kind: 'image', url: 'wechaty-message:abc' }] });
    expect(await handleReportPhotos(service, reference)).toBe('照片没有保存：无法读取这张图片');
  });

  it('#进度 names state, party and last note', async () => {
    const { service } = reportServiceWithMemory();
    await handleReport(service, { intent: 'report', text: '电梯坏了', ...meta }, context('#报事'));
    const status = await handleStatus(
      service,
      { intent: 'status', ticket: 'R1001', ...meta },
      context('#进度 R1001'),
    );
    expect(status).toBe('报事单 R1001：已提交（社区书记）');
  });
});

describe('@bot text that reads like a report', () => {
  it('asks first; the same sender’s yes files it; other text stays an opinion', async () => {
    const { service, repo } = reportServiceWithMemory();
    const opinion = { intent: 'opinion', ...meta, explicit: false } as const;
    expect(
      await handleReportCandidate(service, { ...opinion, text: '垃圾房味道很大' }, context('@bot')),
    ).toBeNull();
    const ask = await handleReportCandidate(service, { ...opinion, text: '电梯坏了' }, context('@bot'));
    expect(ask).toContain('这是要报事吗');
    expect(repo.reports.size).toBe(0);
    const otherSender = context('@bot 是', { senderId: 'wx-li' });
    expect(await handleReportCandidate(service, { ...opinion, text: '是' }, otherSender)).toBeNull();
    const yes = await handleReportCandidate(service, { ...opinion, text: '是' }, context('@bot 是'));
    expect(yes).toMatch(/^已收到报事，单号 R1001/);
    expect(senderKey(context('x').message)).toBe('simulator:g1:wx-wang');
  });
});
