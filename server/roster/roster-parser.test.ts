import { describe, expect, it } from 'vitest';
import { parseRoster } from './roster-parser.js';
import {
  EN_HEADER,
  ZH_TW_HEADER,
  generatedRows,
  residentRow,
  rosterBuffer,
  workbookBuffer,
  type WriterKind,
} from './roster.factories.js';

describe('parseRoster', () => {
  describe.each<WriterKind>(['book', 'stream'])('a zh-CN sheet (%s writer)', (writer) => {
    it('normalises every row', async () => {
      const buffer = await rosterBuffer(
        [
          residentRow(),
          residentRow({ name: '李娜', phone: null, relation: '家庭成员', area: null, note: '行动不便' }),
          residentRow({
            building: 12,
            unit: 1,
            room: 1102,
            name: '王芳',
            phone: 13912345678,
            relation: '租户',
          }),
        ],
        undefined,
        writer,
      );
      const result = await parseRoster(buffer);
      expect(result).toEqual({
        rows: [
          {
            rowNumber: 2,
            address: '3-2-501',
            building: '3',
            unit: '2',
            room: '501',
            name: '张伟',
            phone: '13800138000',
            relation: 'owner',
            area: 89.5,
            note: null,
          },
          {
            rowNumber: 3,
            address: '3-2-501',
            building: '3',
            unit: '2',
            room: '501',
            name: '李娜',
            phone: null,
            relation: 'family',
            area: null,
            note: '行动不便',
          },
          {
            rowNumber: 4,
            address: '12-1-1102',
            building: '12',
            unit: '1',
            room: '1102',
            name: '王芳',
            phone: '13912345678',
            relation: 'tenant',
            area: 89.5,
            note: null,
          },
        ],
        errors: [],
        totalRows: 3,
        fileError: null,
      });
    });
  });

  it('accepts address and header aliases, in any column order, ignoring other columns', async () => {
    const buffer = await workbookBuffer([
      {
        rows: [
          ['序号', '姓名', '身份证号', '楼号', '单元号', '门牌号', '人员类别', '联系电话'],
          [1, '张伟', '330102199001011234', '3号楼', '2', '501', '产权人', '138-0013-8000'],
          [2, '李娜', '330102199202021234', '3幢', '2单元', '0501', '家属', ''],
          [3, '赵强', '', 'A座', 2, '502室', '租客', '+86 139 1234 5678'],
        ],
      },
    ]);
    const { rows, errors } = await parseRoster(buffer);
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.address, r.name, r.relation, r.phone])).toEqual([
      ['3-2-501', '张伟', 'owner', '13800138000'],
      ['3-2-501', '李娜', 'family', null],
      ['A-2-502', '赵强', 'tenant', '13912345678'],
    ]);
    expect(JSON.stringify(rows)).not.toContain('330102');
    expect(rows[0]).toMatchObject({ area: null, note: null });
  });

  it('reads traditional Chinese headers and values', async () => {
    const buffer = await rosterBuffer(
      [['3棟', '2單元', '501室', '陳美玲', '13800138000', '業主', '89.5平方米', '備註']],
      ZH_TW_HEADER,
    );
    const { rows, errors } = await parseRoster(buffer);
    expect(errors).toEqual([]);
    expect(rows[0]).toMatchObject({
      address: '3-2-501',
      name: '陳美玲',
      relation: 'owner',
      area: 89.5,
      note: '備註',
    });
  });

  it('reads English headers and values', async () => {
    const buffer = await rosterBuffer(
      [['Building 3', 'Unit 2', 'Room 501', 'Li Wei', '138 0013 8000', 'Tenant', '75 sqm', 'night shift']],
      EN_HEADER,
    );
    const { rows, errors } = await parseRoster(buffer);
    expect(errors).toEqual([]);
    expect(rows[0]).toMatchObject({ address: '3-2-501', name: 'Li Wei', relation: 'tenant', area: 75 });
  });

  it('finds the header below a title row and reports sheet row numbers', async () => {
    const buffer = await workbookBuffer([
      {
        rows: [
          ['幸福社区住户花名册（2024年）'],
          [],
          ['楼栋', '单元', '房号', '姓名', '身份'],
          ['3', '2', '501', '张伟', '业主'],
          ['3', '2', '', '李娜', '家庭成员'],
        ],
      },
    ]);
    const { rows, errors } = await parseRoster(buffer);
    expect(rows.map((r) => r.rowNumber)).toEqual([4]);
    expect(errors).toEqual([{ rowNumber: 5, field: 'room', code: 'missing', value: null }]);
  });

  it('reads the first sheet that has a roster header and ignores the rest', async () => {
    const buffer = await workbookBuffer([
      { name: '填表说明', rows: [['请按模板填写'], ['身份只能填 业主、租户 或 家庭成员']] },
      {
        name: '花名册',
        rows: [
          ['楼栋', '单元', '房号', '姓名', '身份'],
          ['3', '2', '501', '张伟', '业主'],
        ],
      },
      {
        name: '花名册(旧)',
        rows: [
          ['楼栋', '单元', '房号', '姓名', '身份'],
          ['9', '9', '909', '旧人', '业主'],
        ],
      },
    ]);
    const { rows } = await parseRoster(buffer);
    expect(rows.map((r) => r.address)).toEqual(['3-2-501']);
  });

  it('flattens rich text, formulas and links', async () => {
    const buffer = await rosterBuffer([
      residentRow({
        name: { richText: [{ text: '张', font: { bold: true } }, { text: '伟' }] },
        room: { formula: '500+1', result: 501 },
        note: { text: '见链接', hyperlink: 'https://example.org' },
      }),
    ]);
    const { rows } = await parseRoster(buffer);
    expect(rows[0]).toMatchObject({ name: '张伟', room: '501', note: '见链接' });
  });

  it('reports each bad row with its codes and keeps none of it', async () => {
    const buffer = await rosterBuffer([
      residentRow({ name: '正常' }),
      residentRow({ name: null }),
      residentRow({ name: '电话错', phone: '1380013800' }),
      residentRow({ name: '地址错', building: '三栋' }),
      residentRow({ name: '身份错', relation: '房东' }),
      residentRow({ name: '面积错', area: '很大' }),
      residentRow({ name: '零面积业主', area: 0 }),
      residentRow({ name: '太长', note: '长'.repeat(600) }),
      residentRow({ name: '两处错', unit: '二单元', phone: '12345' }),
    ]);
    const { rows, errors, totalRows } = await parseRoster(buffer);
    expect(totalRows).toBe(9);
    expect(rows.map((r) => r.name)).toEqual(['正常']);
    expect(errors.map((e) => [e.rowNumber, e.field, e.code, e.value])).toEqual([
      [3, 'name', 'missing', null],
      [4, 'phone', 'badPhone', '138****3800'],
      [5, 'building', 'badAddress', '三栋'],
      [6, 'relation', 'badRelation', '房东'],
      [7, 'area', 'badArea', '很大'],
      [8, 'area', 'badArea', '0'],
      [9, 'note', 'tooLong', `${'长'.repeat(100)}…`],
      [10, 'unit', 'badAddress', '二单元'],
      [10, 'phone', 'badPhone', '****'],
    ]);
  });

  it('keeps the first of two rows with the same address and name and reports the second', async () => {
    const buffer = await rosterBuffer([
      residentRow({ name: '张伟', phone: '13800138000' }),
      residentRow({ name: '李娜', relation: '家庭成员' }),
      residentRow({ building: '3号楼', unit: 2, room: 501, name: ' 张伟 ', phone: '13900000000' }),
      residentRow({ building: '4', name: '张伟' }),
    ]);
    const { rows, errors } = await parseRoster(buffer);
    expect(rows.map((r) => [r.rowNumber, r.address, r.name, r.phone])).toEqual([
      [2, '3-2-501', '张伟', '13800138000'],
      [3, '3-2-501', '李娜', '13800138000'],
      [5, '4-2-501', '张伟', '13800138000'],
    ]);
    expect(errors).toEqual([
      { rowNumber: 4, field: null, code: 'duplicateRow', value: '3-2-501 张伟', duplicateOf: 2 },
    ]);
  });

  it('skips blank rows without counting them', async () => {
    const buffer = await rosterBuffer([residentRow(), [], [null, '', ' '], residentRow({ name: '李娜' })]);
    const { rows, errors, totalRows } = await parseRoster(buffer);
    expect(rows.map((r) => r.rowNumber)).toEqual([2, 5]);
    expect(errors).toEqual([]);
    expect(totalRows).toBe(2);
  });

  describe('refuses the whole file', () => {
    it('when it is not an xlsx workbook', async () => {
      const csv = Buffer.from('楼栋,单元,房号,姓名,身份\n3,2,501,张伟,业主\n');
      const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
      const valid = await rosterBuffer([residentRow()]);
      const truncated = valid.subarray(0, Math.floor(valid.length / 2));
      for (const buffer of [csv, xls, Buffer.alloc(0), truncated]) {
        expect(await parseRoster(buffer)).toEqual({
          rows: [],
          errors: [],
          totalRows: 0,
          fileError: { code: 'notXlsx' },
        });
      }
    });

    it('when it holds no rows, or only a header', async () => {
      const blank = await workbookBuffer([{ rows: [] }]);
      const headerOnly = await rosterBuffer([]);
      const blankRowsOnly = await rosterBuffer([[], [null, '']]);
      for (const buffer of [blank, headerOnly, blankRowsOnly]) {
        expect((await parseRoster(buffer)).fileError).toEqual({ code: 'empty' });
      }
    });

    it('when required columns are missing, naming them', async () => {
      const buffer = await workbookBuffer([
        {
          rows: [
            ['楼栋', '房号', '姓名', '手机号'],
            ['3', '501', '张伟', '13800138000'],
          ],
        },
      ]);
      expect(await parseRoster(buffer)).toEqual({
        rows: [],
        errors: [],
        totalRows: 0,
        fileError: { code: 'missingHeaders', missing: ['unit', 'relation'] },
      });
    });

    it('when it has more rows than allowed, without reading to the end', async () => {
      const buffer = await rosterBuffer(generatedRows(50));
      const result = await parseRoster(buffer, { maxRows: 20 });
      expect(result).toEqual({
        rows: [],
        errors: [],
        totalRows: 21,
        fileError: { code: 'tooManyRows', maxRows: 20 },
      });
      expect((await parseRoster(buffer, { maxRows: 50 })).fileError).toBeNull();
    });
  });

  describe('progress', () => {
    it('reports at most every 200 rows, with the declared total, ending at 100%', async () => {
      const calls: [number, number | null][] = [];
      const buffer = await rosterBuffer(generatedRows(1000));
      const { rows } = await parseRoster(buffer, {
        onProgress: (done, total) => void calls.push([done, total]),
      });
      expect(rows).toHaveLength(1000);
      expect(calls).toEqual([
        [0, 1000],
        [200, 1000],
        [400, 1000],
        [600, 1000],
        [800, 1000],
        [1000, 1000],
      ]);
    });

    it('gives a null total when the file declares no size, then the real one at the end', async () => {
      const calls: [number, number | null][] = [];
      const buffer = await rosterBuffer(generatedRows(450), undefined, 'stream');
      await parseRoster(buffer, { onProgress: (done, total) => void calls.push([done, total]) });
      expect(calls).toEqual([
        [0, null],
        [200, null],
        [400, null],
        [450, 450],
      ]);
    });

    it('awaits the callback and lets its failure through', async () => {
      const buffer = await rosterBuffer(generatedRows(10));
      const failing = parseRoster(buffer, {
        onProgress: async () => {
          await Promise.resolve();
          throw new Error('progress store is down');
        },
      });
      await expect(failing).rejects.toThrow('progress store is down');
    });
  });

  it('parses 20,000 rows in a few seconds', { timeout: 30_000 }, async () => {
    const buffer = await rosterBuffer(generatedRows(20_000));
    let calls = 0;
    const started = performance.now();
    const result = await parseRoster(buffer, { onProgress: () => void (calls += 1) });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`roster parse: 20,000 rows (${buffer.length} bytes) in ${seconds.toFixed(2)} s\n`);
    expect(result.fileError).toBeNull();
    expect(result.rows).toHaveLength(20_000);
    expect(calls).toBe(101);
    expect(seconds).toBeLessThan(20);
  });
});
