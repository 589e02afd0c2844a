import type {
  AttendanceReport,
  CancelResult,
  CheckinQrView,
  CheckinResult,
  CreateEventInput,
  EventList,
  EventView,
  SignupResult,
  UpdateEventInput,
} from '../../../shared/schemas/event.js';
import type { Api } from '../api.js';

export type CheckinAnswer = Extract<CheckinResult, { ok: true }> & { number: number | null };

/** The events endpoints, typed; errors arrive as `ApiError` with the server's translated message. */
export function eventsApi(api: Api, signal?: AbortSignal) {
  return {
    list: () => api.call<EventList>('GET', '/api/events', { signal }),
    mine: () => api.call<EventList>('GET', '/api/events/mine', { signal }),
    get: (number: number) => api.call<EventView>('GET', `/api/events/${number}`, { signal }),
    signUp: (number: number) => api.call<SignupResult>('POST', `/api/events/${number}/signup`, { signal }),
    cancel: (number: number) => api.call<CancelResult>('POST', `/api/events/${number}/cancel`, { signal }),
    create: (
      input: Omit<CreateEventInput, 'description' | 'volunteer'> & {
        description?: string;
        volunteer?: boolean;
      },
    ) => api.call<{ event: EventView; groups: number }>('POST', '/api/events', { body: input, signal }),
    update: (number: number, input: UpdateEventInput) =>
      api.call<EventView>('PATCH', `/api/events/${number}`, { body: input, signal }),
    qr: (number: number) => api.call<CheckinQrView>('GET', `/api/events/${number}/qr`, { signal }),
    attendance: (number: number) =>
      api.call<AttendanceReport>('GET', `/api/events/${number}/attendance`, { signal }),
    /** With an event number, a six-digit code or a token; without, the token names the event. */
    checkin: (input: { number: number | null; code?: string; token?: string }) =>
      api.call<CheckinAnswer>(
        'POST',
        input.number === null ? '/api/events/checkin' : `/api/events/${input.number}/checkin`,
        { body: input.code ? { code: input.code } : { token: input.token }, signal },
      ),
  };
}

export type EventsApi = ReturnType<typeof eventsApi>;

/** What a scan or a typed entry holds: six digits, or a check-in link / token. */
export function readScanned(text: string): { code: string } | { token: string } | null {
  const trimmed = text.trim();
  if (/^\d{6}$/.test(trimmed)) return { code: trimmed };
  const token = /([0-9a-f]{24}\.\d{1,12}\.[A-Za-z0-9_-]{16,64})/.exec(trimmed)?.[1];
  return token ? { token } : null;
}
