import type {
  FollowUpResult,
  NoticeDetail,
  NoticeList,
  NoticePreview,
  NoticeTargets,
  ScheduledNoticeList,
  ScheduledNoticeView,
  SendNoticeInput,
} from '../../../shared/schemas/notice.js';
import type { Api } from '../api.js';

/** `MAX_NOTICE_LENGTH` of shared/schemas/notice.ts; importing a value from there would bundle zod. */
export const MAX_NOTICE_LENGTH = 1000;

/** How often the list and detail pages ask for delivery progress while open. */
export const POLL_MS = 3000;

export interface SentNoticeAnswer {
  id: string;
  number: string;
  code: string;
  groups: number;
}

const id = (value: string) => encodeURIComponent(value);

/** The staff notice endpoints, typed on top of the generic `api.call`. */
export function noticesApi(api: Pick<Api, 'call'>) {
  return {
    targets: (signal?: AbortSignal) => api.call<NoticeTargets>('GET', '/api/notices/targets', { signal }),
    preview: (body: SendNoticeInput, signal?: AbortSignal) =>
      api.call<NoticePreview>('POST', '/api/notices/preview', { body, signal }),
    send: (body: SendNoticeInput) => api.call<SentNoticeAnswer>('POST', '/api/notices', { body }),
    schedule: (body: SendNoticeInput & { sendAt: string }) =>
      api.call<ScheduledNoticeView>('POST', '/api/notices/scheduled', { body }),
    list: (signal?: AbortSignal) => api.call<NoticeList>('GET', '/api/notices', { signal }),
    scheduled: (signal?: AbortSignal) =>
      api.call<ScheduledNoticeList>('GET', '/api/notices/scheduled', { signal }),
    cancel: (scheduleId: string) => api.call<null>('DELETE', `/api/notices/scheduled/${id(scheduleId)}`),
    detail: (noticeId: string, signal?: AbortSignal) =>
      api.call<NoticeDetail>('GET', `/api/notices/${id(noticeId)}`, { signal }),
    followUp: (noticeId: string) =>
      api.call<FollowUpResult>('POST', `/api/notices/${id(noticeId)}/follow-up`, { body: {} }),
    exportUrl: (noticeId: string) => `/api/notices/${id(noticeId)}/export.xlsx`,
  };
}

export type NoticesApi = ReturnType<typeof noticesApi>;

/** Calls `run` every `ms` until `signal` aborts; each call waits for the previous one to finish. */
export function pollWhileOpen(signal: AbortSignal, ms: number, run: () => Promise<void>): void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const next = () => {
    if (signal.aborted) return;
    timer = setTimeout(() => {
      void run()
        .catch(() => undefined)
        .finally(next);
    }, ms);
  };
  signal.addEventListener('abort', () => {
    if (timer) clearTimeout(timer);
  });
  next();
}
