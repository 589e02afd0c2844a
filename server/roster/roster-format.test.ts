import { describe, expect, it } from 'vitest';
import { LANGUAGES, resources } from '../../shared/i18n/index.js';
import {
  FILE_ERROR_CODES,
  ROSTER_FIELDS,
  ROW_ERROR_CODES,
  describeFileError,
  describeRowError,
  headerLabel,
  maskPhone,
  matchHeader,
  normalizeAddressPart,
  normalizeRosterRow,
  parseAddress,
  parseArea,
  parsePhone,
  parseRelation,
  relationLabel,
  type RawRosterCells,
} from './roster-format.js';

function cells(overrides: RawRosterCells = {}): RawRosterCells {
  return {
    building: '3栋',
    unit: '2单元',
    room: '501室',
    name: '张伟',
    phone: '13800138000',
    relation: '业主',
    area: 89.5,
    note: null,
    ...overrides,
  };
}

describe('matchHeader', () => {
  it.each([
    ['楼栋', 'building'],
    ['3号楼', null],
    ['楼号', 'building'],
    ['单元', 'unit'],
    ['房号', 'room'],
    ['门牌号', 'room'],
    ['姓名', 'name'],
    ['手机号', 'phone'],
    ['联系电话', 'phone'],
    ['身份', 'relation'],
    ['建筑面积(㎡)', 'area'],
    ['建筑面积（平方米）', 'area'],
    ['备注', 'note'],
  ])('zh-CN %s → %s', (header, field) => {
    expect(matchHeader(header)).toBe(field);
  });

  it.each([
    ['樓棟', 'building'],
    ['單元', 'unit'],
    ['房號', 'room'],
    ['手機號', 'phone'],
    ['身分', 'relation'],
    ['建築面積(㎡)', 'area'],
    ['備註', 'note'],
  ])('zh-TW %s → %s', (header, field) => {
    expect(matchHeader(header)).toBe(field);
  });

  it.each([
    ['Building', 'building'],
    ['unit', 'unit'],
    ['Room no.', 'room'],
    ['Name', 'name'],
    ['Mobile phone', 'phone'],
    ['Relation', 'relation'],
    ['FLOOR AREA (m²)', 'area'],
    ['Remarks', 'note'],
  ])('en %s → %s', (header, field) => {
    expect(matchHeader(header)).toBe(field);
  });

  it('ignores spaces, full-width characters, required markers and bracketed units', () => {
    expect(matchHeader(' 姓 名 ')).toBe('name');
    expect(matchHeader('*姓名')).toBe('name');
    expect(matchHeader('手机号（选填）')).toBe('phone');
    expect(matchHeader('建筑面积（㎡）')).toBe('area');
    expect(matchHeader('Ｎａｍｅ')).toBe('name');
    expect(matchHeader('姓名\u3000')).toBe('name');
  });

  it('leaves columns we do not import unmatched', () => {
    expect(matchHeader('身份证号')).toBeNull();
    expect(matchHeader('民族')).toBeNull();
    expect(matchHeader('')).toBeNull();
  });

  it('maps every locale header back to its own field', () => {
    for (const language of LANGUAGES) {
      for (const field of ROSTER_FIELDS) expect(matchHeader(headerLabel(field, language))).toBe(field);
    }
  });
});

describe('normalizeAddressPart', () => {
  it.each([
    ['building', '3', '3'],
    ['building', 3, '3'],
    ['building', '3栋', '3'],
    ['building', '3号楼', '3'],
    ['building', '3幢', '3'],
    ['building', '3棟', '3'],
    ['building', '３ 栋', '3'],
    ['building', '03', '3'],
    ['building', 'a座', 'A'],
    ['building', 'Bldg. 12', '12'],
    ['unit', '2', '2'],
    ['unit', '2单元', '2'],
    ['unit', '2單元', '2'],
    ['unit', 'Unit 2', '2'],
    ['room', '501', '501'],
    ['room', 501, '501'],
    ['room', '501室', '501'],
    ['room', '0501', '501'],
    ['room', 'Room 501', '501'],
  ] as const)('%s %j → %s', (part, value, expected) => {
    expect(normalizeAddressPart(part, value)).toBe(expected);
  });

  it.each([
    ['building', '三栋'],
    ['building', '3栋2'],
    ['building', '3-2'],
    ['room', '501.5'],
    ['room', 501.5],
    ['room', '#'],
    ['unit', ''],
  ] as const)('%s %j is not an address part', (part, value) => {
    expect(normalizeAddressPart(part, value)).toBeNull();
  });
});

