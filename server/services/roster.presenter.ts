import { translator, type Language } from '../../shared/i18n/index.js';
import type { ImportJobView } from '../../shared/schemas/roster.js';
import type { ImportJobRecord } from '../repositories/import-job.repository.js';
import { describeFileError } from '../roster/roster-format.js';

/** An import job as its progress bar and summary show it, problems explained in the viewer's language. */
export function presentImportJob(job: ImportJobRecord, language: Language): ImportJobView {
  const t = translator(language);
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    counts: job.counts,
    ...(job.fileError && {
      fileError: { code: job.fileError.code, message: describeFileError(job.fileError, language) },
    }),
    ...(job.failure && {
      failure: { code: job.failure, message: t(`rosterImport.failures.${job.failure}`) },
    }),
    errorReportReady: job.errorsRecorded,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
