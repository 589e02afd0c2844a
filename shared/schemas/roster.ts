import { z } from 'zod';
import { objectIdSchema, scopeCodeSchema } from './community.js';

/** The content type of an .xlsx upload; `POST /api/roster/imports` takes the workbook as the raw body. */
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Largest workbook accepted; 20,000 rows of a typical roster take about 1 MB. */
export const ROSTER_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;

export const IMPORT_STATUSES = ['queued', 'parsing', 'applying', 'done', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** Why a job failed other than because of the file itself. */
export const IMPORT_FAILURES = ['interrupted', 'internal'] as const;
export type ImportFailure = (typeof IMPORT_FAILURES)[number];

/** `?compound=`: which compound the roster is for; optional when the community has only one. */
export const rosterScopeQuerySchema = z.object({ compound: scopeCodeSchema.optional() });
export type RosterScopeQuery = z.infer<typeof rosterScopeQuerySchema>;

export const importJobParamsSchema = z.object({ id: objectIdSchema });

/** `202` answer to an upload: poll `GET /api/roster/imports/:jobId`. */
export const importAcceptedSchema = z.object({ jobId: z.string() });
export type ImportAccepted = z.infer<typeof importAcceptedSchema>;

export const importCountsSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  /** Rows skipped because of errors (a row with several problems counts once). */
  errors: z.number().int(),
});
export type ImportCounts = z.infer<typeof importCountsSchema>;

const translatedProblemSchema = z.object({ code: z.string(), message: z.string() });

/** `GET /api/roster/imports/:id`: enough for a progress bar and the summary after it. */
export const importJobViewSchema = z.object({
  id: z.string(),
  status: z.enum(IMPORT_STATUSES),
  /**
   * Rows read while parsing, rows written while applying. `total` is null while parsing a file that
   * does not declare its size.
   */
  progress: z.object({ done: z.number().int(), total: z.number().int().nullable() }),
  counts: importCountsSchema,
  /** The file as a whole was refused (not a workbook, columns missing, too many rows). */
  fileError: translatedProblemSchema.optional(),
  /** The job stopped for another reason; what was written is kept and a re-run completes it. */
  failure: translatedProblemSchema.optional(),
  /** Whether `errors.xlsx` can be downloaded yet. */
  errorReportReady: z.boolean(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ImportJobView = z.infer<typeof importJobViewSchema>;
