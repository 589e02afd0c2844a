import type { TFunction } from 'i18next';
import type { CommandOf } from '../../../shared/commands/parser.js';
import type { InboundMessage } from '../../../shared/messages.js';
import { MAX_PHOTO_BYTES, MAX_REPORT_DESCRIPTION, reportNumber } from '../../../shared/schemas/report.js';
import { AppError } from '../../errors.js';
import type { ReportRecord } from '../../repositories/report.repository.js';
import {
  readsLikeReport,
  isYes,
  parseReportNumber,
  type ReportService,
} from '../../services/report.service.js';
import { decodeDataUrl, photoTooLarge } from '../../storage/photo-storage.js';
import type { CommandContext } from './index.js';

/** One sender in one group: whose photos attach to which report, whose yes answers which question. */
export const senderKey = (message: Pick<InboundMessage, 'channel' | 'groupId' | 'senderId'>) =>
  `${message.channel}:${message.groupId ?? '-'}:${message.senderId}`;

export const reportFiledText = (t: TFunction, report: ReportRecord) =>
  t('reports.chat.filed', {
    number: reportNumber(report.number),
    serviceType: t(`reports.serviceTypes.${report.serviceType}`),
    address: report.address,
    party: t(`reports.parties.${report.party}`),
  });

/** Files a report from chat and opens the two-minute window for its photos. */
async function fileFromChat(reports: ReportService, text: string, ctx: CommandContext): Promise<string> {
  const { message, group, resident, t } = ctx;
  const communityId = group?.communityId ?? resident?.communityId ?? null;
  if (!communityId) return t('reports.chat.noCommunity');
  try {
    const { report } = await reports.file({
      communityId,
      actor: resident,
      reporterName: resident?.name ?? message.senderName,
      description: text,
      origin: {
        channel: message.channel,
        accountId: message.accountId,
        groupId: message.groupId,
        senderId: message.senderId,
        language: ctx.language,
      },
      group: group ? { scope: group.scopeId, name: group.name || message.groupName || '' } : undefined,
      sourceKey: ctx.key,
    });
    await reports.openAttachWindow(senderKey(message), report.number);
    return reportFiledText(t, report);
  } catch (err) {
    if (err instanceof AppError && err.code === 'too_long')
      return t('reports.chat.tooLong', { max: MAX_REPORT_DESCRIPTION });
    if (err instanceof AppError && err.code === 'no_location') return t('reports.chat.noLocation');
    throw err;
  }
}

/** `#报事 <text>`: files it and answers with the ticket number. */
export function handleReport(
  reports: ReportService,
  command: CommandOf<'report'>,
  ctx: CommandContext,
): Promise<string> {
  return fileFromChat(reports, command.text, ctx);
}

/** `#进度 R1024`: the state, party and last note. */
export async function handleStatus(
  reports: ReportService,
  command: CommandOf<'status'>,
  ctx: CommandContext,
): Promise<string> {
  const number = parseReportNumber(command.ticket);
  if (number === null) return ctx.t('reports.chat.noSuchTicket', { number: command.ticket });
  const communityId = ctx.group?.communityId ?? ctx.resident?.communityId ?? null;
  return reports.statusText(communityId, number, ctx.language);
}

/**
 * An @bot message without a command: a yes to a pending "is this a report?" files it; text that reads
 * like a report asks that question; anything else returns null and stays an opinion.
 */
export async function handleReportCandidate(
  reports: ReportService,
  command: CommandOf<'opinion'>,
  ctx: CommandContext,
): Promise<string | null> {
  const key = senderKey(ctx.message);
  if (isYes(command.text)) {
    const pending = await reports.takeConfirmation(key);
    return pending === null ? null : fileFromChat(reports, pending, ctx);
  }
  if (command.category || !readsLikeReport(command.text)) return null;
  await reports.askToConfirm(key, command.text);
  return ctx.t('reports.chat.askConfirm', { text: Array.from(command.text).slice(0, 60).join('') });
}

/** Bytes of an image attachment: a data URL the adapter filled in, or a WeCom picture URL. */
async function attachmentBytes(url: string, message: InboundMessage): Promise<Buffer | null> {
  const inline = decodeDataUrl(url);
  if (inline) return inline;
  // Only WeCom hands out plain picture URLs (from its signed webhook); others are adapter references.
  if (message.channel !== 'wecom' || !/^https?:\/\//.test(url)) return null;
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
  if (!response?.ok) return null;
  if (Number(response.headers.get('content-length') ?? 0) > MAX_PHOTO_BYTES) throw photoTooLarge();
  return Buffer.from(await response.arrayBuffer());
}

/**
 * Images sent within two minutes after `#报事` by the same sender in the same group: each is checked and
 * stored on that report. Null when there is no open report to attach to (an ordinary photo in the group).
 */
export async function handleReportPhotos(
  reports: ReportService,
  ctx: CommandContext,
): Promise<string | null> {
  const images = ctx.message.attachments.filter((a) => a.kind === 'image');
  if (images.length === 0) return null;
  const number = await reports.attachTarget(senderKey(ctx.message));
  if (number === null) return null;
  const { t } = ctx;
  try {
    for (const image of images) {
      const bytes = await attachmentBytes(image.url, ctx.message);
      if (!bytes) return t('reports.chat.photoRejected', { reason: t('reports.errors.photoUnavailable') });
      await reports.attachPhoto(number, bytes, `${ctx.key}:${images.indexOf(image)}`);
    }
  } catch (err) {
    if (err instanceof AppError && err.status < 500)
      return t('reports.chat.photoRejected', { reason: t(err.messageKey, err.params) });
    throw err;
  }
  return t('reports.chat.photoAttached', { number: reportNumber(number) });
}
