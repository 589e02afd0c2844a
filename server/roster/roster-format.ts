/**
 * The household roster sheet (住户花名册) as community offices keep it in Excel: its columns, the
 * spellings accepted for headers and values in every language, and the rules that turn one sheet row
 * into a normalised {@link RosterRow} or a list of {@link RowError}s. Pure: no Excel, no database.
 *
 * Every Chinese or English word used here (headers, aliases, 栋/单元/室, 业主/租户/家庭成员, messages)
 * lives in the `roster` section of the locale files; import accepts the words of all languages at once.
 */
import { LANGUAGES, resources, translator, type Language } from '../../shared/i18n/index.js';

export const ROSTER_FIELDS = [
  'building',
  'unit',
  'room',
  'name',
  'phone',
  'relation',
  'area',
  'note',
] as const;
export type RosterField = (typeof ROSTER_FIELDS)[number];

/** Columns a sheet must have; phone, area and note columns may be absent. */
export const REQUIRED_FIELDS: readonly RosterField[] = ['building', 'unit', 'room', 'name', 'relation'];

export const RELATIONS = ['owner', 'tenant', 'family'] as const;
export type Relation = (typeof RELATIONS)[number];

export type AddressPart = 'building' | 'unit' | 'room';

export const ROSTER_LIMITS = {
  /** Data rows one file may hold (header and blank rows not counted). */
  maxRows: 20_000,
  /** Largest floor area accepted, in ㎡; anything bigger is a typo, not a flat. */
  maxArea: 10_000,
  maxNameLength: 64,
  maxNoteLength: 500,
  /** The header row may sit below a title row; it is looked for in this many rows from the top. */
  headerScanRows: 10,
  /** Longest value echoed back in a {@link RowError}. */
  maxEchoLength: 100,
} as const;

/** One resident at one address, normalised. */
export interface RosterRow {
  /** 1-based row number in the sheet, as Excel shows it. */
  rowNumber: number;
  /** `building-unit-room`, such as `3-2-501`; the household key. */
  address: string;
  building: string;
  unit: string;
  room: string;
  /** As written, with runs of whitespace collapsed. */
  name: string;
  /** 11 digits, or null when the cell is empty or holds a masked number from our own export. */
  phone: string | null;
  relation: Relation;
  /** ㎡ rounded to 2 decimals; null when not given. */
  area: number | null;
  note: string | null;
}

export const ROW_ERROR_CODES = [
  'missing',
  'badPhone',
  'badAddress',
  'badRelation',
  'badArea',
  'duplicateRow',
  'tooLong',
] as const;
/** Stable; translated through `roster.errors.<code>`. */
export type RowErrorCode = (typeof ROW_ERROR_CODES)[number];

export interface RowError {
  rowNumber: number;
  /** The column at fault; null for `duplicateRow`, which concerns the whole row. */
  field: RosterField | null;
  code: RowErrorCode;
  /** The cell as written (phones masked, long text cut), or null when empty. */
  value: string | null;
  /** For `duplicateRow`: the row that was kept. */
  duplicateOf?: number;
}

export const FILE_ERROR_CODES = ['notXlsx', 'empty', 'missingHeaders', 'tooManyRows'] as const;
/** Stable; translated through `roster.fileErrors.<code>`. */
export type FileErrorCode = (typeof FILE_ERROR_CODES)[number];

export interface RosterFileError {
  code: FileErrorCode;
  /** For `missingHeaders`: the required columns not found. */
  missing?: RosterField[];
  /** For `tooManyRows`: the limit that was exceeded. */
  maxRows?: number;
}

/** A cell as the parser hands it over: numbers stay numbers so that areas and room numbers survive. */
export type RawCell = string | number | null;
export type RawRosterCells = Partial<Record<RosterField, RawCell>>;

export type RowResult = { ok: true; row: RosterRow } | { ok: false; errors: RowError[] };

