import type { Connection } from 'mongoose';
import path from 'node:path';
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
import { LedgerRepository } from './repositories/ledger.repository.js';
import { RewardRepository } from './repositories/reward.repository.js';
import { PointsService } from './services/points.service.js';
import { RewardService } from './services/reward.service.js';
import { ReconciliationScheduler } from './scheduler/reconciliation-scheduler.js';
import { NoticeRepository } from './repositories/notice.repository.js';
import { EventRepository } from './repositories/event.repository.js';
import { NoticeScheduleRepository } from './repositories/notice-schedule.repository.js';
import { OpinionRepository } from './repositories/opinion.repository.js';
import { PollRepository } from './repositories/poll.repository.js';
import { PollService } from './services/poll.service.js';
import { pollSteps } from './scheduler/poll-scheduler.js';
import { OutboxRepository } from './repositories/outbox.repository.js';
import { ReminderRepository } from './repositories/reminder.repository.js';
import { ResidentRepository } from './repositories/resident.repository.js';
import { AuditService } from './services/audit.service.js';
import { ChannelRepository } from './repositories/channel.repository.js';
import { ChannelService, envRobotGroups } from './services/channel.service.js';
import { SecretBox } from './services/secret-box.js';
import { parseWebhookAllowlist } from '../bot/adapters/dingtalk/webhook-allowlist.js';
import { BindingService } from './services/binding.service.js';
import { NoticeService } from './services/notice.service.js';
import { CheckinTokens } from './services/checkin-token.js';
import { EventService } from './services/event.service.js';
import { OpinionService } from './services/opinion.service.js';
import { PhoneProtector } from './services/phone-protector.js';
import { ReminderService } from './services/reminder.service.js';
import { ResidentService } from './services/resident.service.js';
import { NoticeReminderSink } from './scheduler/notice-sink.js';
import { ReminderScheduler } from './scheduler/reminder-scheduler.js';
import { ScheduledNoticeSink } from './scheduler/scheduled-notice.js';
import { MinuteJob, SchedulerGroup } from './scheduler/minute-job.js';
import { RosterService } from './services/roster.service.js';
import { ReportRepository } from './repositories/report.repository.js';
import { ReportService } from './services/report.service.js';
import { Open311ReportService } from './services/report-open311.service.js';
import { LocalPhotoStorage } from './storage/photo-storage.js';

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
  /** Open311 API keys, comma separated (more are issued by admins). */
  OPEN311_API_KEYS?: string;
  /** The default WeCom and DingTalk channels (platform-config.ts): registered channels extend them. */
  WECOM_CORP_ID?: string;
  WECOM_TOKEN?: string;
  WECOM_AES_KEY?: string;
  WECOM_GROUP_ROBOTS?: string;
  DINGTALK_APP_KEY?: string;
  DINGTALK_APP_SECRET?: string;
  DINGTALK_ROBOTS?: string;
  DINGTALK_WEBHOOK_ALLOWLIST?: string;
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
    events: new EventRepository(models),
    opinions: new OpinionRepository(models),
    polls: new PollRepository(models),
    outbox: new OutboxRepository(models, (channel, accountId) => notifier.notify(channel, accountId)),
    residents: new ResidentRepository(models),
    reminders: new ReminderRepository(conn, models),
    noticeSchedules: new NoticeScheduleRepository(conn),
  };
  await repositories.reminders.init();
  await repositories.noticeSchedules.init();
  const phones = new PhoneProtector(secrets.dataKey);
  const sessionCodec = new SessionCodec(secrets.sessionSecret, settings.SESSION_TTL_HOURS * 3_600_000);
  const sessions = new SessionManager(sessionCodec, repositories.residents);
  const audit = new AuditService({ audit: repositories.audit, log: log.child({ part: 'audit' }) });
  const ledger = new LedgerRepository(models);
  const points = new PointsService({ ...repositories, ledger, audit, log: log.child({ part: 'ledger' }) });
  // Links sent to chats (notices, polls, events): PUBLIC_URL, or the server's own address.
  const publicUrl = settings.PUBLIC_URL ?? `http://${settings.HOST ?? '127.0.0.1'}:${settings.PORT ?? 3000}`;
  const services = {
    audit,
    points,
    rewards: new RewardService({
      rewards: new RewardRepository(models),
      points,
      residents: repositories.residents,
      audit,
      log: log.child({ part: 'rewards' }),
    }),
    opinions: new OpinionService({
      ...repositories,
      // Adoption reaches the opinion's group the way notices reach theirs.
      groups: repositories.notices,
      audit,
      points,
    }),
    // Notice numbers one write each, like bindings: staff quote them, so no gaps after restarts.
    notices: new NoticeService({
      ...repositories,
      counters: new CounterRepository(models),
      audit,
      schedules: repositories.noticeSchedules,
      points,
      publicUrl,
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
    // Poll numbers one write each: residents type them (`#投票 12 A`), so no gaps.
    polls: new PollService({
      ...repositories,
      counters: new CounterRepository(models),
      audit,
      points,
      publicUrl,
    }),
    // Event numbers one write each, like notices: residents type them (`#报名 7`), so no gaps.
    events: new EventService({
      events: repositories.events,
      groups: repositories.notices,
      residents: repositories.residents,
      households: repositories.households,
      outbox: repositories.outbox,
      counters: new CounterRepository(models),
      audit,
      tokens: CheckinTokens.fromSecret(secrets.sessionSecret),
      points,
      publicUrl,
    }),
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
  // Scheduled notices run on the reminders' scheduler: the same claims, retries and catch-up.
  const noticeScheduler = new ReminderScheduler({
    reminders: repositories.noticeSchedules,
    sink: new ScheduledNoticeSink({
      notices: services.notices,
      schedules: repositories.noticeSchedules,
      residents: repositories.residents,
      log: log.child({ part: 'scheduled-notices' }),
    }),
    log: log.child({ part: 'scheduled-notices' }),
  });
  const pollScheduler = new MinuteJob({
    name: 'polls',
    run: pollSteps({ polls: services.polls, repository: repositories.polls }),
    log: log.child({ part: 'polls' }),
  });
  const reportRepository = new ReportRepository(models);
  const reports = new ReportService({
    ...repositories,
    reports: reportRepository,
    // Report numbers one write each: residents quote them (`#进度 R1024`), so no gaps.
    counters: new CounterRepository(models),
    audit,
    photos: new LocalPhotoStorage(path.join(settings.dataDir, 'photos')),
    points,
  });
  const open311 = new Open311ReportService({
    reports,
    repository: reportRepository,
    communities: repositories.communities,
    audit,
    apiKeys: settings.OPEN311_API_KEYS,
  });
  // Escalates overdue reports and asks "is it fixed?" a week after resolution; timers are claimed by
  // deleting them (ReportRepository.claimTimer), so one process acts on each.
  const reportScheduler = new MinuteJob({
    name: 'report-timers',
    run: (now) => reports.tick(now),
    log: log.child({ part: 'reports' }),
  });
  const channels = new ChannelService({
    channels: new ChannelRepository(models),
    audit,
    box: new SecretBox(secrets.dataKey, 'channels'),
    platforms: {
      wecom: Boolean(settings.WECOM_CORP_ID && settings.WECOM_TOKEN && settings.WECOM_AES_KEY),
      dingtalk: Boolean(settings.DINGTALK_APP_KEY && settings.DINGTALK_APP_SECRET),
    },
    envGroups: envRobotGroups(settings),
    dingtalkAllowlist: parseWebhookAllowlist(settings.DINGTALK_WEBHOOK_ALLOWLIST),
    log: log.child({ part: 'channels' }),
  });
  const processor = new MessageProcessor({
    ...repositories,
    handlers: createCommandHandlers({ ...services, reports }),
    log,
  });
  return {
    conn,
    models,
    repositories,
    services: { ...services, reports, open311, channels },
    processor,
    notifier,
    phones,
    sessionCodec,
    sessions,
    scheduler: new SchedulerGroup([
      scheduler,
      pollScheduler,
      noticeScheduler,
      reportScheduler,
      // The day before and an hour before; each (event, kind) is claimed by a unique insert.
      new MinuteJob({
        name: 'event-reminders',
        run: (now) => services.events.sendDueReminders(now),
        log: log.child({ part: 'event-reminders' }),
      }),
      new ReconciliationScheduler({
        ledgers: [services.points, services.rewards],
        reconcile: (runId) => services.points.reconcile(runId),
        log: log.child({ part: 'ledger' }),
      }),
    ]),
    noticeScheduler,
    pollScheduler,
    reportScheduler,
  };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
