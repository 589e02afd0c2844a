/** Test factories: roster workbooks built in memory, so no binary fixtures are committed. */
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';

export type CellInput = string | number | null | ExcelJS.CellValue;
export type SheetRows = CellInput[][];

export const ZH_CN_HEADER = ['楼栋', '单元', '房号', '姓名', '手机号', '身份', '建筑面积(㎡)', '备注'];
export const ZH_TW_HEADER = ['樓棟', '單元', '房號', '姓名', '手機號', '身分', '建築面積(㎡)', '備註'];
export const EN_HEADER = [
  'Building',
  'Unit',
  'Room',
  'Name',
  'Mobile',
  'Relation',
  'Floor area (m²)',
  'Note',
];

export interface SheetSpec {
  name?: string;
  rows: SheetRows;
}

/**
 * `book` is exceljs's in-memory writer (shared strings before sheets, `<dimension>` declared);
 * `stream` is its streaming writer, which, like Excel itself, stores shared strings after the sheets
 * and declares no dimension, so the reader takes its other path.
 */
export type WriterKind = 'book' | 'stream';

export async function workbookBuffer(
  sheets: readonly SheetSpec[],
  writer: WriterKind = 'book',
): Promise<Buffer> {
  if (writer === 'book') {
    const workbook = new ExcelJS.Workbook();
    sheets.forEach((sheet, index) => {
      const worksheet = workbook.addWorksheet(sheet.name ?? `Sheet${index + 1}`);
      for (const row of sheet.rows) worksheet.addRow(row);
    });
    return Buffer.from(await workbook.xlsx.writeBuffer());
  }
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useSharedStrings: true });
  sheets.forEach((sheet, index) => {
    const worksheet = workbook.addWorksheet(sheet.name ?? `Sheet${index + 1}`);
    for (const row of sheet.rows) worksheet.addRow(row).commit();
    worksheet.commit();
  });
  await workbook.commit();
  return Buffer.concat(chunks);
}

/** One roster sheet: the header, then the rows. */
export function rosterBuffer(rows: SheetRows, header: CellInput[] = ZH_CN_HEADER, writer?: WriterKind) {
  return workbookBuffer([{ rows: [header, ...rows] }], writer);
}

export interface ResidentCells {
  building?: CellInput;
  unit?: CellInput;
  room?: CellInput;
  name?: CellInput;
  phone?: CellInput;
  relation?: CellInput;
  area?: CellInput;
  note?: CellInput;
}

/** A valid zh-CN row in {@link ZH_CN_HEADER} order, with any cell overridden. */
export function residentRow(cells: ResidentCells = {}): CellInput[] {
  const row = {
    building: '3栋',
    unit: '2单元',
    room: '501室',
    name: '张伟',
    phone: '138 0013 8000',
    relation: '业主',
    area: 89.5,
    note: null,
    ...cells,
  };
  return [row.building, row.unit, row.room, row.name, row.phone, row.relation, row.area, row.note];
}

/** `count` valid, distinct rows spread over buildings, units and floors like a real compound. */
export function generatedRows(count: number): CellInput[][] {
  const surnames = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
  const relations = ['业主', '家庭成员', '租户', '家庭成员'];
  return Array.from({ length: count }, (_, i) => {
    const household = Math.floor(i / 3);
    const building = (household % 40) + 1;
    const unit = (Math.floor(household / 40) % 4) + 1;
    const room = 101 + Math.floor(household / 160) * 100 + (household % 2);
    const relation = relations[i % 3 === 0 ? 0 : (i % 3) + 1] ?? '家庭成员';
    return residentRow({
      building: i % 2 === 0 ? building : `${building}号楼`,
      unit: i % 5 === 0 ? `${unit}单元` : unit,
      room: i % 7 === 0 ? `${room}室` : room,
      name: `${surnames[i % surnames.length] ?? '王'}${i}`,
      phone: i % 4 === 0 ? null : `139${String(i).padStart(8, '0')}`,
      relation,
      area: relation === '业主' ? 60 + (i % 90) + 0.5 : null,
      note: i % 10 === 0 ? '独居老人' : null,
    });
  });
}

/** Every cell value of every sheet, as text: for asserting what an exported file shows. */
export async function allCellTexts(buffer: Buffer): Promise<string[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(buffer).buffer);
  const texts: string[] = [];
  workbook.eachSheet((sheet) =>
    sheet.eachRow((row) =>
      row.eachCell((cell) => {
        texts.push(cell.text);
      }),
    ),
  );
  return texts;
}

export async function loadWorkbook(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(buffer).buffer);
  return workbook;
}
