import { z } from 'zod';
import { CHANNELS } from '../messages.js';
import { objectIdSchema } from './community.js';

/** A binding request is pending until a building lead or secretary approves or rejects it. */
export const BINDING_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type BindingStatus = (typeof BINDING_STATUSES)[number];

/** Longest rejection reason kept, in characters; chat and the mini-app share the limit. */
export const MAX_BINDING_REASON_LENGTH = 200;

export const BINDING_CODE_PREFIX = 'B';
/** `12` → `B12`, the number residents and staff quote in chat. */
export const bindingCode = (number: number) => `${BINDING_CODE_PREFIX}${number}`;

/** `GET /api/bindings?status=pending`: the requests the signed-in staff member may decide. */
export const listBindingsQuerySchema = z.object({
  status: z.enum(BINDING_STATUSES).default('pending'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListBindingsQuery = z.infer<typeof listBindingsQuerySchema>;

export const bindingParamsSchema = z.object({ id: objectIdSchema });

/** `POST /api/bindings/:id/reject`: the reason is told to the resident; it may be left out. */
export const rejectBindingBodySchema = z.object({
  reason: z.string().trim().max(MAX_BINDING_REASON_LENGTH).optional(),
});
export type RejectBindingBody = z.infer<typeof rejectBindingBodySchema>;

/** A binding request as staff see it: no platform ids, the requester's name masked. */
export const bindingViewSchema = z.object({
  id: z.string(),
  /** `B12`. */
  number: z.string(),
  status: z.enum(BINDING_STATUSES),
  /** `building-unit-room`, e.g. `3-2-501`. */
  address: z.string(),
  /** Display name shortened for privacy, e.g. `王**`. */
  requesterName: z.string(),
  platform: z.enum(CHANNELS),
  /** Why it was rejected, when a reason was given. */
  reason: z.string().optional(),
  createdAt: z.string(),
  decidedAt: z.string().optional(),
  /** The name of the staff member who decided. */
  decidedBy: z.string().optional(),
});
export type BindingView = z.infer<typeof bindingViewSchema>;

export const bindingListSchema = z.object({ items: z.array(bindingViewSchema) });
export type BindingList = z.infer<typeof bindingListSchema>;
