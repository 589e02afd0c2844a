import { z } from 'zod';
import { CATEGORIES } from '../categories.js';
import { objectIdSchema } from './community.js';

export const OPINION_STATUSES = ['received', 'discussed', 'adopted', 'answered'] as const;
export type OpinionStatus = (typeof OPINION_STATUSES)[number];

/** `GET /api/opinions` query. */
export const listOpinionsQuerySchema = z.object({
  community: z.string().regex(/^[a-z0-9-]{1,64}$/),
  category: z.enum(CATEGORIES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  /** Opaque cursor: the `createdAt` ISO time of the last item seen. */
  before: z.iso.datetime().optional(),
});
export type ListOpinionsQuery = z.infer<typeof listOpinionsQuerySchema>;

/** What the API shows of an opinion to anyone: no platform ids. */
export const opinionViewSchema = z.object({
  id: z.string(),
  code: z.string(),
  text: z.string(),
  category: z.enum(CATEGORIES),
  status: z.enum(OPINION_STATUSES),
  groupName: z.string(),
  /** Display name shortened for privacy, e.g. `王*`. */
  author: z.string(),
  createdAt: z.string(),
  /** When staff adopted it (意见采纳) and the note they gave; null until then. */
  adopted: z.object({ at: z.string(), note: z.string().nullable() }).nullable(),
  /** Whether the viewer may adopt it now: signed-in staff of its scope, and not adopted yet. */
  mayAdopt: z.boolean(),
});
export type OpinionView = z.infer<typeof opinionViewSchema>;

export const opinionListSchema = z.object({
  items: z.array(opinionViewSchema),
  counts: z.record(z.string(), z.number()),
  nextBefore: z.string().nullable(),
});
export type OpinionList = z.infer<typeof opinionListSchema>;

/** Longest note staff may give when adopting an opinion. */
export const MAX_ADOPT_NOTE_LENGTH = 200;

/** `POST /api/opinions/:id/adopt` path parameters. */
export const opinionIdParamSchema = z.object({ id: objectIdSchema });

/** `POST /api/opinions/:id/adopt` body: an optional short note, blank meaning none. */
export const adoptOpinionSchema = z.object({
  note: z
    .string()
    .trim()
    .max(MAX_ADOPT_NOTE_LENGTH)
    .optional()
    .transform((note) => note || null),
});
export type AdoptOpinionInput = z.infer<typeof adoptOpinionSchema>;

/** `adopted` now, or `unchanged` when it had been adopted before (the repeat changes nothing). */
export const ADOPT_OUTCOMES = ['adopted', 'unchanged'] as const;
export interface AdoptOpinionResult {
  outcome: (typeof ADOPT_OUTCOMES)[number];
  opinion: OpinionView;
}

export const OPINION_CODE_PREFIX = 'Y';
export const opinionCode = (number: number) => `${OPINION_CODE_PREFIX}${number}`;
