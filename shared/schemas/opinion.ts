import { z } from 'zod';
import { CATEGORIES } from '../categories.js';

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
});
export type OpinionView = z.infer<typeof opinionViewSchema>;

export const opinionListSchema = z.object({
  items: z.array(opinionViewSchema),
  counts: z.record(z.string(), z.number()),
  nextBefore: z.string().nullable(),
});
export type OpinionList = z.infer<typeof opinionListSchema>;

export const OPINION_CODE_PREFIX = 'Y';
export const opinionCode = (number: number) => `${OPINION_CODE_PREFIX}${number}`;
