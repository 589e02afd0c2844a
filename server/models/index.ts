import type { Connection, Model } from 'mongoose';
import type { InsertTarget } from '../repositories/batch-insert.js';
import { auditModel } from './audit.model.js';
import { bindingRequestModel } from './binding-request.model.js';
import { channelModel } from './channel.model.js';
import { communityModel } from './community.model.js';
import { counterModel } from './counter.model.js';
import {
  checkinAttemptModel,
  eventCheckinModel,
  eventModel,
  eventReminderRunModel,
  eventSignupModel,
} from './event.model.js';
import { groupModel } from './group.model.js';
import { householdModel } from './household.model.js';
import { identityModel } from './identity.model.js';
import { importJobErrorsModel, importJobModel } from './import-job.model.js';
import { inboundLogModel, inboundQueueModel } from './inbound-message.model.js';
import {
  ledgerAccountModel,
  ledgerCapModel,
  ledgerEntryModel,
  ledgerReconciliationModel,
  pointsRulesModel,
} from './ledger.model.js';
import { redemptionModel, rewardModel } from './reward.model.js';
import { noticeAckModel } from './notice-ack.model.js';
import { noticeModel } from './notice.model.js';
import { opinionModel } from './opinion.model.js';
import { pollModel } from './poll.model.js';
import {
  pollElectorModel,
  pollReminderModel,
  pollTallyModel,
  pollToldModel,
  voteMarkerModel,
  voteModel,
} from './vote.model.js';
import { reportModels } from './report.model.js';
import { deliveryModel, outboxModel, outboxSenderModel } from './outbox.model.js';
import { residentModel } from './resident.model.js';

/**
 * Binds every model to one connection; only repositories receive these. `insertConn` may be a second
 * connection used for plain inserts only (FerretDB 1.x runs updates on a single connection).
 */
export function createModels(conn: Connection, insertConn: Connection = conn) {
  const models = {
    audit: auditModel(conn),
    bindingRequest: bindingRequestModel(conn),
    channel: channelModel(conn),
    community: communityModel(conn),
    counter: counterModel(conn),
    group: groupModel(conn),
    household: householdModel(conn),
    identity: identityModel(conn),
    importJob: importJobModel(conn),
    importJobErrors: importJobErrorsModel(conn),
    inboundLog: inboundLogModel(conn),
    inboundQueue: inboundQueueModel(conn),
    notice: noticeModel(conn),
    noticeAck: noticeAckModel(conn),
    opinion: opinionModel(conn),
    ...reportModels(conn),
    outbox: outboxModel(conn),
    delivery: deliveryModel(conn),
    outboxSender: outboxSenderModel(conn),
    resident: residentModel(conn),
    poll: pollModel(conn),
    pollElector: pollElectorModel(conn),
    vote: voteModel(conn),
    voteMarker: voteMarkerModel(conn),
    pollTally: pollTallyModel(conn),
    pollTold: pollToldModel(conn),
    pollReminder: pollReminderModel(conn),
    ledgerAccount: ledgerAccountModel(conn),
    ledgerEntry: ledgerEntryModel(conn),
    ledgerCap: ledgerCapModel(conn),
    ledgerReconciliation: ledgerReconciliationModel(conn),
    pointsRules: pointsRulesModel(conn),
    reward: rewardModel(conn),
    redemption: redemptionModel(conn),
    event: eventModel(conn),
    eventSignup: eventSignupModel(conn),
    eventCheckin: eventCheckinModel(conn),
    checkinAttempt: checkinAttemptModel(conn),
    eventReminderRun: eventReminderRunModel(conn),
  };
  return {
    ...models,
    insertTarget: (model: Model<never>): InsertTarget =>
      insertConn.collection(model.collection.collectionName),
    all: Object.values(models),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Builds every index before traffic; unique indexes are what make writes idempotent. */
export async function syncIndexes(models: Models): Promise<void> {
  for (const model of models.all) await model.createIndexes();
}