/** NFKC (full-width → half-width, ㎡ → m2), lower case, no whitespace: the form all matching uses. */
export function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

/** How headers compare: `* 建筑面积（㎡）`, `建筑面积` and `建 筑 面 积` are the same column. */
export function headerKey(text: string): string {
  return fold(text.normalize('NFKC').replace(/\([^)]*\)|\[[^\]]*\]|【[^】]*】/g, '')).replace(
    /[*:._#-]/g,
    '',
  );
}

let headerIndex: Map<string, RosterField> | undefined;

function buildHeaderIndex(): Map<string, RosterField> {
  const index = new Map<string, RosterField>();
  for (const language of LANGUAGES) {
    const { headers, headerAliases } = resources[language].roster;
    for (const field of ROSTER_FIELDS) {
      for (const spelling of [headers[field], ...headerAliases[field]]) {
        const key = headerKey(spelling);
        const known = index.get(key);
        if (known && known !== field) {
          throw new Error(`roster header "${spelling}" (${language}) names both ${known} and ${field}`);
        }
        index.set(key, field);
      }
    }
  }
  return index;
}

/** The field a header cell names, in any of our languages, or null for columns we ignore (身份证号…). */
export function matchHeader(text: string): RosterField | null {
  headerIndex ??= buildHeaderIndex();
  return headerIndex.get(headerKey(text)) ?? null;
}

export function headerLabel(field: RosterField, language: Language): string {
  return resources[language].roster.headers[field];
}

function foldedWords(pick: (language: Language) => readonly string[]): string[] {
  const words = new Set(LANGUAGES.flatMap((language) => pick(language).map(fold)));
  words.delete('');
  return [...words].sort((a, b) => b.length - a.length);
}

let addressWords: Record<AddressPart, string[]> | undefined;

/**
 * Canonical building, unit or room: `3号楼` → `3`, `2单元` → `2`, `0501室` → `501`, `a座` → `A`.
 * Leading zeros go so that a number cell (501) and a text cell (0501) name the same household.
 * Returns null when what is left is not 1-8 letters or digits (`3-2`, `三栋`, `3栋2`).
 */
export function normalizeAddressPart(part: AddressPart, value: string | number): string | null {
  addressWords ??= {
    building: foldedWords((l) => resources[l].roster.addressWords.building),
    unit: foldedWords((l) => resources[l].roster.addressWords.unit),
    room: foldedWords((l) => resources[l].roster.addressWords.room),
  };
  const words = addressWords[part];
  let core = fold(cellText(value));
  for (let stripped = true; stripped && core !== '';) {
    stripped = false;
    for (const word of words) {
      if (core.startsWith(word)) core = core.slice(word.length);
      else if (core.endsWith(word)) core = core.slice(0, -word.length);
      else continue;
      stripped = true;
    }
    const trimmed = core.replace(/^[.:]+|[.:]+$/g, '');
    if (trimmed !== core) {
      core = trimmed;
      stripped = true;
    }
  }
  core = core.toUpperCase();
  if (!/^[0-9A-Z]{1,8}$/.test(core)) return null;
  return /^\d+$/.test(core) ? core.replace(/^0+(?=\d)/, '') : core;
}

export function formatAddress(parts: { building: string; unit: string; room: string }): string {
  return `${parts.building}-${parts.unit}-${parts.room}`;
}

/** Reads `3-2-501` (as typed in `#绑定 3-2-501`), normalising each part; null when malformed. */
export function parseAddress(text: string): { building: string; unit: string; room: string } | null {
  const parts = text
    .normalize('NFKC')
    .trim()
    .split(/\s*-\s*/);
  if (parts.length !== 3) return null;
  const [building, unit, room] = [
    normalizeAddressPart('building', parts[0] ?? ''),
    normalizeAddressPart('unit', parts[1] ?? ''),
    normalizeAddressPart('room', parts[2] ?? ''),
  ];
  return building && unit && room ? { building, unit, room } : null;
}

