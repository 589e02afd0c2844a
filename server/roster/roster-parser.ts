/**
 * Reads an uploaded roster workbook with exceljs's streaming reader: one pass, rows handled as they are
 * inflated, so time is linear in the file and memory holds only the results. A file over the row limit
 * is rejected as soon as the limit is passed, without reading the rest of the sheet.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import {
  REQUIRED_FIELDS,
  ROSTER_LIMITS,
  isBlankRow,
  matchHeader,
  normalizeRosterRow,
  residentKey,
  type RawCell,
  type RawRosterCells,
  type RosterField,
  type RosterFileError,
  type RosterRow,
  type RowError,
} from './roster-format.js';

export interface ParseRosterOptions {
  /** Data rows accepted before the file is rejected with `tooManyRows`; default 20,000. */
  maxRows?: number;
  /**
   * Called with the data rows handled so far: once when the header is found (done = 0), then every
   * `progressEvery` rows, then once at the end with done = total. `total` comes from the sheet's
   * declared size (Excel, WPS and LibreOffice write it) and is null when the file does not declare one.
   * Awaited, so a slow progress store slows the import instead of piling up writes.
   */
  onProgress?: (done: number, total: number | null) => void | Promise<void>;
  /** Default 200. */
  progressEvery?: number;
}

export interface ParseRosterResult {
  /** Valid rows in sheet order; every row with an error is left out whole. */
  rows: RosterRow[];
  /** Every problem found, by row; a row may have several. */
  errors: RowError[];
  /** Non-blank data rows read (kept and rejected). */
  totalRows: number;
  /** Set when the file as a whole was refused; rows and errors are then empty. */
  fileError: RosterFileError | null;
}

type Worksheet = ExcelJS.stream.xlsx.WorksheetReader;
type Row = ExcelJS.Row;

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Wraps failures of our own code and of onProgress so that they are not mistaken for a corrupt file. */
class NotFromFileError extends Error {}

async function notFromFile<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new NotFromFileError('roster parsing failed', { cause: error });
  }
}

export async function parseRoster(
  buffer: Buffer,
  options: ParseRosterOptions = {},
): Promise<ParseRosterResult> {
  const maxRows = options.maxRows ?? ROSTER_LIMITS.maxRows;
  const progressEvery = Math.max(1, options.progressEvery ?? 200);
  const refuse = (fileError: RosterFileError, totalRows = 0): ParseRosterResult => ({
    rows: [],
    errors: [],
    totalRows,
    fileError,
  });
  if (buffer.length < ZIP_MAGIC.length || !buffer.subarray(0, ZIP_MAGIC.length).equals(ZIP_MAGIC)) {
    return refuse({ code: 'notXlsx' });
  }

  const rows: RosterRow[] = [];
  const errors: RowError[] = [];
  const firstRowOf = new Map<string, number>();
  let totalRows = 0;
  let sheets = 0;
  let sawContent = false;
  let found = false;
  let bestMissing: RosterField[] = [...REQUIRED_FIELDS];
  let tooMany = false;

  let lastReported = '';
  const report = async (done: number, declared: number | null): Promise<void> => {
    const total = declared === null ? null : Math.max(declared, done);
    if (!options.onProgress || lastReported === `${done}/${total}`) return;
    lastReported = `${done}/${total}`;
    await options.onProgress(done, total);
  };

  const readRoster = async (sheet: Worksheet, declaredLastRow: () => number | null): Promise<void> => {
    let columns: Map<number, RosterField> | null = null;
    let total: number | null = null;
    let rawRows = 0;
    const handleRow = async (row: Row): Promise<'next' | 'stop'> => {
      if (!columns) {
        if (row.hasValues) sawContent = true;
        if (row.number > ROSTER_LIMITS.headerScanRows) return 'stop';
        const candidate = headerColumns(row);
        const fields = new Set(candidate.values());
        const missing = REQUIRED_FIELDS.filter((field) => !fields.has(field));
        if (missing.length < bestMissing.length) bestMissing = missing;
        if (missing.length > 0) return 'next';
        columns = candidate;
        found = true;
        const lastRow = declaredLastRow();
        total = lastRow !== null && lastRow > row.number ? lastRow - row.number : null;
        await report(0, total);
        return 'next';
      }
      rawRows += 1;
      const cells = rowCells(row, columns);
      if (isBlankRow(cells)) {
        // Stray formatting far below the data must not make us read a million empty rows.
        tooMany = rawRows > maxRows * 2;
        return tooMany ? 'stop' : 'next';
      }
      totalRows += 1;
      if (totalRows > maxRows) {
        tooMany = true;
        return 'stop';
      }
      const result = normalizeRosterRow(row.number, cells);
      if (result.ok) {
        const key = residentKey(result.row.address, result.row.name);
        const first = firstRowOf.get(key);
        if (first === undefined) {
          firstRowOf.set(key, row.number);
          rows.push(result.row);
        } else {
          errors.push({
            rowNumber: row.number,
            field: null,
            code: 'duplicateRow',
            value: `${result.row.address} ${result.row.name}`,
            duplicateOf: first,
          });
        }
      } else {
        errors.push(...result.errors);
      }
      if (totalRows % progressEvery === 0) await report(totalRows, total);
      return 'next';
    };
    for await (const row of sheet) {
      if ((await notFromFile(() => handleRow(row))) === 'stop') break;
    }
  };

  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buffer]), {
      worksheets: 'emit',
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'ignore',
      entries: 'ignore',
    });
    // Every sheet is iterated, even after the roster is read: exceljs removes its temporary copy of a
    // sheet only when the reader moves past it.
    for await (const sheet of reader) {
      sheets += 1;
      const declaredLastRow = watchDimension(sheet);
      if (found || tooMany) await release(sheet);
      else await readRoster(sheet, declaredLastRow);
    }
  } catch (error) {
    if (error instanceof NotFromFileError) throw error.cause;
    return refuse({ code: 'notXlsx' });
  }

  if (tooMany) return refuse({ code: 'tooManyRows', maxRows }, totalRows);
  if (sheets === 0) return refuse({ code: 'notXlsx' });
  if (!found)
    return refuse(sawContent ? { code: 'missingHeaders', missing: bestMissing } : { code: 'empty' });
  if (totalRows === 0) return refuse({ code: 'empty' });
  await report(totalRows, totalRows);
  return { rows, errors, totalRows, fileError: null };
}

