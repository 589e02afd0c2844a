import { describe, expect, it } from 'vitest';
import type { RosterRow, RowError } from './roster-format.js';
import { parseRoster } from './roster-parser.js';
import { writeErrorReport, writeRoster, type RosterExportRow } from './roster-writer.js';
import { allCellTexts, generatedRows, loadWorkbook, rosterBuffer } from './roster.factories.js';

function exportRow(overrides: Partial<RosterExportRow> = {}): RosterExportRow {
  return {
    building: '3',
    unit: '2',
    room: '501',
    name: '张伟',
    phone: '138****8000',
    relation: 'owner',
    area: 89.5,
    note: null,
    ...overrides,
  };
}

const FULL_MOBILE = /1[3-9]\d{9}/;

describe('writeRoster', () => {
  it.each([
    [
      'zh-CN',
      '住户花名册',
      ['楼栋', '单元', '房号', '姓名', '手机号', '身份', '建筑面积(㎡)', '备注'],
      '业主',
    ],
    ['zh-TW', '住戶名冊', ['樓棟', '單元', '房號', '姓名', '手機號', '身分', '建築面積(㎡)', '備註'], '業主'],
    [
      'en',
      'Roster',
      ['Building', 'Unit', 'Room', 'Name', 'Mobile', 'Relation', 'Floor area (m²)', 'Note'],
      'Owner',
    ],
  ] as const)('writes %s headers and values', async (language, sheetName, headers, owner) => {
    const workbook = await loadWorkbook(await writeRoster([exportRow()], { language }));
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([sheetName]);
    const sheet = workbook.worksheets[0];
    expect(sheet?.getRow(1).values).toEqual([undefined, ...headers]);
    expect(sheet?.getRow(2).values).toEqual([undefined, '3', '2', '501', '张伟', '138****8000', owner, 89.5]);
  });

  it('freezes the header row, filters it, and sizes the columns', async () => {
    const workbook = await loadWorkbook(await writeRoster([exportRow()], { language: 'en' }));
    const sheet = workbook.worksheets[0];
    expect(sheet?.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet?.autoFilter).toBe('A1:H1');
    expect(sheet?.getRow(1).font).toBeUndefined();
    expect(sheet?.getCell('A1').font?.bold).toBe(true);
    const widths = sheet?.columns.map((column) => column.width) ?? [];
    expect(widths).toHaveLength(8);
    expect(widths.every((width) => typeof width === 'number' && width >= 8)).toBe(true);
    expect(widths[7]).toBeGreaterThan(widths[0] ?? 0);
    // The header "Floor area (m²)" is 15 characters; its column must show it whole.
    expect(widths[6]).toBeGreaterThanOrEqual(15);
  });

  it('shows only masked phones, whatever it is handed', async () => {
    const buffer = await writeRoster(
      [
        exportRow({ phone: '13800138000' }),
        exportRow({ name: '李娜', phone: '+86 139-1234-5678' }),
        exportRow({ name: '王芳', phone: '0571-88886666' }),
        exportRow({ name: '赵强', phone: null }),
      ],
      { language: 'zh-CN' },
    );
    const texts = await allCellTexts(buffer);
    expect(texts.filter((text) => FULL_MOBILE.test(text.replace(/\D/g, '')))).toEqual([]);
    const sheet = (await loadWorkbook(buffer)).worksheets[0];
    expect([2, 3, 4, 5].map((row) => sheet?.getCell(row, 5).text)).toEqual([
      '138****8000',
      '139****5678',
      '057****6666',
      '',
    ]);
  });

  it('adds the import errors as a second sheet when there are any', async () => {
    const errors: RowError[] = [{ rowNumber: 7, field: 'relation', code: 'badRelation', value: '房东' }];
    const withErrors = await loadWorkbook(await writeRoster([exportRow()], { language: 'zh-CN', errors }));
    expect(withErrors.worksheets.map((sheet) => sheet.name)).toEqual(['住户花名册', '导入错误']);
    const without = await loadWorkbook(await writeRoster([exportRow()], { language: 'zh-CN', errors: [] }));
    expect(without.worksheets).toHaveLength(1);
  });

  describe('round trip', () => {
    it('reads back what it wrote, except phones, which leave masked and come back empty', async () => {
      const parsed = await parseRoster(await rosterBuffer(generatedRows(300)));
      expect(parsed.errors).toEqual([]);
      for (const language of ['zh-CN', 'zh-TW', 'en'] as const) {
        const again = await parseRoster(await writeRoster(parsed.rows, { language }));
        expect(again.errors).toEqual([]);
        expect(again.rows).toEqual(parsed.rows.map((row): RosterRow => ({ ...row, phone: null })));
      }
    });

    it('reads back exactly when there are no phones', async () => {
      const rows: RosterRow[] = [
        {
          rowNumber: 2,
          address: '10-1-0',
          building: '10',
          unit: '1',
          room: '0',
          name: 'Li Wei',
          phone: null,
          relation: 'tenant',
          area: 0,
          note: '=1+1',
        },
        {
          rowNumber: 3,
          address: 'B-2-1203',
          building: 'B',
          unit: '2',
          room: '1203',
          name: '欧阳 娜娜',
          phone: null,
          relation: 'owner',
          area: 120.25,
          note: '楼道长',
        },
      ];
      const again = await parseRoster(await writeRoster(rows, { language: 'zh-CN' }));
      expect(again).toEqual({ rows, errors: [], totalRows: 2, fileError: null });
    });
  });
});

describe('writeErrorReport', () => {
  const errors: RowError[] = [
    { rowNumber: 3, field: 'name', code: 'missing', value: null },
    { rowNumber: 4, field: 'phone', code: 'badPhone', value: '1380013800' },
    { rowNumber: 9, field: null, code: 'duplicateRow', value: '3-2-501 张伟', duplicateOf: 2 },
  ];

  it.each([
    ['zh-CN', '导入错误', ['行号', '列', '填写内容', '问题'], '姓名', '与第 2 行重复'],
    ['zh-TW', '匯入錯誤', ['列號', '欄位', '填寫內容', '問題'], '姓名', '與第 2 列重複'],
    ['en', 'Import errors', ['Row', 'Column', 'Value entered', 'Problem'], 'Name', 'as row 2'],
  ] as const)('lists every error in %s', async (language, sheetName, headers, nameLabel, duplicate) => {
    const workbook = await loadWorkbook(await writeErrorReport(errors, language));
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([sheetName]);
    const sheet = workbook.worksheets[0];
    expect(sheet?.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet?.getRow(1).values).toEqual([undefined, ...headers]);
    expect(sheet?.getRow(2).values).toEqual([undefined, 3, nameLabel, undefined, expect.any(String)]);
    expect(sheet?.getCell(3, 3).text).toBe('138****3800');
    expect(sheet?.getCell(4, 4).text).toContain(duplicate);
    expect(sheet?.rowCount).toBe(4);
  });

  it('masks phone values even when handed them unmasked', async () => {
    const texts = await allCellTexts(
      await writeErrorReport(
        [{ rowNumber: 2, field: 'phone', code: 'badPhone', value: '13800138000' }],
        'en',
      ),
    );
    expect(texts).toContain('138****8000');
    expect(texts.filter((text) => FULL_MOBILE.test(text))).toEqual([]);
  });
});
