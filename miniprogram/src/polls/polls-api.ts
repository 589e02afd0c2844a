import type {
  ClosePollResult,
  CreatePollInput,
  PollList,
  PollReminderResult,
  PollResults,
  PollState,
  PollView,
  VoteResult,
} from '../../../shared/schemas/poll.js';
import type { Api } from '../api.js';

/** The poll endpoints, typed; types only from shared/, so the bundle carries no zod. */
export interface PollsApi {
  list(state: PollState | null, signal?: AbortSignal): Promise<PollList>;
  get(number: number, signal?: AbortSignal): Promise<PollView>;
  create(input: CreatePollInput): Promise<PollView>;
  vote(number: number, choices: string[]): Promise<VoteResult>;
  results(number: number, signal?: AbortSignal): Promise<PollResults>;
  close(number: number): Promise<ClosePollResult>;
  remind(number: number, at: Date): Promise<PollReminderResult>;
}

const base = (number: number) => `/api/polls/${encodeURIComponent(String(number))}`;

/** Where the browser downloads the poll's workbook (a plain link: the session cookie goes along). */
export const exportUrl = (number: number) => `${base(number)}/export.xlsx`;

export function pollsApi(api: Pick<Api, 'call'>): PollsApi {
  return {
    list: (state, signal) =>
      api.call<PollList>('GET', state ? `/api/polls?state=${state}` : '/api/polls', { signal }),
    get: (number, signal) => api.call<PollView>('GET', base(number), { signal }),
    create: (input) => api.call<PollView>('POST', '/api/polls', { body: input }),
    vote: (number, choices) => api.call<VoteResult>('POST', `${base(number)}/votes`, { body: { choices } }),
    results: (number, signal) => api.call<PollResults>('GET', `${base(number)}/results`, { signal }),
    close: (number) => api.call<ClosePollResult>('POST', `${base(number)}/close`, { body: {} }),
    remind: (number, at) =>
      api.call<PollReminderResult>('POST', `${base(number)}/reminders`, { body: { at: at.toISOString() } }),
  };
}
