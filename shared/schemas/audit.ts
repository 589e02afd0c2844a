import { z } from 'zod';
import { objectIdSchema } from './community.js';

/** `GET /api/audit?limit=&before=`: newest first; `before` is the last id already seen. */
export const listAuditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: objectIdSchema.optional(),
});
export type ListAuditQuery = z.infer<typeof listAuditQuerySchema>;

export const auditEntryViewSchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ id: z.string().nullable(), name: z.string() }),
  action: z.string(),
  target: z.object({ kind: z.string(), id: z.string(), label: z.string(), scopeId: z.string() }),
  /** State before and after, as recorded: phone numbers masked. */
  before: z.unknown(),
  after: z.unknown(),
});
export type AuditEntryView = z.infer<typeof auditEntryViewSchema>;

export const auditListSchema = z.object({
  items: z.array(auditEntryViewSchema),
  nextBefore: z.string().nullable(),
});
export type AuditList = z.infer<typeof auditListSchema>;
