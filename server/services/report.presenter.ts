import {
  reportNumber,
  type ReportDetailView,
  type ReportState,
  type ReportView,
} from '../../shared/schemas/report.js';
import type { ReportRecord, ReportSummary } from '../repositories/report.repository.js';
import { summaryOf } from '../repositories/report.repository.js';

const CLOSED: readonly ReportState[] = ['confirmed', 'rejected', 'duplicate', 'not_responsible', 'resolved'];

/** Where the mini-app loads a photo from. */
export const photoUrl = (photoId: string) => `/api/reports/photos/${photoId}`;

/** A list row: what anyone allowed to see the report may see. */
export function presentSummary(
  s: ReportSummary,
  viewer: { viewerId: string | null; now: number },
): ReportView {
  const timed = s.dueAt !== null && !CLOSED.includes(s.state);
  return {
    id: String(s.number),
    number: reportNumber(s.number),
    state: s.state,
    serviceType: s.serviceType,
    category: s.category,
    party: s.party,
    title: s.title,
    scope: s.scopeId,
    address: s.address,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
    dueAt: timed ? new Date(s.dueAt!).toISOString() : null,
    overdue: timed && s.dueAt! < viewer.now,
    photoCount: s.photos,
    mine: s.reporterId !== null && s.reporterId === viewer.viewerId,
  };
}

/** The ticket page: history, photos, and the reporter's phone (masked) only for staff. */
export function presentDetail(
  report: ReportRecord,
  options: {
    viewerId: string | null;
    staff: boolean;
    now: Date;
    reporterPhone: string | null;
    allowedTransitions: ReportState[];
    duplicateOf?: string;
  },
): ReportDetailView {
  return {
    ...presentSummary(summaryOf(report), { viewerId: options.viewerId, now: options.now.getTime() }),
    description: report.description,
    location: { address: report.address, lat: report.lat, long: report.long },
    photos: report.photoIds.map((id) => ({ id, url: photoUrl(id) })),
    history: report.history.map((h) => ({
      at: h.at.toISOString(),
      from: h.from,
      to: h.to,
      by: h.by,
      note: h.note,
      ...(h.party ? { party: h.party } : {}),
    })),
    ...(options.duplicateOf ? { duplicateOf: options.duplicateOf } : {}),
    reporter: {
      name: report.reporterName,
      ...(options.staff && options.reporterPhone ? { phone: maskIfFull(options.reporterPhone) } : {}),
    },
    allowedTransitions: options.allowedTransitions,
    canAssign:
      options.staff && !['confirmed', 'rejected', 'duplicate', 'not_responsible'].includes(report.state),
  };
}

/** Open311 contacts give full numbers; staff still only see them masked. */
const maskIfFull = (phone: string) =>
  /^\d{11}$/.test(phone) ? `${phone.slice(0, 3)}****${phone.slice(7)}` : phone;
