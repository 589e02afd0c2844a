import type { Connection } from 'mongoose';
import { SessionManager } from './auth/session.js';
import { SessionCodec } from './auth/session-codec.js';
import { loadSecrets } from './auth/secrets.js';
import { createCommandHandlers } from './gateway/commands/index.js';
import { MessageProcessor } from './gateway/message-processor.js';
import { OutboxNotifier } from './gateway/outbox-notifier.js';
import type { Logger } from './logger.js';
import { createModels, syncIndexes } from './models/index.js';
import { AuditRepository } from './repositories/audit.repository.js';
import { BindingRequestRepository } from './repositories/binding-request.repository.js';
import { CommunityRepository } from './repositories/community.repository.js';
import { CounterRepository } from './repositories/counter.repository.js';
import { GroupRepository } from './repositories/group.repository.js';
import { HouseholdRepository } from './repositories/household.repository.js';
import { ImportJobRepository } from './repositories/import-job.repository.js';
import { InboundMessageRepository } from './repositories/inbound-message.repository.js';
import { NoticeRepository } from './repositories/notice.repository.js';
import { OpinionRepository } from './repositories/opinion.repository.js';
import { OutboxRepository } from './repositories/outbox.repository.js';
import { ReminderRepository } from './repositories/reminder.repository.js';
import { ResidentRepository } from './repositories/resident.repository.js';
import { AuditService } from './services/audit.service.js';
import { BindingService } from './services/binding.service.js';
import { NoticeService } from './services/notice.service.js';
import { OpinionService } from './services/opinion.service.js';
import { PhoneProtector } from './services/phone-protector.js';
import { ReminderService } from './services/reminder.service.js';
import { ResidentService } from './services/resident.service.js';
import { NoticeReminderSink } from './scheduler/notice-sink.js';
import { ReminderScheduler } from './scheduler/reminder-scheduler.js';
import { RosterService } from './services/roster.service.js';

/** What the container reads from the configuration: where secrets live, and the ones given. */
export interface ContainerSettings {
  dataDir: string;
  DATA_KEY?: string;
  SESSION_SECRET?: string;
  SESSION_TTL_HOURS: number;
  /** Origin of links sent to chats; the server's own address when absent. */
  PUBLIC_URL?: string;
  HOST?: string;
  PORT?: number;
}

/** Wires repositories, services and the gateway over one connection; the one place that knows them all. */
export async function createContainer(
  conn: Connection,
  log: Logger,
  insertConn: Connection = conn,
  settings: ContainerSettings,
) {
  const models = createModels(conn, insertConn);
  await syncIndexes(models);
  const secrets = await loadSecrets(settings);
  const notifier = new OutboxNotifier();
  const repositories = {
    audit: new AuditRepository(models),
    bindings: new BindingRequestRepository(models),
    communities: new CommunityRepository(models),
    // Opinion numbers in blocks of 10: one counter write per ten messages; a restart leaves a gap.
    counters: new CounterRepository(models, 10),
    groups: new GroupRepository(models),
    households: new HouseholdRepository(models),
    importJobs: new ImportJobRepository(models),
    inbound: new InboundMessageRepository(models),
    notices: new NoticeRepository(models),
    opinions: new OpinionRepository(models),
    outbox: new OutboxRepository(models, (channel, accountId) => notifier.notify(channel, accountId)),
    residents: new ResidentRepository(models),
    reminders: new ReminderRepository(conn, models),
  };
  await repositories.reminders.init();
  const phones = new PhoneProtector(secrets.dataKey);
  const sessionCodec = new SessionCodec(secrets.sessionSecret, settings.SESSION_TTL_HOURS * 3_600_000);
  const sessions = new SessionManager(sessionCodec, repositories.residents);
  const audit = new AuditService({ audit: repositories.audit, log: log.child({ part: 'audit' }) });
  const services = {
    audit,
    opinions: new OpinionService(repositories),
    // Notice numbers one write each, like bindings: staff quote them, so no gaps after restarts.
    notices: new NoticeService({
      ...repositories,
      counters: new CounterRepository(models),
      audit,
      publicUrl: settings.PUBLIC_URL ?? `http://${settings.HOST ?? '127.0.0.1'}:${settings.PORT ?? 3000}`,
    }),
    residents: new ResidentService({ ...repositories, audit }),
    roster: new RosterService({
      ...repositories,
      jobs: repositories.importJobs,
      audit,
      phones,
      log: log.child({ part: 'roster' }),
    }),
    // Binding numbers one write each: requests are rare and staff quote them, so no gaps after restarts.
    bindings: new BindingService({ ...repositories, counters: new CounterRepository(models), audit }),
    reminders: new ReminderService({ ...repositories, counters: new CounterRepository(models) }),
  };
  // Started and stopped by the composition root; every process runs one, claims keep fires single.
  const scheduler = new ReminderScheduler({
    reminders: repositories.reminders,
    sink: new NoticeReminderSink({
      notices: services.notices,
      residents: repositories.residents,
      log: log.child({ part: 'reminders' }),
    }),
    log: log.child({ part: 'reminders' }),
  });
  const processor = new MessageProcessor({
    ...repositories,
    handlers: createCommandHandlers(services),
    log,
  });
  return {
    conn,
    models,
    repositories,
    services,
    processor,
    notifier,
    phones,
    sessionCodec,
    sessions,
    scheduler,
  };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