describe('parseAddress', () => {
  it('reads what residents type after #绑定', () => {
    expect(parseAddress('3-2-501')).toEqual({ building: '3', unit: '2', room: '501' });
    expect(parseAddress('3栋 - 2单元 - 501室')).toEqual({ building: '3', unit: '2', room: '501' });
    expect(parseAddress('３－２－５０１')).toEqual({ building: '3', unit: '2', room: '501' });
  });

  it('refuses anything else', () => {
    expect(parseAddress('3-2')).toBeNull();
    expect(parseAddress('3-2-501-1')).toBeNull();
    expect(parseAddress('三-2-501')).toBeNull();
  });
});

describe('parsePhone', () => {
  it.each([
    ['13800138000'],
    ['138 0013 8000'],
    ['138-0013-8000'],
    ['+86 138 0013 8000'],
    ['１３８００１３８０００'],
    [13800138000],
  ])('%j is 13800138000', (value) => {
    expect(parsePhone(value)).toEqual({ kind: 'valid', phone: '13800138000' });
  });

  it('recognises masked numbers from our own export', () => {
    expect(parsePhone('138****8000')).toEqual({ kind: 'masked' });
  });

  it.each([['12345678901'], ['1380013800'], ['138001380001'], ['23800138000'], ['0571-88886666'], ['无']])(
    '%j is not a mainland mobile',
    (value) => {
      expect(parsePhone(value)).toEqual({ kind: 'invalid' });
    },
  );

  it('treats an empty cell as no phone', () => {
    expect(parsePhone('  ')).toEqual({ kind: 'empty' });
  });
});

describe('maskPhone', () => {
  it.each([
    ['13800138000', '138****8000'],
    ['+86 138-0013-8000', '138****8000'],
    ['138****8000', '138****8000'],
    ['0571-88886666', '057****6666'],
    ['12345', '****'],
    ['', ''],
    [null, ''],
  ])('%j → %j', (value, masked) => {
    expect(maskPhone(value)).toBe(masked);
  });
});

describe('parseRelation', () => {
  it.each([
    ['业主', 'owner'],
    ['業主', 'owner'],
    ['产权人', 'owner'],
    ['Owner', 'owner'],
    ['租户', 'tenant'],
    ['租戶', 'tenant'],
    ['tenant', 'tenant'],
    ['家庭成员', 'family'],
    ['家屬', 'family'],
    ['Family member', 'family'],
    [' 家属 ', 'family'],
  ])('%s → %s', (word, relation) => {
    expect(parseRelation(word)).toBe(relation);
  });

  it('refuses words it does not know', () => {
    expect(parseRelation('房东')).toBeNull();
  });

  it('writes the first word of each language', () => {
    expect(relationLabel('owner', 'zh-CN')).toBe('业主');
    expect(relationLabel('family', 'zh-TW')).toBe('家庭成員');
    expect(relationLabel('tenant', 'en')).toBe('Tenant');
  });
});

describe('parseArea', () => {
  it.each([
    [89.5, 89.5],
    ['89.5', 89.5],
    ['89.5㎡', 89.5],
    ['89.5 平方米', 89.5],
    ['120m²', 120],
    ['100 sqm', 100],
    [88.456, 88.46],
    [0, 0],
  ])('%j → %d', (value, area) => {
    expect(parseArea(value)).toEqual({ kind: 'valid', area });
  });

  it.each([[-1], ['-1'], ['八十'], ['1e3'], [10_001], ['89.5亩']])('%j is not an area', (value) => {
    expect(parseArea(value)).toEqual({ kind: 'invalid' });
  });
});

