/**
 * Ledger benchmark: N concurrent earns and redemptions over 10 accounts, 10% of them replays of an
 * earlier request, through the real PointsService on its own engine; compared with the same engine's
 * raw single-document `$inc` rate on the same connection. Prints the invariants.
 *
 *   npm run bench:ledger -- --ops 1000 --accounts 10
 */
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { connectMongoose } from '../../server/db/connect.js';
import { startTestEngine } from '../../server/db/test-engine.js';
import { createLogger } from '../../server/logger.js';
import { createModels, syncIndexes } from '../../server/models/index.js';
import { accountIdOf, LedgerRepository } from '../../server/repositories/ledger.repository.js';
import { PointsService, type PostInput } from '../../server/services/points.service.js';

const { values } = parseArgs({
  options: { ops: { type: 'string', default: '1000' }, accounts: { type: 'string', default: '10' } },
});
const OPS = Number(values.ops);
const ACCOUNTS = Number(values.accounts);

const engine = await startTestEngine();
const conn = await connectMongoose(engine.uri, { dbName: engine.dbName });
try {
  const models = createModels(conn);
  await syncIndexes(models);
  const ledger = new LedgerRepository(models);
  const communityId = new Types.ObjectId().toHexString();
  const residents = Array.from({ length: ACCOUNTS }, () => ({
    id: new Types.ObjectId().toHexString(),
    communityId,
    householdScope: `${communityId}/c/1/${new Types.ObjectId().toHexString()}`,
    roles: [],
    name: 'bench',
  }));
  const byId = new Map(residents.map((r) => [r.id, r]));
  const points = new PointsService({
    ledger,
    residents: {
      findById: async (id: string) => (byId.get(id) ?? null) as never,
      searchByName: async () => [],
      listByHousehold: async () => [],
    },
    households: { findByIds: async () => [], findByAddress: async () => [] },
    audit: { record: async () => undefined },
    log: createLogger('silent'),
  });

  // The limit: raw single-document updates, the same count, same concurrency, same connection.
  const raw = models.ledgerCap;
  await raw.insertMany(residents.map((r) => ({ _id: `raw:${r.id}`, total: 0 })));
  const rawStart = performance.now();
  await Promise.all(
    Array.from({ length: OPS }, (_, i) =>
      raw.updateOne({ _id: `raw:${residents[i % ACCOUNTS]!.id}` }, { $inc: { total: 1 } }),
    ),
  );
  const rawRate = OPS / ((performance.now() - rawStart) / 1000);

  // The mix: 60% earns of 10, 30% redemptions of 25, 10% replays of an earlier request.
  const requests: PostInput[] = [];
  for (let i = 0; i < OPS; i++) {
    const resident = residents[i % ACCOUNTS]!;
    if (i % 10 === 9 && requests.length) {
      requests.push(requests[Math.floor(Math.random() * requests.length)]!);
      continue;
    }
    const earn = i % 10 < 6;
    requests.push({
      resident,
      key: `${earn ? 'earn' : 'redeem'}:${i}`,
      currency: 'points',
      amount: earn ? 10 : -25,
      kind: earn ? 'earn' : 'redeem',
      countsEarned: earn,
      rule: earn ? 'voteCast' : null,
      memo: null,
      actorId: null,
      reversalOf: null,
    });
  }
  const start = performance.now();
  const outcomes = await Promise.all(requests.map((r) => points.post(r)));
  const seconds = (performance.now() - start) / 1000;
  const rate = OPS / seconds;

  const accounts = await ledger.findAccounts(residents.map((r) => accountIdOf(r.id, 'points')));
  const negative = accounts.filter((a) => a.balance < 0).length;
  const applied = await models.ledgerEntry.countDocuments({ state: { $ne: 'rejected' } });
  const uniqueKeys = new Set(requests.map((r) => r.key)).size;
  const appliedOutcomes = outcomes.filter((o) => o.outcome === 'applied').length;
  const run = await points.reconcile('bench');

  const row = (k: string, v: string | number) => console.log(`${k.padEnd(34)} ${v}`);
  row('engine', engine.engine.describe());
  row('operations (10% replays)', OPS);
  row('accounts', ACCOUNTS);
  row('ledger ops/s', rate.toFixed(0));
  row('raw single-doc updates/s (limit)', rawRate.toFixed(0));
  row('ledger / raw', `${((rate / rawRate) * 100).toFixed(1)}%  (goal ≥ 30%)`);
  row(
    'applied / rejected (no funds) / dup',
    `${appliedOutcomes} / ${outcomes.filter((o) => o.outcome === 'insufficient').length} / ${outcomes.filter((o) => o.outcome === 'duplicate').length}`,
  );
  row('invariant: no negative balance', negative === 0 ? 'OK' : `FAILED (${negative})`);
  row(
    'invariant: each key applied once',
    applied === appliedOutcomes && appliedOutcomes <= uniqueKeys
      ? 'OK'
      : `FAILED (${applied} vs ${appliedOutcomes})`,
  );
  row('invariant: reconciliation clean', run?.ok ? 'OK' : `FAILED ${JSON.stringify(run?.differences)}`);
  if (negative || !run?.ok || applied !== appliedOutcomes) process.exitCode = 1;
} finally {
  await conn.close();
  await engine.stop();
}
