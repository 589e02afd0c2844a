import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Schema, type Connection, type Model } from 'mongoose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectMongoose, engineState, isDuplicateKeyError } from '../../server/db/connect.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A killed child may linger briefly as a zombie until it is reaped. */
async function waitUntilGone(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isAlive(pid);
}

interface MongoErrorLike {
  code?: number;
  message: string;
  writeErrors?: { index: number; code: number }[];
}

async function rejection(promise: Promise<unknown>): Promise<MongoErrorLike> {
  try {
    await promise;
  } catch (err) {
    return err as MongoErrorLike;
  }
  throw new Error('expected the operation to be rejected');
}

const expectedKind: Record<string, string | undefined> = {
  'ferretdb-sqlite': 'ferretdb-sqlite',
  'ferretdb-postgresql': 'ferretdb-postgresql',
  mongod: 'mongod',
  external: 'external',
};

describe('database engine', () => {
  let testEngine: TestEngine;
  let conn: Connection;

  beforeAll(async () => {
    testEngine = await startTestEngine();
    conn = await connectMongoose(testEngine.uri, { dbName: testEngine.dbName });
  });

  afterAll(async () => {
    await conn?.close();
    await testEngine?.stop();
  });

  it('starts the engine chosen by TEST_ENGINE and reports it up', async () => {
    const wanted = expectedKind[process.env.TEST_ENGINE ?? ''];
    if (wanted) expect(testEngine.engine.kind).toBe(wanted);
    else expect(['mongod', 'ferretdb-sqlite']).toContain(testEngine.engine.kind);
    expect(testEngine.engine.describe()).toContain(testEngine.engine.kind);
    expect(await engineState(conn)).toBe('up');
  });

  describe('portable subset', () => {
    it('rejects a duplicate key under a unique index with E11000', async () => {
      const Entry = conn.model(
        'LedgerEntry',
        new Schema({ idempotencyKey: { type: String, required: true, unique: true }, amount: Number }),
      );
      await Entry.init();
      await Entry.create({ idempotencyKey: 'checkin:e1:r1', amount: 5 });

      const err = await rejection(Entry.create({ idempotencyKey: 'checkin:e1:r1', amount: 5 }));
      expect(err.code).toBe(11000);
      expect(err.message).toMatch(/E11000/);
      expect(await Entry.countDocuments()).toBe(1);
    });

    it('enforces a compound unique index on the pair, not on each field', async () => {
      const schema = new Schema({ pollId: String, householdId: String, option: String });
      schema.index({ pollId: 1, householdId: 1 }, { unique: true });
      const Vote = conn.model('Vote', schema);
      await Vote.init();

      await Vote.create({ pollId: 'p1', householdId: 'h1', option: 'A' });
      await Vote.create({ pollId: 'p1', householdId: 'h2', option: 'A' });
      await Vote.create({ pollId: 'p2', householdId: 'h1', option: 'B' });
      const err = await rejection(Vote.create({ pollId: 'p1', householdId: 'h1', option: 'B' }));
      expect(err.code).toBe(11000);
      expect(await Vote.countDocuments()).toBe(3);
    });

    it('applies a conditional $inc only while the filter matches', async () => {
      const Account = conn.model(
        'Account',
        new Schema({ residentId: String, balance: Number, version: Number }),
      );
      const { _id } = await Account.create({ residentId: 'r1', balance: 10, version: 0 });
      const spend = (amount: number) =>
        Account.findOneAndUpdate(
          { _id, balance: { $gte: amount } },
          { $inc: { balance: -amount, version: 1 } },
          { returnDocument: 'after' },
        ).lean();

      expect(await spend(7)).toMatchObject({ balance: 3, version: 1 });
      expect(await spend(7)).toBeNull();
      const result = await Account.updateOne({ _id, balance: { $gte: 5 } }, { $inc: { balance: -5 } });
      expect(result.matchedCount).toBe(0);
      expect(await Account.findById(_id).lean()).toMatchObject({ balance: 3, version: 1 });
    });

    it('upserts with findOneAndUpdate, $inc and $setOnInsert', async () => {
      const Counter = conn.model(
        'Counter',
        new Schema({ name: { type: String, unique: true }, seq: Number, createdBy: String }),
      );
      await Counter.init();
      const next = (by: string) =>
        Counter.findOneAndUpdate(
          { name: 'report' },
          { $inc: { seq: 1 }, $setOnInsert: { createdBy: by } },
          { upsert: true, returnDocument: 'after' },
        ).lean();

      expect(await next('first')).toMatchObject({ name: 'report', seq: 1, createdBy: 'first' });
      expect(await next('second')).toMatchObject({ name: 'report', seq: 2, createdBy: 'first' });
      expect(await Counter.countDocuments()).toBe(1);
    });

    it('reports each duplicate of an unordered insertMany and keeps the rest', async () => {
      const Message = conn.model(
        'InboundMessage',
        new Schema({ channelMessageId: { type: String, unique: true }, text: String }),
      );
      await Message.init();
      await Message.create({ channelMessageId: 'm1', text: 'already here' });

      const err = await rejection(
        Message.insertMany(
          [
            { channelMessageId: 'm2', text: 'new' },
            { channelMessageId: 'm1', text: 'redelivered' },
            { channelMessageId: 'm3', text: 'new' },
            { channelMessageId: 'm2', text: 'duplicate in batch' },
          ],
          { ordered: false },
        ),
      );
      expect(err.code).toBe(11000);
      const writeErrors = (err.writeErrors ?? []).map((e) => ({ index: e.index, code: e.code }));
      expect(writeErrors).toEqual([
        { index: 1, code: 11000 },
        { index: 3, code: 11000 },
      ]);
      const ids = (await Message.find().sort({ channelMessageId: 1 }).lean()).map((m) => m.channelMessageId);
      expect(ids).toEqual(['m1', 'm2', 'm3']);
    });

    it('keeps a conditional $inc atomic under concurrent spends', async () => {
      const Wallet = conn.model('Wallet', new Schema({ balance: Number }));
      const { _id } = await Wallet.create({ balance: 10 });
      const results = await Promise.all(
        Array.from({ length: 30 }, () =>
          Wallet.updateOne({ _id, balance: { $gte: 1 } }, { $inc: { balance: -1 } }),
        ),
      );
      const applied = results.reduce((sum, r) => sum + r.modifiedCount, 0);
      expect(applied).toBe(10);
      expect(await Wallet.findById(_id).lean()).toMatchObject({ balance: 0 });
    });

    it('recognises a unique-index collision on update as a duplicate key', async () => {
      const Household = conn.model(
        'Household',
        new Schema({ address: { type: String, unique: true }, residents: Number }),
      );
      await Household.init();
      await Household.create([{ address: '3-2-501' }, { address: '3-2-502' }]);

      const err = await rejection(
        Household.updateOne({ address: '3-2-502' }, { $set: { address: '3-2-501' } }),
      );
      expect(isDuplicateKeyError(err)).toBe(true);
      expect(isDuplicateKeyError(await rejection(Household.create({ address: '3-2-501' })))).toBe(true);
    });

    describe('aggregation', () => {
      interface ReportRow {
        category: string;
        building: string;
        tags: string[];
        minutes: number;
      }
      let Report: Model<ReportRow>;

      beforeAll(async () => {
        Report = conn.model(
          'Report',
          new Schema<ReportRow>({ category: String, building: String, tags: [String], minutes: Number }),
        );
        await Report.insertMany([
          { category: 'buildings', building: 'b1', tags: ['lift', 'urgent'], minutes: 30 },
          { category: 'buildings', building: 'b2', tags: ['lift'], minutes: 90 },
          { category: 'transport', building: 'b1', tags: ['parking'], minutes: 10 },
          { category: 'services', building: 'b3', tags: [], minutes: 45 },
          { category: 'buildings', building: 'b1', tags: ['roof', 'urgent'], minutes: 60 },
        ]);
      });

      it('groups with $match, $group and $sort', async () => {
        const counts = await Report.aggregate<{ _id: string; count: number }>([
          { $match: { minutes: { $gte: 20 } } },
          { $group: { _id: '$category', count: { $sum: 1 } } },
          { $sort: { count: -1, _id: 1 } },
        ]);
        expect(counts).toEqual([
          { _id: 'buildings', count: 3 },
          { _id: 'services', count: 1 },
        ]);

        const minutes = await Report.aggregate<{ _id: string; minutes: number }>([
          { $group: { _id: '$building', minutes: { $sum: '$minutes' } } },
          { $sort: { minutes: -1 } },
        ]);
        expect(minutes).toEqual([
          { _id: 'b1', minutes: 100 },
          { _id: 'b2', minutes: 90 },
          { _id: 'b3', minutes: 45 },
        ]);
      });

      it('supports $unwind, $addFields, $project, $skip, $limit and $count', async () => {
        const tags = await Report.aggregate<{ _id: string; n: number }>([
          { $unwind: '$tags' },
          { $group: { _id: '$tags', n: { $sum: 1 } } },
          { $sort: { n: -1, _id: 1 } },
          { $skip: 1 },
          { $limit: 2 },
        ]);
        expect(tags).toEqual([
          { _id: 'urgent', n: 2 },
          { _id: 'parking', n: 1 },
        ]);

        const projected = await Report.aggregate<{ building: string; padded: number }>([
          { $match: { building: 'b2' } },
          { $addFields: { padded: { $sum: ['$minutes', 15] } } },
          { $project: { _id: 0, building: 1, padded: 1 } },
        ]);
        expect(projected).toEqual([{ building: 'b2', padded: 105 }]);

        const counted = await Report.aggregate<{ total: number }>([
          { $match: { building: 'b1' } },
          { $count: 'total' },
        ]);
        expect(counted).toEqual([{ total: 3 }]);
      });
    });
  });

  // Tripwires for FerretDB 1.24 gaps listed in server/db/README.md: if one fails, the gap is gone.
  describe('FerretDB 1.24 gaps', () => {
    const gap = (name: string, fn: () => Promise<void>) =>
      it(name, async (ctx) => {
        if (!testEngine.engine.kind.startsWith('ferretdb')) ctx.skip();
        await fn();
      });
    const collection = (name: string) => {
      if (!conn.db) throw new Error('not connected');
      return conn.db.collection(name);
    };

    gap('computes only the first accumulator of a $group', async () => {
      const c = collection('gap_group');
      await c.insertMany([
        { k: 'a', x: 1 },
        { k: 'a', x: 2 },
      ]);
      const rows = await c
        .aggregate([{ $group: { _id: '$k', n: { $sum: 1 }, total: { $sum: '$x' } } }])
        .toArray();
      expect(rows).toEqual([{ _id: 'a', n: 2, total: 0 }]);
    });

    gap('takes a field path in $project and $addFields as a literal string', async () => {
      const c = collection('gap_project');
      await c.insertOne({ category: 'health' });
      const rows = await c.aggregate([{ $project: { _id: 0, cat: '$category' } }]).toArray();
      expect(rows).toEqual([{ cat: '$category' }]);
    });

    gap(
      'rejects expression operators other than $sum and accumulators other than $sum and $count',
      async () => {
        const c = collection('gap_operators');
        await c.insertOne({ x: 1 });
        const divide = await rejection(
          c.aggregate([{ $addFields: { y: { $divide: ['$x', 2] } } }]).toArray(),
        );
        expect(divide.code).toBe(238);
        const avg = await rejection(c.aggregate([{ $group: { _id: null, a: { $avg: '$x' } } }]).toArray());
        expect(avg.code).toBe(238);
      },
    );

    gap('matches nothing with $elemMatch on sub-documents', async () => {
      const c = collection('gap_elem_match');
      await c.insertOne({ items: [{ a: 1 }, { a: 2 }] });
      expect(await c.countDocuments({ items: { $elemMatch: { a: 2 } } })).toBe(0);
      expect(await c.countDocuments({ 'items.a': 2 })).toBe(1);
    });

    gap('rejects TTL and partial indexes and findOneAndUpdate projections', async () => {
      const c = collection('gap_indexes');
      expect((await rejection(c.createIndex({ at: 1 }, { expireAfterSeconds: 60 }))).code).toBe(238);
      const partial = { unique: true, partialFilterExpression: { code: { $exists: true } } };
      expect((await rejection(c.createIndex({ code: 1 }, partial))).code).toBe(238);
      await c.insertOne({ k: 1, v: 1 });
      const projected = c.findOneAndUpdate({ k: 1 }, { $inc: { v: 1 } }, { projection: { v: 1 } });
      expect((await rejection(projected)).code).toBe(238);
    });
  });

  it('stops the engine, leaving no process and no data directory behind', async () => {
    await conn.close();
    await testEngine.stop();
    const { pid } = testEngine.engine;
    if (pid !== undefined) expect(await waitUntilGone(pid)).toBe(true);
    expect(existsSync(testEngine.dataDir)).toBe(false);
    expect(await engineState(conn)).toBe('down');
  });
});

