import { z } from 'zod';
import { CATEGORIES } from '../categories.js';

export const MAX_EVENT_TITLE = 100;
export const MAX_EVENT_PLACE = 100;
export const MAX_EVENT_DESCRIPTION = 1000;
export const MAX_EVENT_CAPACITY = 5000;
/** Longest event the mini-app may create: a day-long volunteer shift is the longest common case. */
export const MAX_EVENT_HOURS = 24;

/** The code said in a group, `#签到 7 482913`: six digits, changing every 30 seconds. */
export const CHECKIN_CODE_PATTERN = /^\d{6}$/;
/** What the organiser's QR code holds after `?t=`: `<eventId>.<window>.<signature>`. */
export const CHECKIN_TOKEN_PATTERN = /^[0-9a-f]{24}\.\d{1,12}\.[A-Za-z0-9_-]{16,64}$/;

const isoDate = z.iso.datetime({ offset: true });

/** `POST /api/events`: `scope` is the community's id, or a compound or building below it. */
export const createEventSchema = z
  .object({
    title: z.string().trim().min(1).max(MAX_EVENT_TITLE),
    description: z.string().trim().max(MAX_EVENT_DESCRIPTION).default(''),
    place: z.string().trim().min(1).max(MAX_EVENT_PLACE),
    startsAt: isoDate,
    endsAt: isoDate,
    capacity: z.number().int().min(1).max(MAX_EVENT_CAPACITY),
    category: z.enum(CATEGORIES),
    scope: z.string().regex(/^[0-9a-f]{24}(\/[^/]{1,64}){0,2}$/),
    /** A volunteer event banks its duration as service minutes (时间银行) beside the points. */
    volunteer: z.boolean().default(false),
  })
  .strict()
  .refine((e) => Date.parse(e.endsAt) > Date.parse(e.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  })
  .refine((e) => Date.parse(e.endsAt) - Date.parse(e.startsAt) <= MAX_EVENT_HOURS * 3_600_000, {
    message: `an event lasts at most ${MAX_EVENT_HOURS} hours`,
    path: ['endsAt'],
  });
export type CreateEventInput = z.infer<typeof createEventSchema>;

/** `PATCH /api/events/:number`: what staff may change after publishing; the scope stays. */
export const updateEventSchema = z
  .object({
    title: z.string().trim().min(1).max(MAX_EVENT_TITLE).optional(),
    description: z.string().trim().max(MAX_EVENT_DESCRIPTION).optional(),
    place: z.string().trim().min(1).max(MAX_EVENT_PLACE).optional(),
    startsAt: isoDate.optional(),
    endsAt: isoDate.optional(),
    capacity: z.number().int().min(1).max(MAX_EVENT_CAPACITY).optional(),
  })
  .strict()
  .refine((e) => Object.keys(e).length > 0, { message: 'nothing to change' });
export type UpdateEventInput = z.infer<typeof updateEventSchema>;

export const eventNumberParamSchema = z.object({ number: z.coerce.number().int().min(1).max(1e9) });

/** A check-in from the mini-app: the scanned QR text (or the token inside it), or the six digits. */
export const checkinInputSchema = z
  .object({
    token: z.string().trim().max(2048).optional(),
    code: z.string().trim().regex(CHECKIN_CODE_PATTERN).optional(),
  })
  .strict()
  .refine((c) => (c.token ? 1 : 0) + (c.code ? 1 : 0) === 1, { message: 'give either token or code' });
export type CheckinInput = z.infer<typeof checkinInputSchema>;

export const SIGNUP_STATUSES = ['confirmed', 'waitlisted', 'cancelled'] as const;
export type SignupStatus = (typeof SIGNUP_STATUSES)[number];

/** Why a check-in was refused; each has its own translated reason under `events.checkin.reasons`. */
export const CHECKIN_FAILURES = [
  'expired',
  'forged',
  'reused',
  'notSignedUp',
  'notOpen',
  'closed',
  'tooManyAttempts',
] as const;
export type CheckinFailure = (typeof CHECKIN_FAILURES)[number];

export interface EventView {
  id: string;
  number: number;
  title: string;
  description: string;
  place: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  confirmed: number;
  waitlisted: number;
  category: (typeof CATEGORIES)[number];
  scope: string;
  volunteer: boolean;
  serviceMinutes: number;
  status: 'open' | 'cancelled';
  /** The viewer's own sign-up, with their place in the waitlist (1 = next). */
  mine: { status: SignupStatus; position: number | null; checkedIn: boolean } | null;
  /** The viewer may show the QR code, read attendance and export it. */
  canManage: boolean;
}

export interface EventList {
  items: EventView[];
  /** Scopes the viewer may create events in (empty for residents); only on the full list. */
  createScopes?: string[];
}

export interface SignupResult {
  status: 'confirmed' | 'waitlisted';
  position: number | null;
  /** Already signed up before this call; nothing changed. */
  duplicate: boolean;
}

export interface CancelResult {
  cancelled: boolean;
  /** Whether a waitlisted resident took the freed place. */
  promoted: boolean;
}

export type CheckinResult =
  | { ok: true; duplicate: false; points: number; serviceMinutes: number; pointsStatus: string | null }
  | { ok: false; reason: CheckinFailure; message: string };

export interface CheckinQrView {
  /** The text inside the QR code: the mini-app's check-in link carrying the signed token. */
  payload: string;
  /** The six digits shown under the QR code, for `#签到 <number> <code>`. */
  code: string;
  /** The QR code as an SVG image. */
  svg: string;
  /** When this code stops being the current one (the previous one is still accepted a while). */
  expiresAt: string;
  periodSeconds: number;
}

export interface AttendanceRow {
  residentId: string;
  name: string;
  address: string | null;
  status: SignupStatus | 'walkIn';
  signedUpAt: string | null;
  checkedInAt: string | null;
  via: string | null;
  points: number | null;
  serviceMinutes: number | null;
  pointsStatus: string | null;
}

export interface AttendanceReport {
  event: EventView;
  rows: AttendanceRow[];
  totals: {
    confirmed: number;
    waitlisted: number;
    checkedIn: number;
    points: number;
    serviceMinutes: number;
  };
}
