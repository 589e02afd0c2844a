import { translator, type Language } from '../../shared/i18n/index.js';
import type {
  RosterScopeQuery,
  ImportAccepted,
  ImportCounts,
  ImportJobView,
} from '../../shared/schemas/roster.js';
import { notFound, serviceUnavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import { assertCan } from '../policy/authorize.js';
import type { Actor } from '../policy/policy.js';
import { assignment, withMembershipRoles } from '../policy/roles.js';
import { scopeId, type ScopeId } from '../policy/scope.js';
import type { CommunityRepository, CommunityTree } from '../repositories/community.repository.js';
import type { HouseholdRecord, HouseholdRepository } from '../repositories/household.repository.js';
import type {
  ImportJobPatch,
  ImportJobRecord,
  ImportJobRepository,
} from '../repositories/import-job.repository.js';
import type {
  ResidentRepository,
  RosterMember,
  RosterMemberChanges,
  RosterMemberExpected,
} from '../repositories/resident.repository.js';
import {
  planRosterImport,
  type ExistingMember,
  type PlannedMember,
  type PlannedUpdate,
} from '../roster/roster-diff.js';
import { compareAddresses, type RosterRow } from '../roster/roster-format.js';
import { parseRoster } from '../roster/roster-parser.js';
import { writeErrorReport, writeRoster, type RosterExportRow } from '../roster/roster-writer.js';
import type { AuditService } from './audit.service.js';
import type { PhoneProtector } from './phone-protector.js';
import { presentImportJob } from './roster.presenter.js';
import {
  compoundRequired,
  errorReportNotReady,
  importJobNotFound,
  importQueueFull,
  rosterFileRejected,
  unknownCompound,
} from './roster-errors.js';

/** Staff acting on the roster; the name is kept in the audit log. */
export type RosterActor = Actor & { id: string; name: string };

/** An .xlsx ready to send, with its name in the staff member's language and an ASCII fallback. */
export interface XlsxFile {
  body: Buffer;
  filename: string;
  asciiFilename: string;
}

export interface RosterServiceDeps {
  jobs: Pick<
    ImportJobRepository,
    'create' | 'findById' | 'update' | 'saveErrors' | 'errorsOf' | 'failUnfinished'
  >;
  residents: Pick<
    ResidentRepository,
    'listRosterMembers' | 'rosterMember' | 'createRosterMembers' | 'updateRosterMember'
  >;
  households: Pick<HouseholdRepository, 'ensureMany' | 'listByCommunity'>;
  communities: Pick<CommunityRepository, 'findTree'>;
  audit: Pick<AuditService, 'record'>;
  phones: Pick<PhoneProtector, 'protect' | 'hashOf'>;
  log: Logger;
  now?: () => Date;
  /** Uploads that may wait behind the running one; more are refused with a 503. Default 5. */
  maxQueued?: number;
  /** Least time between two progress writes of a job. Default 250 ms. */
  progressIntervalMs?: number;
}

interface ImportTask {
  jobId: string;
  communityId: string;
  compound: { code: string; name: string };
  scope: ScopeId;
  actor: { id: string; name: string };
  file: Buffer;
}

/** Thrown between rows when the server is stopping. */
class ImportInterrupted extends Error {}

/** A roster row as planned here: the phone replaced by its lookup hash, so no number is decrypted. */
type PreparedRow = RosterRow;

/** Re-plans of one row whose resident changed under us before giving up: edits by staff are rare. */
const MAX_ATTEMPTS = 5;

/** New residents per insert: each is still its own document, the batch saves round trips. */
const CREATE_BATCH = 200;

/**
 * Roster import and export. Uploads become jobs that run one at a time in this process: parse with
 * progress, plan against the stored roster, apply, audit. Both directions show phones only masked.
 */
export class RosterService {
  private readonly queue: ImportTask[] = [];
  private running: Promise<void> | null = null;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: RosterServiceDeps) {}

  /**
   * Accepts an upload for the actor's community: refuses at once a file that is not a roster (not a
   * workbook, required columns missing, no rows), otherwise queues a job and returns its id.
   */
  async startImport(
    actor: RosterActor,
    input: { file: Buffer; compound?: string | undefined; language: Language },
  ): Promise<ImportAccepted> {
    const scope = scopeId.community(actor.communityId);
    assertCan(actor, 'roster.import', { scope });
    const tree = await this.tree(actor.communityId);
    const compound = this.importCompound(tree, input.compound);
    // Reads up to the first data row only: enough to refuse a wrong file while the user waits.
    const check = await parseRoster(input.file, { maxRows: 1 });
    if (check.fileError && check.fileError.code !== 'tooManyRows') {
      throw rosterFileRejected(check.fileError, input.language);
    }
    if (this.stopping.signal.aborted) throw serviceUnavailable('shutting_down', 'errors.shuttingDown');
    if (this.queue.length >= (this.deps.maxQueued ?? 5)) throw importQueueFull();

    const job = await this.deps.jobs.create({
      communityId: actor.communityId,
      compound: compound.code,
      scopeId: scope,
      actorId: actor.id,
      actorName: actor.name,
      bytes: input.file.length,
    });
    if (this.stopping.signal.aborted) {
      await this.fail(job.id, 'interrupted');
      throw serviceUnavailable('shutting_down', 'errors.shuttingDown');
    }
    this.queue.push({
      jobId: job.id,
      communityId: actor.communityId,
      compound,
      scope,
      actor: { id: actor.id, name: actor.name },
      file: input.file,
    });
    this.running ??= this.drain();
    return { jobId: job.id };
  }

  async getImport(actor: Actor, id: string, language: Language): Promise<ImportJobView> {
    return presentImportJob(await this.jobOf(actor, id), language);
  }

  /** The rows the import skipped and why, in the caller's language; ready once parsing is over. */
  async errorReport(actor: Actor, id: string, language: Language): Promise<XlsxFile> {
    const job = await this.jobOf(actor, id);
    if (!job.errorsRecorded) throw errorReportNotReady();
    const body = await writeErrorReport(await this.deps.jobs.errorsOf(job.id), language);
    const date = localDate(job.createdAt);
    return {
      body,
      filename: `${translator(language)('rosterImport.errorReportName')}-${date}.xlsx`,
      asciiFilename: `roster-import-errors-${date}.xlsx`,
    };
  }

  /**
   * The community's (or one compound's) residents by address, phones masked: staff edit it and
   * import it back, which changes nothing they did not edit.
   */
  async exportRoster(actor: RosterActor, query: RosterScopeQuery, language: Language): Promise<XlsxFile> {
    const communityScope = scopeId.community(actor.communityId);
    assertCan(actor, 'roster.export', { scope: communityScope });
    const tree = await this.tree(actor.communityId);
    const compound = query.compound ? this.findCompound(tree, query.compound) : null;
    const [households, members] = await Promise.all([
      this.deps.households.listByCommunity(tree.id, compound?.code),
      this.deps.residents.listRosterMembers(tree.id),
    ]);
    const householdOf = new Map(households.map((h) => [h.id, h]));
    const lines = members.flatMap((m) => {
      const h = householdOf.get(m.householdId);
      if (!h) return [];
      const row: RosterExportRow = {
        building: h.building,
        unit: h.unit,
        room: h.room,
        name: m.name,
        phone: m.phoneMasked,
        relation: m.relation ?? 'family',
        area: m.relation === 'owner' ? m.floorArea : null,
        note: m.note,
      };
      return [{ address: h.address, row }];
    });
    // Stable sort: members of one household keep the order they were added in.
    lines.sort((a, b) => compareAddresses(a.address, b.address));
    const body = await writeRoster(
      lines.map((l) => l.row),
      { language },
    );
    await this.deps.audit.record({
      actor,
      action: 'roster.export',
      target: {
        kind: 'roster',
        id: compound?.code ?? tree.code,
        label: compound ? `${tree.name} ${compound.name}` : tree.name,
        scope: compound ? scopeId.compound(tree.id, compound.code) : communityScope,
      },
      after: { residents: lines.length },
    });
    const date = localDate(this.now());
    const name = [tree.name, compound?.name, translator(language)('rosterImport.exportName'), date];
    return {
      body,
      filename: `${name.filter(Boolean).join('-')}.xlsx`,
      asciiFilename: `roster-${date}.xlsx`,
    };
  }

  /** At start: jobs left unfinished by the previous process will never finish; say so. */
  async recoverInterrupted(): Promise<void> {
    const count = await this.deps.jobs.failUnfinished('interrupted', this.now());
    if (count > 0)
      this.deps.log.warn({ jobs: count }, 'roster imports interrupted by a restart marked failed');
  }

  /** Stops taking jobs; the running one stops at its next row and waiting ones are marked failed. */
  async stop(): Promise<void> {
    this.stopping.abort();
    const waiting = this.queue.splice(0);
    await this.running;
    for (const task of waiting) await this.fail(task.jobId, 'interrupted');
  }

  /** Resolves when no job is running or waiting. */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (let task = this.queue.shift(); task; task = this.queue.shift()) await this.run(task);
    } finally {
      this.running = null;
    }
  }

  private async run(task: ImportTask): Promise<void> {
    const { jobs, log } = this.deps;
    const counts: ImportCounts = { created: 0, updated: 0, unchanged: 0, errors: 0 };
    const progress = this.progressWriter(task.jobId);
    try {
      this.checkStopping();
      await jobs.update(task.jobId, { status: 'parsing' });
      const parsed = await parseRoster(task.file, {
        onProgress: (done, total) => {
          this.checkStopping();
          return progress({ progress: { done, total } });
        },
      });
      if (parsed.fileError) {
        await jobs.update(task.jobId, {
          status: 'failed',
          fileError: parsed.fileError,
          finishedAt: this.now(),
        });
        return;
      }
      await jobs.saveErrors(task.jobId, parsed.errors);
      counts.errors = new Set(parsed.errors.map((e) => e.rowNumber)).size;
      const total = parsed.rows.length;
      await jobs.update(task.jobId, { status: 'applying', counts, progress: { done: 0, total } });
      await this.apply(task, parsed.rows, counts, (done) => progress({ progress: { done, total }, counts }));
      await jobs.update(task.jobId, {
        status: 'done',
        counts,
        progress: { done: total, total },
        finishedAt: this.now(),
      });
      await this.auditImport(task, { rows: parsed.totalRows, ...counts });
    } catch (err) {
      const interrupted = err instanceof ImportInterrupted;
      if (!interrupted) log.error({ err, jobId: task.jobId }, 'roster import failed');
      await this.fail(task.jobId, interrupted ? 'interrupted' : 'internal', counts);
      if (counts.created + counts.updated > 0) await this.auditImport(task, { ...counts, completed: false });
    }
  }

  /**
   * Applies the file to the stored roster. Every write is one single-document operation, in an order
   * that lets a crash at any point converge when the same file is imported again: households first
   * (an idempotent upsert under the unique address index), then each new resident as one complete
   * insert naming its household, then each update as one write conditional on the values it was
   * planned from. A re-run plans from what is stored, so whatever was written is seen and not redone.
   */
  private async apply(
    task: ImportTask,
    rows: readonly RosterRow[],
    counts: ImportCounts,
    onProgress: (done: number) => Promise<void>,
  ): Promise<void> {
    const { households, residents } = this.deps;
    const plainPhones = new Map<string, string>();
    const prepared: PreparedRow[] = rows.map((row) => {
      const hash = row.phone ? this.deps.phones.hashOf(row.phone) : null;
      if (hash && row.phone) plainPhones.set(hash, row.phone);
      // Floor area is what an owner holds (their vote weight); none is kept for tenants and family.
      return { ...row, phone: hash, area: row.relation === 'owner' ? row.area : null };
    });
    const rowOf = new Map(prepared.map((row) => [row.rowNumber, row]));

    const [stored, members] = await Promise.all([
      households.listByCommunity(task.communityId, task.compound.code),
      residents.listRosterMembers(task.communityId),
    ]);
    const householdById = new Map(stored.map((h) => [h.id, h]));
    const householdByAddress = new Map(stored.map((h) => [h.address, h]));
    const inCompound = members.filter((m) => householdById.has(m.householdId));
    const memberById = new Map(inCompound.map((m) => [m.id, m]));
    const plan = planRosterImport(prepared, {
      households: stored.map(({ id, address }) => ({ id, address })),
      members: inCompound.map(existingMember),
    });

    counts.unchanged += plan.unchanged.length;
    let done = plan.unchanged.length;
    await onProgress(done);

    this.checkStopping();
    const created = await households.ensureMany(
      plan.createHouseholds.map((h) => ({
        communityId: task.communityId,
        compound: task.compound.code,
        building: h.building,
        unit: h.unit,
        room: h.room,
      })),
    );
    for (const household of created) {
      householdById.set(household.id, household);
      householdByAddress.set(household.address, household);
    }
    for (let start = 0; start < plan.createResidents.length; start += CREATE_BATCH) {
      this.checkStopping();
      const batch = plan.createResidents.slice(start, start + CREATE_BATCH).map((planned) => {
        const household = planned.householdId
          ? householdById.get(planned.householdId)
          : householdByAddress.get(planned.address);
        if (!household) throw new Error(`no household at ${planned.address} after creating households`);
        return { household, planned };
      });
      await this.createMembers(task, batch, plainPhones);
      counts.created += batch.length;
      done += batch.length;
      await onProgress(done);
    }
    for (const update of plan.updateResidents) {
      this.checkStopping();
      const household = householdById.get(update.householdId);
      const member = memberById.get(update.id);
      const row = rowOf.get(update.rowNumber);
      if (!household || !member || !row)
        throw new Error(`update of row ${update.rowNumber} lost its context`);
      counts[await this.applyRow(task, household, member, row, plainPhones)] += 1;
      done += 1;
      await onProgress(done);
    }
  }

  /**
   * Writes one row planned as an update. When the conditional write finds the resident changed
   * meanwhile, the row is planned again against what is stored now rather than overwriting it.
   */
  private async applyRow(
    task: ImportTask,
    household: HouseholdRecord,
    member: RosterMember,
    row: PreparedRow,
    plainPhones: ReadonlyMap<string, string>,
  ): Promise<'created' | 'updated' | 'unchanged'> {
    let current: RosterMember | null = member;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const plan = planRosterImport([row], {
        households: [{ id: household.id, address: household.address }],
        members: current ? [existingMember(current)] : [],
      });
      const create = plan.createResidents[0];
      const update = plan.updateResidents[0];
      if (create) {
        await this.createMembers(task, [{ household, planned: create }], plainPhones);
        return 'created';
      }
      if (!update || !current) return 'unchanged';
      if (await this.updateMember(task, household, current, update, plainPhones)) return 'updated';
      current = await this.deps.residents.rosterMember(member.id);
      // Moved to another household meanwhile: for this address the person is new again.
      if (current && current.householdId !== household.id) current = null;
    }
    throw new Error(`resident ${member.id} kept changing while row ${row.rowNumber} was imported`);
  }

  private async createMembers(
    task: ImportTask,
    batch: readonly { household: HouseholdRecord; planned: PlannedMember }[],
    plainPhones: ReadonlyMap<string, string>,
  ): Promise<void> {
    await this.deps.residents.createRosterMembers(
      batch.map(({ household, planned }) => {
        const plain = planned.phone ? plainPhones.get(planned.phone) : undefined;
        return {
          communityId: task.communityId,
          name: planned.name,
          membership: {
            householdId: household.id,
            householdScope: household.scope,
            relation: planned.relation,
            floorArea: planned.relation === 'owner' ? planned.area : null,
          },
          phone: plain ? this.deps.phones.protect(plain) : null,
          note: planned.note,
          roles: [assignment('resident', scopeId.community(task.communityId))],
        };
      }),
    );
  }

  /** One conditional write, then its audit entry; false when the resident changed meanwhile. */
  private async updateMember(
    task: ImportTask,
    household: HouseholdRecord,
    member: RosterMember,
    update: PlannedUpdate,
    plainPhones: ReadonlyMap<string, string>,
  ): Promise<boolean> {
    const { changes } = update;
    // The condition is the stored values the plan compared against, not their planner spelling.
    const expected: RosterMemberExpected = { version: member.version };
    const write: RosterMemberChanges = {};
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    if (typeof changes.phone === 'string') {
      const plain = plainPhones.get(changes.phone);
      const phone = plain ? this.deps.phones.protect(plain) : null;
      if (!phone) throw new Error(`row ${update.rowNumber}: phone number lost between parsing and writing`);
      expected.phoneHash = member.phoneHash;
      write.phone = phone;
      before.phone = member.phoneMasked;
      after.phone = phone.masked;
    }
    if (changes.relation) {
      expected.relation = member.relation;
      write.relation = changes.relation;
      write.roles = withMembershipRoles(member.roles, {
        householdScope: household.scope,
        relation: changes.relation,
      });
      before.relation = member.relation;
      after.relation = changes.relation;
      if (changes.relation !== 'owner' && member.floorArea !== null) write.floorArea = null;
    }
    if (changes.area !== undefined) {
      expected.floorArea = member.floorArea;
      write.floorArea = changes.area;
    }
    if (write.floorArea !== undefined) {
      before.floorArea = member.floorArea;
      after.floorArea = write.floorArea;
    }
    if (typeof changes.note === 'string') {
      expected.note = member.note;
      write.note = changes.note;
      before.note = member.note;
      after.note = changes.note;
    }
    if (!(await this.deps.residents.updateRosterMember(member.id, expected, write))) return false;
    await this.deps.audit.record({
      actor: task.actor,
      action: 'roster.updateResident',
      target: { kind: 'resident', id: member.id, label: member.name, scope: household.scope },
      before,
      after: { ...after, importJob: task.jobId },
    });
    return true;
  }

  private async auditImport(task: ImportTask, summary: Record<string, unknown>): Promise<void> {
    await this.deps.audit.record({
      actor: task.actor,
      action: 'roster.import',
      target: { kind: 'rosterImport', id: task.jobId, label: task.compound.name, scope: task.scope },
      after: { compound: task.compound.code, ...summary },
    });
  }

  private async fail(jobId: string, failure: 'interrupted' | 'internal', counts?: ImportCounts) {
    try {
      await this.deps.jobs.update(jobId, {
        status: 'failed',
        failure,
        finishedAt: this.now(),
        ...(counts && { counts }),
      });
    } catch (err) {
      this.deps.log.error({ err, jobId }, 'roster import could not be marked failed');
    }
  }

  /** Progress writes at most every `progressIntervalMs`: a poll every second needs no more. */
  private progressWriter(jobId: string): (patch: ImportJobPatch) => Promise<void> {
    const interval = this.deps.progressIntervalMs ?? 250;
    let last = 0;
    return async (patch) => {
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      await this.deps.jobs.update(jobId, patch);
    };
  }

  /** The caller's community; only staff reach this, after the policy check. */
  private async jobOf(actor: Actor, id: string): Promise<ImportJobRecord> {
    assertCan(actor, 'roster.import', { scope: scopeId.community(actor.communityId) });
    const job = await this.deps.jobs.findById(id);
    if (!job) throw importJobNotFound();
    assertCan(actor, 'roster.import', { scope: job.scopeId });
    return job;
  }

  private async tree(communityId: string): Promise<CommunityTree> {
    const tree = await this.deps.communities.findTree(communityId);
    if (!tree) throw notFound('community');
    return tree;
  }

  /** The compound a roster goes into: the one named, or the community's only one. */
  private importCompound(tree: CommunityTree, code: string | undefined): { code: string; name: string } {
    if (code) return this.findCompound(tree, code);
    const [only, ...others] = tree.compounds;
    if (!only || others.length > 0) throw compoundRequired();
    return { code: only.code, name: only.name };
  }

  private findCompound(tree: CommunityTree, code: string): { code: string; name: string } {
    const compound = tree.compounds.find((c) => c.code === code);
    if (!compound) throw unknownCompound(code);
    return { code: compound.code, name: compound.name };
  }

  private checkStopping(): void {
    if (this.stopping.signal.aborted) throw new ImportInterrupted('the server is stopping');
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

/** A stored member as the planner compares them: phone as its hash, a missing relation as family. */
function existingMember(m: RosterMember): ExistingMember {
  return {
    id: m.id,
    householdId: m.householdId,
    name: m.name,
    phone: m.phoneHash,
    relation: m.relation ?? 'family',
    area: m.relation === 'owner' ? m.floorArea : null,
    note: m.note,
  };
}

/** The calendar date in China, where the communities are, for file names: `2026-03-05`. */
function localDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}
