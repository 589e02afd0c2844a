import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** One staff action: who did what to what, when, and the state before and after (phones masked). */
export const auditSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    actorId: { type: Schema.Types.ObjectId, default: null },
    actorName: { type: String, default: '' },
    /** Dotted verb such as `resident.updateRoles`, `binding.approve`, `roster.import`. */
    action: { type: String, required: true },
    targetKind: { type: String, required: true },
    targetId: { type: String, required: true },
    targetLabel: { type: String, default: '' },
    /** Scope id of the target, so entries can later be listed per building. */
    scopeId: { type: String, required: true },
    before: { type: Schema.Types.Mixed, default: null },
    after: { type: Schema.Types.Mixed, default: null },
  },
  { versionKey: false, minimize: false },
);
auditSchema.index({ communityId: 1, _id: -1 });

export type AuditDoc = InferSchemaType<typeof auditSchema>;

export const auditModel = (conn: Connection) => conn.model('Audit', auditSchema, 'audit_log');
