/**
 * Writes the roster and the per-row import error report as .xlsx, headers in the staff member's
 * language. Phone numbers leave only masked: whatever the caller passes goes through `maskPhone`.
 * Uses exceljs's streaming writer, so a whole community's roster is not held twice in memory.
 */
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Language } from '../../shared/i18n/index.js';
import { resources } from '../../shared/i18n/index.js';
import {
  ROSTER_FIELDS,
  describeRowError,
  headerLabel,
  maskPhone,
  relationLabel,
  type RosterField,
  type RosterRow,
  type RowError,
} from './roster-format.js';

/** What one exported line needs; a parsed {@link RosterRow} fits, so does a presenter's output. */
export type RosterExportRow = Pick<
  RosterRow,
  'building' | 'unit' | 'room' | 'name' | 'phone' | 'relation' | 'area' | 'note'
>;

export interface WriteRosterOptions {
  language: Language;
  /** When given and not empty, added as a second sheet (导入错误). */
  errors?: readonly RowError[];
}

type SheetWriter = ExcelJS.Worksheet;
type WorkbookWriter = ExcelJS.stream.xlsx.WorkbookWriter;

const ROSTER_WIDTHS: Record<RosterField, number> = {
  building: 8,
  unit: 8,
  room: 10,
  name: 14,
  phone: 16,
  relation: 12,
  area: 14,
  note: 36,
};

/** Kept as text so Excel neither drops leading zeros nor turns phone numbers into 1.38E+10. */
const TEXT_FIELDS: ReadonlySet<RosterField> = new Set(['building', 'unit', 'room', 'name', 'phone', 'note']);

const HEADER_STYLE: Partial<ExcelJS.Style> = {
  font: { bold: true },
  fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEFEFEF' } },
  alignment: { vertical: 'middle' },
};

export async function writeRoster(
  rows: readonly RosterExportRow[],
  options: WriteRosterOptions,
): Promise<Buffer> {
  const { language, errors = [] } = options;
  return writeWorkbook((workbook) => {
    const sheet = addSheet(
      workbook,
      resources[language].roster.sheets.roster,
      ROSTER_FIELDS.map((field) => ({
        header: headerLabel(field, language),
        width: ROSTER_WIDTHS[field],
        numFmt: TEXT_FIELDS.has(field) ? '@' : field === 'area' ? '0.00' : undefined,
      })),
    );
    for (const row of rows) {
      sheet
        .addRow([
          row.building,
          row.unit,
          row.room,
          row.name,
          maskPhone(row.phone),
          relationLabel(row.relation, language),
          row.area,
          row.note,
        ])
        .commit();
    }
    sheet.commit();
    if (errors.length > 0) fillErrorSheet(workbook, errors, language);
  });
}

/** The per-row error report staff download after an import, on its own. */
export async function writeErrorReport(errors: readonly RowError[], language: Language): Promise<Buffer> {
  return writeWorkbook((workbook) => fillErrorSheet(workbook, errors, language));
}

function fillErrorSheet(workbook: WorkbookWriter, errors: readonly RowError[], language: Language): void {
  const labels = resources[language].roster.errorColumns;
  const sheet = addSheet(workbook, resources[language].roster.sheets.errors, [
    { header: labels.rowNumber, width: 8 },
    { header: labels.field, width: 14 },
    { header: labels.value, width: 24, numFmt: '@' },
    { header: labels.problem, width: 48 },
  ]);
  for (const error of errors) {
    const value =
      error.value === null ? null : error.field === 'phone' ? maskPhone(error.value) : error.value;
    sheet
      .addRow([
        error.rowNumber,
        error.field ? headerLabel(error.field, language) : null,
        value,
        describeRowError(error, language),
      ])
      .commit();
  }
  sheet.commit();
}

interface ColumnSpec {
  header: string;
  width: number;
  numFmt?: string | undefined;
}

function addSheet(workbook: WorkbookWriter, name: string, columns: readonly ColumnSpec[]): SheetWriter {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
  });
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  sheet.columns = columns.map((column) => ({
    width: Math.max(column.width, displayWidth(column.header) + 2),
    style: column.numFmt ? { numFmt: column.numFmt } : {},
  }));
  const header = sheet.addRow(columns.map((column) => column.header));
  header.eachCell((cell) => {
    cell.style = HEADER_STYLE;
  });
  header.commit();
  return sheet;
}

/** Column width in Excel's units: CJK characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/.test(char) ? 2 : 1;
  return width;
}

async function writeWorkbook(fill: (workbook: WorkbookWriter) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: sink,
    useStyles: true,
    useSharedStrings: true,
  });
  fill(workbook);
  await workbook.commit();
  return Buffer.concat(chunks);
}
