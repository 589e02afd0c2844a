import type { Language } from '../../shared/i18n/index.js';
import { AppError } from '../errors.js';
import { describeFileError, type FileErrorCode, type RosterFileError } from '../roster/roster-format.js';

/** Errors of roster import and export, translated from the `rosterImport` section. */

const FILE_ERROR_CODES: Record<FileErrorCode, string> = {
  notXlsx: 'not_xlsx',
  empty: 'empty_roster',
  missingHeaders: 'missing_headers',
  tooManyRows: 'too_many_rows',
};

/** The upload as a whole was refused; the reason names the missing columns or the limit. */
export const rosterFileRejected = (error: RosterFileError, language: Language) =>
  new AppError(400, FILE_ERROR_CODES[error.code], 'rosterImport.fileRejected', {
    reason: describeFileError(error, language),
  });

export const compoundRequired = () =>
  new AppError(400, 'compound_required', 'rosterImport.errors.compoundRequired');

export const unknownCompound = (compound: string) =>
  new AppError(400, 'unknown_compound', 'rosterImport.errors.unknownCompound', { compound });

export const importJobNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'rosterImport.what.job' }, ['what']);

export const errorReportNotReady = () =>
  new AppError(409, 'error_report_not_ready', 'rosterImport.errors.notReady');

export const importQueueFull = () => new AppError(503, 'import_queue_full', 'rosterImport.errors.busy');

export const uploadTooLarge = (maxBytes: number) =>
  new AppError(413, 'payload_too_large', 'rosterImport.errors.tooLarge', {
    max: Math.floor(maxBytes / (1024 * 1024)),
  });

export const notAnXlsxUpload = () =>
  new AppError(415, 'unsupported_media_type', 'rosterImport.errors.contentType');
