import type { Connection } from 'mongoose';
import { connectMongoose } from '../../server/db/connect.js';
import { startTestEngine } from '../../server/db/test-engine.js';
import { createModels, syncIndexes, type Models } from '../../server/models/index.js';

export interface TestDatabase {
  conn: Connection;
  /** Every model, with its indexes built: what repositories are constructed from. */
  models: Models;
  /** Closes the connection and stops the throwaway engine. */
  close(): Promise<void>;
}

/** A throwaway engine and database for repository tests (FerretDB unless TEST_ENGINE says otherwise). */
export async function openTestDatabase(): Promise<TestDatabase> {
  const engine = await startTestEngine();
  const conn = await connectMongoose(engine.uri, { dbName: engine.dbName });
  const models = createModels(conn);
  await syncIndexes(models);
  return {
    conn,
    models,
    async close() {
      await conn.close();
      await engine.stop();
    },
  };
}