/** Orders addresses as people read them: 2-1-101 before 10-1-101. */
export function compareAddresses(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export type PhoneInput =
  { kind: 'empty' } | { kind: 'masked' } | { kind: 'valid'; phone: string } | { kind: 'invalid' };

const MOBILE = /^1[3-9]\d{9}$/;
const MASKED_MOBILE = /^1[3-9]\d\*{4}\d{4}$/;

function compactPhone(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\s\-–—().]/g, '')
    .replace(/^(?:\+86|0086|86)(?=1\d{10}$)/, '');
}

/** A mainland mobile (`138 0013-8000`, `+86 13800138000`), or a masked one (`138****8000`) from our export. */
export function parsePhone(value: string | number): PhoneInput {
  const phone = compactPhone(cellText(value));
  if (phone === '') return { kind: 'empty' };
  if (MOBILE.test(phone)) return { kind: 'valid', phone };
  if (MASKED_MOBILE.test(phone)) return { kind: 'masked' };
  return { kind: 'invalid' };
}

/**
 * `138****8000`. Anything else carrying digits is masked the same way (first 3, last 4) or, if too
 * short for that, replaced by `****`, so no output can show a full number whatever it was handed.
 */
export function maskPhone(value: string | null | undefined): string {
  if (!value) return '';
  const phone = compactPhone(value);
  if (MASKED_MOBILE.test(phone)) return phone;
  const digits = phone.replace(/\D/g, '');
  if (digits.length >= 7) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  return digits.length > 0 ? '****' : '';
}

let relationIndex: Map<string, Relation> | undefined;

/** `业主`, `業主`, `Owner`, `产权人` … → owner; null when not a relation we know. */
export function parseRelation(value: string): Relation | null {
  if (!relationIndex) {
    relationIndex = new Map();
    for (const language of LANGUAGES) {
      for (const relation of RELATIONS) {
        for (const word of resources[language].roster.relations[relation])
          relationIndex.set(fold(word), relation);
      }
    }
  }
  return relationIndex.get(fold(value)) ?? null;
}

export function relationLabel(relation: Relation, language: Language): string {
  return resources[language].roster.relations[relation][0] ?? relation;
}

let areaUnits: string[] | undefined;

export type AreaInput = { kind: 'empty' } | { kind: 'valid'; area: number } | { kind: 'invalid' };

/** `89.5`, `89.5㎡`, `89.5 平方米`, `89.5 sqm` → 89.5 (rounded to 2 decimals), within 0…maxArea. */
export function parseArea(value: string | number): AreaInput {
  let area: number;
  if (typeof value === 'number') {
    area = value;
  } else {
    areaUnits ??= foldedWords((l) => resources[l].roster.areaUnits);
    let text = fold(value);
    if (text === '') return { kind: 'empty' };
    const unit = areaUnits.find((u) => text.endsWith(u));
    if (unit) text = text.slice(0, -unit.length);
    if (!/^\d+(\.\d+)?$/.test(text)) return { kind: 'invalid' };
    area = Number(text);
  }
  if (!Number.isFinite(area) || area < 0 || area > ROSTER_LIMITS.maxArea) return { kind: 'invalid' };
  return { kind: 'valid', area: Math.round(area * 100) / 100 };
}

