/**
 * Votes benchmark: an owners' vote over N households (roll drawn by the real PollService, ballots,
 * markers and running tallies in the real engine), all households voting concurrently, 5% replays of the
 * same vote and 5% changes of vote. Prints votes/s beside the same engine's raw insert rate for ballot-
 * shaped documents, the tally's read time (live counters) against a full recount, and the invariant:
 * exactly one counted vote per household.
 *
 *   npm run bench:votes -- --households 10000 --concurrency 32
 */
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { connectMongoose } from '../../server/db/connect.js';
import { startTestEngine } from '../../server/db/test-engine.js';
import { createModels, syncIndexes } from '../../server/models/index.js';
import type { Actor } from '../../server/policy/policy.js';
import { scopeId } from '../../server/policy/scope.js';
import type { HouseholdRecord } from '../../server/repositories/household.repository.js';
import { PollRepository } from '../../server/repositories/poll.repository.js';
import type { RosterMember } from '../../server/repositories/resident.repository.js';
import { PollService } from '../../server/services/poll.service.js';

const { values } = parseArgs({
  options: {
    households: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const N = Number(values.households);
const CONCURRENCY = Number(values.concurrency);
const COMPOUND = 'c1';
const BUILDINGS = 40;

async function runPool(total: number, worker: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < total; i = next++) await worker(i);
    }),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const engine = await startTestEngine();
  console.log(`engine: ${engine.engine.describe()}`);
  const conn = await connectMongoose(engine.uri, { dbName: engine.dbName });
  const models = createModels(conn);
  await syncIndexes(models);
  const polls = new PollRepository(models);

  const communityId = new Types.ObjectId().toHexString();
  const households: HouseholdRecord[] = Array.from({ length: N }, (_, i) => {
    const id = new Types.ObjectId().toHexString();
    const building = String((i % BUILDINGS) + 1);
    return {
      id,
      communityId,
      compound: COMPOUND,
      building,
      unit: '1',
      room: String(100 + Math.floor(i / BUILDINGS)),
      address: `${building}-1-${100 + Math.floor(i / BUILDINGS)}`,
      scope: scopeId.household(communityId, COMPOUND, building, id),
    };
  });
  const owners: RosterMember[] = households.map((h, i) => ({
    id: new Types.ObjectId().toHexString(),
    householdId: h.id,
    householdScope: h.scope,
    name: `业主${i}`,
    phoneHash: null,
    phoneMasked: null,
    relation: 'owner',
    floorArea: 60 + (i % 90) + (i % 7) / 100,
    note: null,
    roles: [{ role: 'owner', scopeKind: 'household', scopeId: h.scope }],
    version: 0,
  }));
  const groups = Array.from({ length: 20 }, (_, i) => ({
    id: new Types.ObjectId().toHexString(),
    channel: (['wechat', 'wecom', 'dingtalk'] as const)[i % 3]!,
    accountId: 'bench',
    platformGroupId: `g${i}`,
    name: `群${i}`,
    language: 'zh-CN' as const,
    scopeId: i === 0 ? communityId : scopeId.building(communityId, COMPOUND, String(i)),
  }));
  let counter = 0;
  const service = new PollService({
    polls,
    outbox: { enqueue: async () => 'queued' as never },
    counters: { next: async () => ++counter },
    households: { listByCommunity: async () => households },
    residents: { listRosterMembers: async () => owners, identitiesOf: async () => [] },
    communities: { findTree: async () => null },
    notices: { groupsOfCommunity: async () => groups },
    audit: { record: async () => undefined },
    publicUrl: 'http://bench',
  });
  const secretary: Actor = {
    id: 'bench-secretary',
    communityId,
    householdScope: null,
    roles: [{ role: 'secretary', scopeKind: 'community', scopeId: communityId }],
  };

  let started = performance.now();
  const view = await service.create({
    actor: secretary,
    question: '续聘物业公司',
    options: ['同意', '反对', '弃权'],
    anonymous: false,
    eligibility: 'owners',
    kind: 'ownersVote',
    matter: 'ordinary',
    scope: { kind: 'community' },
    closesAt: new Date(Date.now() + 86_400_000),
    resultsVisibility: 'afterClose',
  });
  console.log(`roll of ${N} households drawn and written in ${(performance.now() - started).toFixed(0)} ms`);
  const poll = (await polls.findById(view.id))!;

  const actorOf = (i: number): Actor => ({
    id: owners[i]!.id,
    communityId,
    householdScope: households[i]!.scope,
    roles: owners[i]!.roles,
  });
  const first = (i: number) => ['A', 'B', 'C'][i % 3]!;
  const replays = new Set<number>();
  const changes = new Set<number>();
  for (let i = 0; i < N; i++) {
    if (i % 20 === 7) replays.add(i);
    else if (i % 20 === 13) changes.add(i);
  }
  // Every household votes once, replays mixed in (same household, same choice, concurrently); the
  // changes follow in a second concurrent wave, so the expected final count is known exactly.
  const wave1: { i: number; choice: string }[] = [];
  for (let i = 0; i < N; i++) wave1.push({ i, choice: first(i) });
  for (const i of replays) wave1.push({ i, choice: first(i) });
  for (let k = wave1.length - 1; k > 0; k--) {
    const j = (k * 7919) % (k + 1);
    [wave1[k], wave1[j]] = [wave1[j]!, wave1[k]!];
  }
  const wave2 = [...changes].map((i) => ({ i, choice: first(i + 1) }));
  const ops = [...wave1, ...wave2];
  const outcomes = { cast: 0, changed: 0, unchanged: 0, rejected: 0 };
  const run = (wave: typeof ops) =>
    runPool(wave.length, async (k) => {
      const op = wave[k]!;
      const outcome = await service.castVote(poll, actorOf(op.i), [op.choice], 'app');
      outcomes[outcome.kind] += 1;
    });
  started = performance.now();
  await run(wave1);
  const wave1Seconds = (performance.now() - started) / 1000;
  await run(wave2);
  const voteSeconds = (performance.now() - started) / 1000;
  const voteRate = ops.length / voteSeconds;

  // Raw engine rate: one insertOne per ballot-shaped document at the same concurrency.
  const raw = conn.collection('raw_votes');
  const rawN = Math.min(N, 10_000);
  started = performance.now();
  await runPool(rawN, async (i) => {
    await raw.insertOne({ _id: `raw:${i}` as never, pollId: 'raw', choices: ['A'], version: 1, area: 8000 });
  });
  const rawRate = rawN / ((performance.now() - started) / 1000);
  await raw.drop();

  const tallyTimes: number[] = [];
  let results = await service.resultsOf(poll);
  for (let r = 0; r < 5; r++) {
    started = performance.now();
    results = await service.resultsOf(poll);
    tallyTimes.push(performance.now() - started);
  }
  const recountTimes: number[] = [];
  let recount = { units: 0, votes: 0 };
  for (let r = 0; r < 3; r++) {
    started = performance.now();
    const ballots = await polls.listVotes(poll.id);
    recount = { units: ballots.length, votes: ballots.reduce((s, b) => s + b.choices.length, 0) };
    recountTimes.push(performance.now() - started);
  }
  const groupTimes: number[] = [];
  for (let r = 0; r < 3; r++) {
    started = performance.now();
    await models.vote.aggregate([{ $match: { pollId: poll.id } }, { $group: { _id: null, n: { $sum: 1 } } }]);
    groupTimes.push(performance.now() - started);
  }

  const ballots = await models.vote.countDocuments({ pollId: poll.id });
  const markers = await models.voteMarker.countDocuments({ pollId: poll.id });
  const counted = results.options.reduce((s, o) => s + o.votes, 0);
  const expected = { A: 0, B: 0, C: 0 } as Record<string, number>;
  for (let i = 0; i < N; i++) expected[changes.has(i) ? first(i + 1) : first(i)]! += 1;
  const perOption = results.options.every((o) => o.votes === expected[o.letter]);
  const invariant =
    ballots === N &&
    markers === N &&
    counted === N &&
    results.turnout.voted === N &&
    recount.units === N &&
    perOption;

  console.log(
    `operations: ${ops.length} (${N} first votes, ${replays.size} replays, ${changes.size} changes)`,
  );
  console.log(`outcomes: ${JSON.stringify(outcomes)}`);
  console.log(
    `wave 1 (first votes + replays): ${(wave1.length / wave1Seconds).toFixed(0)} /s; ` +
      `wave 2 (changes): ${(wave2.length / (voteSeconds - wave1Seconds)).toFixed(0)} /s`,
  );
  console.log(
    `votes: ${voteRate.toFixed(0)} /s (${voteSeconds.toFixed(1)} s) vs raw insertOne ${rawRate.toFixed(0)} /s ` +
      `(${((voteRate / rawRate) * 100).toFixed(0)}% of raw; a vote is ~4 engine round trips)`,
  );
  console.log(
    `tally read (live counters, by _id): median ${median(tallyTimes).toFixed(1)} ms; ` +
      `full recount scan ${median(recountTimes).toFixed(0)} ms; one-$group count ${median(groupTimes).toFixed(0)} ms`,
  );
  console.log(
    `art. 278: participation ${results.art278?.participationArea.percent}% of area, ` +
      `${results.art278?.participationOwners.percent}% of owners; passed=${results.art278?.passed}`,
  );
  console.log(
    `invariant (one counted vote per household): ballots=${ballots} markers=${markers} counted=${counted} ` +
      `recount=${recount.units} per-option=${perOption ? 'exact' : 'WRONG'} → ${invariant ? 'HOLDS' : 'BROKEN'}`,
  );
  await conn.close();
  await engine.stop();
  process.exit(invariant ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