describe.skipIf(process.env.TEST_ENGINE === 'external')('engine child process', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nbtest-orphan-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Starts an engine in a separate Node process; resolves with both pids once the engine is up. */
  async function engineInChildNode(then: 'exit' | 'wait') {
    const engineModule = new URL('../../server/db/engine.ts', import.meta.url).href;
    const script = [
      `const { startEngine } = await import(${JSON.stringify(engineModule)});`,
      `const engine = await startEngine({ dataDir: ${JSON.stringify(dataDir)}, engine: 'ferretdb-sqlite' });`,
      'process.stdout.write(`${engine.pid}\\n`);',
      then === 'exit' ? 'process.exit(0);' : 'setInterval(() => {}, 1000);',
    ].join('\n');
    const node = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => node.once('exit', resolve));
    const enginePid = await new Promise<number>((resolve, reject) => {
      let output = '';
      node.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('\n')) resolve(Number(output.trim()));
      });
      void exited.then(() => setTimeout(() => reject(new Error(`no engine pid; output: ${output}`)), 100));
    });
    return { node, exited, enginePid };
  }

  async function expectGone(pid: number): Promise<void> {
    const gone = await waitUntilGone(pid, 10_000);
    if (!gone) process.kill(pid, 'SIGKILL');
    expect(gone).toBe(true);
  }

  it('is killed when the Node process that started it exits without stopping it', async () => {
    const { exited, enginePid } = await engineInChildNode('exit');
    expect(await exited).toBe(0);
    await expectGone(enginePid);
  });

  it('is stopped by its watchdog when the Node process is SIGKILLed', async () => {
    const { node, exited, enginePid } = await engineInChildNode('wait');
    expect(isAlive(enginePid)).toBe(true);
    node.kill('SIGKILL');
    await exited;
    await expectGone(enginePid);
  });
});
