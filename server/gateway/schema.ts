import { z } from 'zod';
import { CHANNELS, inboundMessageSchema } from '../../shared/messages.js';

export const postMessageSchema = z.object({ message: inboundMessageSchema });

export const claimSchema = z.object({
  channel: z.enum(CHANNELS),
  accountId: z.string().min(1).max(128),
  max: z.number().int().min(1).max(200).default(10),
  /** Long-poll: how long to wait for work when there is none. */
  waitMs: z.number().int().min(0).max(25_000).default(0),
  /** How long the worker holds each entry before another may take it. */
  leaseMs: z.number().int().min(1_000).max(600_000).default(60_000),
});

export const reportSchema = z.object({
  results: z
    .array(
      z.object({
        id: z.string().min(1).max(512),
        claimToken: z.string().uuid(),
        ok: z.boolean(),
        error: z.string().max(500).optional(),
        /** Permanent failures (bad group, blocked bot) are not retried. */
        retryable: z.boolean().default(true),
        retryAfterMs: z.number().int().min(0).max(86_400_000).optional(),
        /** Handed back unsent by the worker (a sender limit, shutdown): not a failed attempt. */
        deferred: z.boolean().default(false),
      }),
    )
    .max(200),
});