describe('normalizeRosterRow', () => {
  it('normalises a valid row', () => {
    expect(normalizeRosterRow(2, cells({ name: ' 张  伟 ', note: '  独居 老人 ' }))).toEqual({
      ok: true,
      row: {
        rowNumber: 2,
        address: '3-2-501',
        building: '3',
        unit: '2',
        room: '501',
        name: '张 伟',
        phone: '13800138000',
        relation: 'owner',
        area: 89.5,
        note: '独居 老人',
      },
    });
  });

  it('leaves optional cells null, and a masked phone null', () => {
    const result = normalizeRosterRow(3, cells({ phone: '138****8000', area: null, note: '' }));
    expect(result.ok && result.row).toMatchObject({ phone: null, area: null, note: null });
  });

  it.each(['building', 'unit', 'room', 'name', 'relation'] as const)('reports a missing %s', (field) => {
    expect(normalizeRosterRow(4, cells({ [field]: ' ' }))).toEqual({
      ok: false,
      errors: [{ rowNumber: 4, field, code: 'missing', value: null }],
    });
  });

  it.each([
    ['building', { building: '三栋' }, 'badAddress', '三栋'],
    ['room', { room: '501-1' }, 'badAddress', '501-1'],
    ['phone', { phone: '1380013800' }, 'badPhone', '138****3800'],
    ['relation', { relation: '房东' }, 'badRelation', '房东'],
    ['area', { area: '八十平' }, 'badArea', '八十平'],
    ['area', { area: -3 }, 'badArea', '-3'],
    ['area', { area: 0 }, 'badArea', '0'],
    ['name', { name: '名'.repeat(65) }, 'tooLong', '名'.repeat(65)],
    ['note', { note: '注'.repeat(501) }, 'tooLong', `${'注'.repeat(100)}…`],
  ] as const)('reports %s %j as %s', (field, overrides, code, value) => {
    expect(normalizeRosterRow(5, cells(overrides))).toEqual({
      ok: false,
      errors: [{ rowNumber: 5, field, code, value }],
    });
  });

  it('accepts 0 ㎡ for members who are not owners', () => {
    const result = normalizeRosterRow(6, cells({ relation: '租户', area: 0 }));
    expect(result.ok && result.row.area).toBe(0);
  });

  it('reports every problem of a row at once and keeps nothing of it', () => {
    const result = normalizeRosterRow(7, cells({ unit: '', phone: '123', relation: '?' }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => [e.field, e.code])).toEqual([
      ['unit', 'missing'],
      ['relation', 'badRelation'],
      ['phone', 'badPhone'],
    ]);
  });
});

describe('translations', () => {
  it('every language explains every error code', () => {
    for (const language of LANGUAGES) {
      expect(Object.keys(resources[language].roster.errors).sort()).toEqual([...ROW_ERROR_CODES].sort());
      expect(Object.keys(resources[language].roster.fileErrors).sort()).toEqual([...FILE_ERROR_CODES].sort());
    }
  });

  it('fills in the row, the limit and the missing columns', () => {
    const duplicate = {
      rowNumber: 9,
      field: null,
      code: 'duplicateRow',
      value: '3-2-501 张伟',
      duplicateOf: 4,
    } as const;
    expect(describeRowError(duplicate, 'zh-CN')).toContain('第 4 行');
    expect(describeRowError(duplicate, 'en')).toContain('row 4');
    expect(
      describeRowError({ rowNumber: 2, field: 'area', code: 'badArea', value: '-1' }, 'zh-TW'),
    ).toContain('10000');
    expect(describeRowError({ rowNumber: 2, field: 'name', code: 'tooLong', value: 'x' }, 'en')).toContain(
      '64',
    );
    expect(describeFileError({ code: 'missingHeaders', missing: ['unit', 'relation'] }, 'zh-CN')).toBe(
      '缺少必填列：单元和身份',
    );
    expect(describeFileError({ code: 'missingHeaders', missing: ['unit', 'relation'] }, 'en')).toBe(
      'Missing required columns: Unit and Relation',
    );
    expect(describeFileError({ code: 'tooManyRows', maxRows: 20_000 }, 'zh-CN')).toContain('20000');
  });
});