/** Reads up to the first row and stops, which closes the sheet's stream. */
async function release(sheet: Worksheet): Promise<void> {
  for await (const _row of sheet) break;
}

function headerColumns(row: Row): Map<number, RosterField> {
  const columns = new Map<number, RosterField>();
  const taken = new Set<RosterField>();
  row.eachCell((cell, column) => {
    const field = matchHeader(cellText(cell.value));
    // Of two columns with the same header, the first (leftmost) wins.
    if (field && !taken.has(field)) {
      taken.add(field);
      columns.set(column, field);
    }
  });
  return columns;
}

function rowCells(row: Row, columns: Map<number, RosterField>): RawRosterCells {
  const cells: RawRosterCells = {};
  for (const [column, field] of columns) cells[field] = rawCell(row.getCell(column).value);
  return cells;
}

function cellText(value: ExcelJS.CellValue): string {
  const raw = rawCell(value);
  return raw === null ? '' : String(raw);
}

/** Flattens whatever a cell holds (rich text, formula results, links) into text or a number. */
export function rawCell(value: ExcelJS.CellValue): RawCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('hyperlink' in value) return value.text;
  if ('error' in value) return value.error;
  if ('result' in value && value.result !== undefined) return rawCell(value.result);
  return null;
}

/** The worksheet reader's chunk source; exceljs does not type it. */
interface SheetSource {
  iterator?: unknown;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Buffer | string> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * The sheet XML declares its used range (`<dimension ref="A1:H20001"/>`) before the rows; this peeks
 * at the chunks as exceljs reads them to learn the last row, for progress. Returns a getter that gives
 * null until (or unless) the declaration is seen.
 */
function watchDimension(sheet: Worksheet): () => number | null {
  let lastRow: number | null = null;
  const source = sheet as unknown as SheetSource;
  const inner = source.iterator;
  if (!isAsyncIterable(inner)) return () => lastRow;
  source.iterator = (async function* () {
    let head = '';
    let looking = true;
    for await (const chunk of inner) {
      if (looking) {
        head += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
        const match = /<dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"/.exec(head);
        if (match?.[1]) lastRow = Number(match[1]);
        if (match || head.includes('<sheetData') || head.length > 64_000) {
          looking = false;
          head = '';
        }
      }
      yield chunk;
    }
  })();
  return () => lastRow;
}
