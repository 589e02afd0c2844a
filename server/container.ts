import type { Connection } from 'mongoose';
import { createCommandHandlers } from './gateway/commands/index.js';
import { MessageProcessor } from './gateway/message-processor.js';
import { OutboxNotifier } from './gateway/outbox-notifier.js';
import type { Logger } from './logger.js';
import { createModels, syncIndexes } from './models/index.js';
import { CommunityRepository } from './repositories/community.repository.js';
import { CounterRepository } from './repositories/counter.repository.js';
import { GroupRepository } from './repositories/group.repository.js';
import { InboundMessageRepository } from './repositories/inbound-message.repository.js';
import { OpinionRepository } from './repositories/opinion.repository.js';
import { OutboxRepository } from './repositories/outbox.repository.js';
import { ResidentRepository } from './repositories/resident.repository.js';
import { OpinionService } from './services/opinion.service.js';

/** Wires repositories, services and the gateway over one connection; the one place that knows them all. */
export async function createContainer(conn: Connection, log: Logger, insertConn: Connection = conn) {
  const models = createModels(conn, insertConn);
  await syncIndexes(models);
  const notifier = new OutboxNotifier();
  const repositories = {
    communities: new CommunityRepository(models),
    // Opinion numbers in blocks of 10: one counter write per ten messages; a restart leaves a gap.
    counters: new CounterRepository(models, 10),
    groups: new GroupRepository(models),
    inbound: new InboundMessageRepository(models),
    opinions: new OpinionRepository(models),
    outbox: new OutboxRepository(models, (channel, accountId) => notifier.notify(channel, accountId)),
    residents: new ResidentRepository(models),
  };
  const services = {
    opinions: new OpinionService(repositories),
  };
  const processor = new MessageProcessor({
    ...repositories,
    handlers: createCommandHandlers(services),
    log,
  });
  return { conn, models, repositories, services, processor, notifier };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
