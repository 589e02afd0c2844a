import type { Connection } from 'mongoose';
import { communityModel } from './community.model.js';
import { counterModel } from './counter.model.js';
import { groupModel } from './group.model.js';
import { householdModel } from './household.model.js';
import { identityModel } from './identity.model.js';
import { inboundMessageModel } from './inbound-message.model.js';
import { opinionModel } from './opinion.model.js';
import { outboxModel } from './outbox.model.js';
import { residentModel } from './resident.model.js';

/** Binds every model to one connection; only repositories receive these. */
export function createModels(conn: Connection) {
  return {
    community: communityModel(conn),
    counter: counterModel(conn),
    group: groupModel(conn),
    household: householdModel(conn),
    identity: identityModel(conn),
    inboundMessage: inboundMessageModel(conn),
    opinion: opinionModel(conn),
    outbox: outboxModel(conn),
    resident: residentModel(conn),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Builds every index before traffic; unique indexes are what make writes idempotent. */
export async function syncIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) await model.createIndexes();
}