/** Display form of a name or note: trimmed, runs of whitespace (full-width too) made one space. */
export function cleanText(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** What makes two names the same person within a household: width, case and spaces ignored. */
export function nameKey(name: string): string {
  return fold(name);
}

/** The duplicate-row and member identity key: one person per name per address. */
export function residentKey(address: string, name: string): string {
  return `${address}\n${nameKey(name)}`;
}

export function cellText(value: RawCell | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return value;
}

export function isBlankRow(cells: RawRosterCells): boolean {
  return ROSTER_FIELDS.every((field) => cellText(cells[field]).trim() === '');
}

function echo(field: RosterField, value: RawCell | undefined): string | null {
  const text = cellText(value).trim();
  if (text === '') return null;
  if (field === 'phone') return maskPhone(text);
  const chars = Array.from(text);
  return chars.length > ROSTER_LIMITS.maxEchoLength
    ? `${chars.slice(0, ROSTER_LIMITS.maxEchoLength).join('')}…`
    : text;
}

/**
 * Validates and normalises one sheet row. A row with any error yields only errors (all of them, so
 * staff fix the row in one go) and must be skipped whole; it is never partly kept.
 */
export function normalizeRosterRow(rowNumber: number, cells: RawRosterCells): RowResult {
  const errors: RowError[] = [];
  const fail = (field: RosterField, code: RowErrorCode): null => {
    errors.push({ rowNumber, field, code, value: echo(field, cells[field]) });
    return null;
  };
  const present = (field: RosterField): string | number | null => {
    const value = cells[field];
    return value === null || value === undefined || cellText(value).trim() === '' ? null : value;
  };

  const addressPart = (part: AddressPart): string | null => {
    const value = present(part);
    if (value === null) return fail(part, 'missing');
    return normalizeAddressPart(part, value) ?? fail(part, 'badAddress');
  };
  const building = addressPart('building');
  const unit = addressPart('unit');
  const room = addressPart('room');

  const rawName = present('name');
  let name: string | null = null;
  if (rawName === null) fail('name', 'missing');
  else if (Array.from(cleanText(cellText(rawName))).length > ROSTER_LIMITS.maxNameLength)
    fail('name', 'tooLong');
  else name = cleanText(cellText(rawName));

  const rawRelation = present('relation');
  let relation: Relation | null = null;
  if (rawRelation === null) fail('relation', 'missing');
  else relation = parseRelation(cellText(rawRelation)) ?? fail('relation', 'badRelation');

  const rawPhone = present('phone');
  let phone: string | null = null;
  if (rawPhone !== null) {
    const parsed = parsePhone(rawPhone);
    if (parsed.kind === 'valid') phone = parsed.phone;
    else if (parsed.kind === 'invalid') fail('phone', 'badPhone');
  }

  const rawArea = present('area');
  let area: number | null = null;
  if (rawArea !== null) {
    const parsed = parseArea(rawArea);
    // An owner holding 0 ㎡ would silently weigh nothing in owners' votes (Civil Code art. 278).
    if (parsed.kind !== 'valid' || (relation === 'owner' && parsed.area === 0)) fail('area', 'badArea');
    else area = parsed.area;
  }

  const rawNote = present('note');
  let note: string | null = null;
  if (rawNote !== null) {
    const text = cleanText(cellText(rawNote));
    if (Array.from(text).length > ROSTER_LIMITS.maxNoteLength) fail('note', 'tooLong');
    else note = text;
  }

  if (errors.length > 0 || !building || !unit || !room || name === null || relation === null) {
    return { ok: false, errors };
  }
  const address = formatAddress({ building, unit, room });
  return { ok: true, row: { rowNumber, address, building, unit, room, name, phone, relation, area, note } };
}

/** The translated explanation of one row error, as the error report and the API show it. */
export function describeRowError(error: RowError, language: Language): string {
  const t = translator(language);
  const max =
    error.code === 'badArea'
      ? ROSTER_LIMITS.maxArea
      : error.field === 'name'
        ? ROSTER_LIMITS.maxNameLength
        : ROSTER_LIMITS.maxNoteLength;
  return t(`roster.errors.${error.code}`, { row: error.duplicateOf, max });
}

export function describeFileError(error: RosterFileError, language: Language): string {
  const t = translator(language);
  const columns = new Intl.ListFormat(language, { type: 'conjunction' }).format(
    (error.missing ?? []).map((field) => headerLabel(field, language)),
  );
  return t(`roster.fileErrors.${error.code}`, { columns, max: error.maxRows ?? ROSTER_LIMITS.maxRows });
}
