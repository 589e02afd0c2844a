import { Types } from 'mongoose';
import type { ImportCounts, ImportFailure, ImportStatus } from '../../shared/schemas/roster.js';
import type { Models } from '../models/index.js';
import type { RosterFileError, RowError } from '../roster/roster-format.js';
import type { ScopeId } from '../policy/scope.js';
import { isObjectId } from './object-id.js';

/** Row errors per stored chunk: about 150 kB each, far below any engine's document limit. */
const ERRORS_PER_CHUNK = 1_000;

const UNFINISHED: readonly ImportStatus[] = ['queued', 'parsing', 'applying'];

export interface ImportProgress {
  done: number;
  total: number | null;
}

export interface ImportJobRecord {
  id: string;
  communityId: string;
  compound: string;
  scopeId: ScopeId;
  actorId: string | null;
  actorName: string;
  bytes: number;
  status: ImportStatus;
  progress: ImportProgress;
  counts: ImportCounts;
  fileError: RosterFileError | null;
  failure: ImportFailure | null;
  /** Whether the per-row errors have been stored (parsing is over). */
  errorsRecorded: boolean;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface NewImportJob {
  communityId: string;
  compound: string;
  scopeId: ScopeId;
  actorId: string | null;
  actorName: string;
  bytes: number;
}

export type ImportJobPatch = Partial<
  Pick<ImportJobRecord, 'status' | 'progress' | 'counts' | 'fileError' | 'failure' | 'finishedAt'>
>;

type LeanJob = {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  compound: string;
  scopeId: string;
  actorId?: Types.ObjectId | null;
  actorName?: string;
  bytes: number;
  status: ImportStatus;
  progress?: { done?: number; total?: number | null };
  counts?: Partial<ImportCounts>;
  fileError?: RosterFileError | null;
  failure?: ImportFailure | null;
  errorChunks?: number | null;
  createdAt: Date;
  finishedAt?: Date | null;
};

type LeanRowError = Omit<RowError, 'duplicateOf'> & { duplicateOf?: number | null };

const toRecord = (d: LeanJob): ImportJobRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  compound: d.compound,
  scopeId: d.scopeId,
  actorId: d.actorId ? String(d.actorId) : null,
  actorName: d.actorName ?? '',
  bytes: d.bytes,
  status: d.status,
  progress: { done: d.progress?.done ?? 0, total: d.progress?.total ?? null },
  counts: {
    created: d.counts?.created ?? 0,
    updated: d.counts?.updated ?? 0,
    unchanged: d.counts?.unchanged ?? 0,
    errors: d.counts?.errors ?? 0,
  },
  fileError: d.fileError
    ? {
        code: d.fileError.code,
        ...(d.fileError.missing?.length ? { missing: d.fileError.missing } : {}),
        ...(typeof d.fileError.maxRows === 'number' ? { maxRows: d.fileError.maxRows } : {}),
      }
    : null,
  failure: d.failure ?? null,
  errorsRecorded: typeof d.errorChunks === 'number',
  createdAt: d.createdAt,
  finishedAt: d.finishedAt ?? null,
});

const toRowError = (e: LeanRowError): RowError => ({
  rowNumber: e.rowNumber,
  field: e.field ?? null,
  code: e.code,
  value: e.value ?? null,
  ...(typeof e.duplicateOf === 'number' ? { duplicateOf: e.duplicateOf } : {}),
});

const chunkId = (jobId: string, index: number) => `${jobId}:${index}`;

/** Roster import jobs and their per-row errors. */
export class ImportJobRepository {
  constructor(private readonly models: Pick<Models, 'importJob' | 'importJobErrors'>) {}

  async create(input: NewImportJob): Promise<ImportJobRecord> {
    const doc = await this.models.importJob.create({
      ...input,
      communityId: new Types.ObjectId(input.communityId),
      actorId: input.actorId ? new Types.ObjectId(input.actorId) : null,
      status: 'queued',
    });
    return toRecord(doc.toObject() as LeanJob);
  }

  async findById(id: string): Promise<ImportJobRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.importJob.findById(id).lean<LeanJob>();
    return doc ? toRecord(doc) : null;
  }

  /** Only the job's own runner writes it, so a plain `$set` by id is enough. */
  async update(id: string, patch: ImportJobPatch): Promise<void> {
    await this.models.importJob.updateOne({ _id: new Types.ObjectId(id) }, { $set: patch });
  }

  /**
   * Stores the row errors, then marks them recorded: chunk ids are fixed per job, so a repeated call
   * replaces rather than duplicates.
   */
  async saveErrors(id: string, errors: readonly RowError[]): Promise<void> {
    let chunks = 0;
    for (let start = 0; start < errors.length; start += ERRORS_PER_CHUNK) {
      const slice = errors.slice(start, start + ERRORS_PER_CHUNK);
      await this.models.importJobErrors.updateOne(
        { _id: chunkId(id, chunks) },
        { $set: { rows: slice } },
        { upsert: true },
      );
      chunks += 1;
    }
    await this.models.importJob.updateOne({ _id: new Types.ObjectId(id) }, { $set: { errorChunks: chunks } });
  }

  /** The job's row errors in sheet order; empty until `saveErrors` ran. */
  async errorsOf(id: string): Promise<RowError[]> {
    if (!isObjectId(id)) return [];
    const job = await this.models.importJob.findById(id).lean<LeanJob>();
    const errors: RowError[] = [];
    for (let index = 0; index < (job?.errorChunks ?? 0); index++) {
      const chunk = await this.models.importJobErrors
        .findById(chunkId(id, index))
        .lean<{ rows?: LeanRowError[] }>();
      for (const error of chunk?.rows ?? []) errors.push(toRowError(error));
    }
    return errors;
  }

  /**
   * Marks every job that was queued or running as failed. Called once at start: jobs run in the
   * process that accepted them, so after a restart nobody is running them any more.
   */
  async failUnfinished(failure: ImportFailure, at: Date): Promise<number> {
    const result = await this.models.importJob.updateMany(
      { status: { $in: UNFINISHED } },
      { $set: { status: 'failed', failure, finishedAt: at } },
    );
    return result.modifiedCount;
  }
}
