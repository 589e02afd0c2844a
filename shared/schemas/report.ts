import { z } from 'zod';
import { CATEGORIES } from '../categories.js';

/** Longest report description, in characters (issue 5: more is refused, nothing stored). */
export const MAX_REPORT_DESCRIPTION = 4000;
export const REPORT_NUMBER_PREFIX = 'R';
export const reportNumber = (n: number) => `${REPORT_NUMBER_PREFIX}${n}`;
export const reportNumberSchema = z.string().regex(/^[Rr][0-9]{1,9}$/);
/** Largest photo accepted, in bytes. */
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

export const SERVICE_TYPES = [
  'elevator',
  'lighting',
  'water',
  'noise',
  'sanitation',
  'security',
  'parking',
  'greenery',
  'other',
] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const REPORT_STATES = [
  'submitted',
  'accepted',
  'assigned',
  'in_progress',
  'resolved',
  'confirmed',
  'reopened',
  'rejected',
  'duplicate',
  'not_responsible',
] as const;
export type ReportState = (typeof REPORT_STATES)[number];

/** States that end a ticket: Open311 reports them as `closed`. */
export const CLOSED_STATES: readonly ReportState[] = [
  'confirmed',
  'rejected',
  'duplicate',
  'not_responsible',
];
/** States with work still to do: their SLA clock runs, and Open311 reports them as `open`. */
export const OPEN_STATES: readonly ReportState[] = REPORT_STATES.filter(
  (s) => !CLOSED_STATES.includes(s) && s !== 'resolved',
);
export const isOpenState = (state: ReportState) => OPEN_STATES.includes(state);
/** Moves that need a reason (note). */
export const STATES_NEEDING_REASON: readonly ReportState[] = ['rejected', 'duplicate', 'not_responsible'];

/** Four-party coordination (四位一体) plus the grid worker and the fallback, the secretary. */
export const PARTIES = [
  'residentsCommittee',
  'propertyCompany',
  'ownersCommittee',
  'gridWorker',
  'secretary',
] as const;
export type Party = (typeof PARTIES)[number];

const id24 = z.string().regex(/^[0-9a-f]{24}$/);
const scopeIdSchema = z.string().regex(/^[0-9a-f]{24}(\/[^/]{1,64}){0,3}$/);

/** `GET /api/reports` (and `export.xlsx`) query. `before` is the `nextCursor` of the previous page. */
export const reportListQuerySchema = z.object({
  mine: z.enum(['1', '0']).optional(),
  state: z.enum(REPORT_STATES).optional(),
  party: z.enum(PARTIES).optional(),
  serviceType: z.enum(SERVICE_TYPES).optional(),
  overdue: z.enum(['1', '0']).optional(),
  before: z
    .string()
    .regex(/^[0-9]{1,9}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
export type ReportListQuery = z.infer<typeof reportListQuerySchema>;

export const reportNumberParamSchema = z.object({ number: reportNumberSchema });
export const photoIdParamSchema = z.object({ photoId: z.string().regex(/^[0-9a-f]{24}$/) });

/** `POST /api/reports/:number/transition`. `reason` is required for rejected/duplicate/not_responsible. */
export const reportTransitionSchema = z.object({
  to: z.enum(REPORT_STATES),
  note: z.string().trim().max(1000).optional(),
  reason: z.string().trim().min(1).max(1000).optional(),
  /** The original ticket's number, when `to` is `duplicate`. */
  duplicateOf: reportNumberSchema.optional(),
});
export type ReportTransitionInput = z.infer<typeof reportTransitionSchema>;

/** `POST /api/reports/:number/assign`. */
export const reportAssignSchema = z.object({
  party: z.enum(PARTIES),
  note: z.string().trim().max(1000).optional(),
});
export type ReportAssignInput = z.infer<typeof reportAssignSchema>;

export const reportViewSchema = z.object({
  id: z.string(),
  /** `R1024` */
  number: z.string(),
  state: z.enum(REPORT_STATES),
  serviceType: z.enum(SERVICE_TYPES),
  category: z.enum(CATEGORIES),
  party: z.enum(PARTIES),
  /** A one-line summary (the first characters of the description). */
  title: z.string(),
  /** Scope id of the place (community/compound/building). */
  scope: z.string(),
  /** Readable place, e.g. `3栋`. */
  address: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** When the SLA for the current state runs out; null when closed. */
  dueAt: z.string().nullable(),
  overdue: z.boolean(),
  photoCount: z.number(),
  /** Whether the viewer filed it. */
  mine: z.boolean(),
});
export type ReportView = z.infer<typeof reportViewSchema>;

export const reportListSchema = z.object({
  items: z.array(reportViewSchema),
  nextCursor: z.string().nullable(),
});
export type ReportList = z.infer<typeof reportListSchema>;

export const reportHistoryEntrySchema = z.object({
  at: z.string(),
  from: z.enum(REPORT_STATES).nullable(),
  to: z.enum(REPORT_STATES),
  /** Display name of who made the change ('' for the system). */
  by: z.string(),
  note: z.string(),
  /** Set when the entry was an assignment/escalation. */
  party: z.enum(PARTIES).optional(),
});
export type ReportHistoryEntry = z.infer<typeof reportHistoryEntrySchema>;

export const reportDetailViewSchema = reportViewSchema.extend({
  description: z.string(),
  location: z.object({
    address: z.string(),
    lat: z.number().nullable(),
    long: z.number().nullable(),
  }),
  photos: z.array(z.object({ id: z.string(), url: z.string() })),
  history: z.array(reportHistoryEntrySchema),
  duplicateOf: z.string().optional(),
  reporter: z.object({
    name: z.string(),
    /** Masked (`138****5678`), only for staff. */
    phone: z.string().optional(),
  }),
  /** The states the viewer may move it to now (drives the mini-app's buttons). */
  allowedTransitions: z.array(z.enum(REPORT_STATES)),
  /** Whether the viewer may assign it to a party. */
  canAssign: z.boolean(),
});
export type ReportDetailView = z.infer<typeof reportDetailViewSchema>;

export const reportStatsSchema = z.object({
  byCategory: z.array(z.object({ category: z.enum(CATEGORIES), count: z.number() })),
  /** ISO weeks, e.g. `2026-W47`, oldest first. */
  byWeek: z.array(z.object({ week: z.string(), count: z.number() })),
});
export type ReportStats = z.infer<typeof reportStatsSchema>;

/** One routing rule: a service type in a scope goes to a party. */
export const routingRuleSchema = z.object({
  serviceType: z.enum(SERVICE_TYPES),
  scope: scopeIdSchema,
  party: z.enum(PARTIES),
});
export type RoutingRule = z.infer<typeof routingRuleSchema>;

/** `GET/PUT /api/report-routing`: the whole table of the actor's community. */
export const routingTableSchema = z.object({
  rules: z.array(routingRuleSchema).max(500),
  /** Hours allowed per service type before escalation; missing types use the default. */
  slaHours: z
    .partialRecord(
      z.enum(SERVICE_TYPES),
      z
        .number()
        .int()
        .min(1)
        .max(24 * 90),
    )
    .optional(),
});
export type RoutingTable = z.infer<typeof routingTableSchema>;

export const partyViewSchema = z.object({ party: z.enum(PARTIES), name: z.string() });
export const partyListSchema = z.object({ items: z.array(partyViewSchema) });
export type PartyList = z.infer<typeof partyListSchema>;

export { id24 as reportObjectIdSchema };
