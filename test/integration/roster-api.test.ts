import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EN_HEADER,
  generatedRows,
  loadWorkbook,
  rosterBuffer,
  ZH_CN_HEADER,
  type CellInput,
} from '../../server/roster/roster.factories.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { XLSX_CONTENT_TYPE, type ImportJobView } from '../../shared/schemas/roster.js';
import { apiClient, errorOf, residentIds, type ApiClient, type ApiRequest } from '../support/api-client.js';
import { eventually, startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Roster import and export over HTTP on the demo community (灵山社区, one compound): uploads, job
 * polling, the error report, the export, and re-imports that change nothing.
 */

const DATA_KEY = Buffer.alloc(32, 7).toString('base64');
let engine: TestEngine;
let server: TestServer;
let ids: Record<string, string>;
let raw: ApiClient['raw'];
/** Full numbers that must never leave the server: the seeded ones and those imported below. */
const FULL_PHONES = [
  '13812345001',
  '13912345002',
  '15012345003',
  '18612345004',
  '17712345005',
  '13612345006',
  '13712345007',
];
const IMPORTED_PHONES = ['13700001111', '13999990000', '1234567890'];

beforeAll(async () => {
  engine = await startTestEngine();
  server = await startTestServer({ demo: true, engine, env: { DATA_KEY } });
  ids = await residentIds(server, ['sim-wang', 'sim-li', 'sim-liu', 'sim-chen', 'sim-admin']);
  ({ raw } = apiClient(server, { ids }));
});

afterAll(async () => {
  await server?.close();
  await engine?.stop();
});

/** Roster requests carry an .xlsx (POST by default) and come back as bytes, JSON or not. */
type CallInit = Omit<ApiRequest, 'body'> & { body?: Buffer };

async function call(path: string, init: CallInit = {}) {
  const res = await raw(path, {
    ...init,
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    contentType: init.contentType ?? XLSX_CONTENT_TYPE,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const isJson = res.headers.get('content-type')?.includes('json') ?? false;
  return {
    status: res.status,
    headers: res.headers,
    bytes,
    json: isJson ? (JSON.parse(bytes.toString()) as unknown) : null,
  };
}

const upload = (file: Buffer, init: Omit<CallInit, 'body'> & { query?: string } = {}) =>
  call(`/api/roster/imports${init.query ?? ''}`, { as: 'sim-chen', ...init, body: file });

/** Polls the job as the secretary until it is done or failed, keeping every view seen. */
async function finished(
  jobId: string,
  language = 'en',
): Promise<{ last: ImportJobView; seen: ImportJobView[] }> {
  const seen: ImportJobView[] = [];
  const last = await eventually(async () => {
    const res = await call(`/api/roster/imports/${jobId}`, { as: 'sim-chen', language });
    expect(res.status).toBe(200);
    const view = res.json as ImportJobView;
    seen.push(view);
    return view.status === 'done' || view.status === 'failed' ? view : null;
  }, 30_000);
  return { last, seen };
}

async function importAndWait(file: Buffer): Promise<ImportJobView> {
  const res = await upload(file);
  expect(res.status).toBe(202);
  return (await finished((res.json as { jobId: string }).jobId)).last;
}

/** Reads every entry of a zip (an .xlsx) as text, so tests can search the raw sheet XML. */
function unzipTexts(zip: Buffer): Map<string, string> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const texts = new Map<string, string>();
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(offset + 10);
    const size = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    texts.set(name, (method === 8 ? inflateRawSync(data) : data).toString('utf8'));
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return texts;
}

async function sheetRows(file: Buffer): Promise<{ name: string; rows: string[][] }[]> {
  const workbook = await loadWorkbook(file);
  return workbook.worksheets.map((sheet) => {
    const rows: string[][] = [];
    sheet.eachRow((row) => {
      rows.push(Array.from({ length: sheet.columnCount }, (_, i) => row.getCell(i + 1).text));
    });
    return { name: sheet.name, rows };
  });
}

const roleUpdateAudits = () =>
  server.container.models.audit.countDocuments({ action: 'roster.updateResident' });

const members = async () => {
  const community = (await server.container.repositories.communities.list(1))[0]!;
  return server.container.repositories.residents.listRosterMembers(community.id);
};

/** The first import: new and existing households, an update, unchanged rows and three bad rows. */
const FIRST_ROWS: CellInput[][] = [
  ['7栋', '1单元', '101室', '赵敏', '137 0000 1111', '业主', 100.5, null],
  [7, 1, 101, '孙强', null, '家庭成员', null, null],
  [3, 2, 501, '王秀英', '13812345001', '业主', 89.56, null],
  [3, 2, 501, '王小明', null, '家庭成员', null, null],
  [5, 1, 302, '李建国', '13999990000', '业主', null, '独居老人'],
  [7, 1, 102, '钱多多', '1234567890', '邻居', null, null],
  [7, 1, 103, null, '13700002222', '租户', null, null],
  [7, 1, 101, '赵敏', '13700001111', '业主', 100.5, null],
  // A tenant holds no floor area; the cell is ignored, so the row changes nothing.
  [1, 1, 101, '张老师', null, '租户', 50, null],
];
let firstFile: Buffer;
let firstJobId = '';

describe('POST /api/roster/imports', () => {
  beforeAll(async () => {
    firstFile = await rosterBuffer(FIRST_ROWS);
  });

  it('401 without a session', async () => {
    const res = await call('/api/roster/imports', { body: firstFile });
    expect(res.status).toBe(401);
  });

  it('400 for a file that is not a workbook, translated', async () => {
    const res = await upload(Buffer.from('楼栋,单元,房号,姓名\n3,2,501,王秀英\n'), { language: 'en' });
    expect(res.status).toBe(400);
    expect(errorOf(res.json)).toEqual({
      code: 'not_xlsx',
      message:
        'The file was not imported: This is not an Excel workbook; save it as .xlsx in Excel and upload it again',
    });
  });

  it('400 for a roster missing required columns, naming them', async () => {
    const res = await upload(await rosterBuffer([['3', '王秀英', '13812345001']], ['楼栋', '姓名', '电话']));
    expect(res.status).toBe(400);
    expect(errorOf(res.json)).toEqual({
      code: 'missing_headers',
      message: '文件未导入：缺少必填列：单元、房号和身份',
    });
  });

  it('400 for a header without rows, and for a compound the community does not have', async () => {
    const empty = await upload(await rosterBuffer([]));
    expect(errorOf(empty.json).code).toBe('empty_roster');
    const compound = await upload(firstFile, { query: '?compound=nowhere', language: 'en' });
    expect(compound.status).toBe(400);
    expect(errorOf(compound.json)).toEqual({
      code: 'unknown_compound',
      message: 'There is no compound "nowhere" in this community',
    });
  });

  it('403 for a resident, and for a building lead (roster.import is for secretaries and admins)', async () => {
    const resident = await upload(firstFile, { as: 'sim-wang', language: 'en' });
    expect(resident.status).toBe(403);
    expect(errorOf(resident.json)).toEqual({
      code: 'forbidden',
      message: 'You are not allowed to import the roster',
    });
    const lead = await upload(firstFile, { as: 'sim-liu' });
    expect(lead.status).toBe(403);
    expect(errorOf(lead.json).message).toBe('您没有权限导入花名册');
  });

  it('413 for a file over 10 MB, and 415 for another content type', async () => {
    const big = await upload(Buffer.alloc(10 * 1024 * 1024 + 1, 1), { language: 'en' });
    expect(big.status).toBe(413);
    expect(errorOf(big.json)).toEqual({
      code: 'payload_too_large',
      message: 'The file is larger than 10 MB; split it and import the parts',
    });
    const csv = await upload(firstFile, { contentType: 'text/csv', language: 'zh-TW' });
    expect(csv.status).toBe(415);
    expect(errorOf(csv.json).message).toBe('請上傳 Excel 檔案（.xlsx）');
  });

  it('202 with a job to poll: new residents created, changes applied, bad rows skipped', async () => {
    const res = await upload(firstFile);
    expect(res.status).toBe(202);
    firstJobId = (res.json as { jobId: string }).jobId;
    expect(res.headers.get('location')).toBe(`/api/roster/imports/${firstJobId}`);

    const { last, seen } = await finished(firstJobId);
    expect(seen.every((v) => ['queued', 'parsing', 'applying', 'done'].includes(v.status))).toBe(true);
    expect(last).toMatchObject({
      status: 'done',
      progress: { done: 6, total: 6 },
      counts: { created: 3, updated: 1, unchanged: 2, errors: 3 },
      errorReportReady: true,
    });
    expect(last.fileError).toBeUndefined();
    expect(last.failure).toBeUndefined();

    const byName = new Map((await members()).map((m) => [m.name, m]));
    const zhao = byName.get('赵敏')!;
    expect(zhao).toMatchObject({ phoneMasked: '137****1111', relation: 'owner', floorArea: 100.5 });
    expect(zhao.roles.map((r) => r.role).sort()).toEqual(['owner', 'resident']);
    expect(byName.get('孙强')!.householdId).toBe(zhao.householdId);
    expect(byName.get('王小明')!.householdId).toBe(byName.get('王秀英')!.householdId);
    expect(byName.get('李建国')).toMatchObject({ phoneMasked: '139****0000', note: '独居老人' });
    expect(byName.get('王秀英')!.version).toBe(0);
    expect(byName.get('张老师')).toMatchObject({ relation: 'tenant', floorArea: null });
    // The bad rows left nothing behind, not even their households.
    expect(byName.has('钱多多')).toBe(false);
    const community = (await server.container.repositories.communities.list(1))[0]!;
    const addresses = (await server.container.repositories.households.listByCommunity(community.id)).map(
      (h) => h.address,
    );
    expect(addresses).toContain('7-1-101');
    expect(addresses).not.toContain('7-1-102');
    expect(addresses).not.toContain('7-1-103');
  });

  it('audits the import with its counts and the changed resident with before and after', async () => {
    const res = await call('/api/audit?limit=20', { as: 'sim-admin' });
    const items = (
      res.json as { items: { action: string; target: { id: string }; before: unknown; after: unknown }[] }
    ).items;
    expect(
      items.find((i) => i.action === 'roster.import' && i.target.id === firstJobId)?.after,
    ).toMatchObject({
      created: 3,
      updated: 1,
      unchanged: 2,
      errors: 3,
    });
    const li = items.filter((i) => i.action === 'roster.updateResident');
    expect(li).toHaveLength(1);
    expect(li[0]).toMatchObject({
      target: { id: ids['sim-li'] },
      before: { phone: '139****5002', note: null },
      after: { phone: '139****0000', note: '独居老人' },
    });
    for (const phone of [...FULL_PHONES, ...IMPORTED_PHONES])
      expect(res.bytes.toString()).not.toContain(phone);
  });

  it('re-importing the same file changes nothing and audits no resident', async () => {
    const audits = await roleUpdateAudits();
    const before = await members();
    const view = await importAndWait(firstFile);
    expect(view.counts).toEqual({ created: 0, updated: 0, unchanged: 6, errors: 3 });
    expect(await roleUpdateAudits()).toBe(audits);
    expect(await members()).toEqual(before);
  });
});

describe('GET /api/roster/imports/:id', () => {
  it('401 without a session', async () => {
    expect((await call(`/api/roster/imports/${firstJobId}`)).status).toBe(401);
  });

  it('400 for a malformed id', async () => {
    expect((await call('/api/roster/imports/123', { as: 'sim-chen' })).status).toBe(400);
  });

  it('403 for a building lead, 404 for a job that does not exist', async () => {
    expect((await call(`/api/roster/imports/${firstJobId}`, { as: 'sim-liu' })).status).toBe(403);
    const missing = await call(`/api/roster/imports/${'0'.repeat(24)}`, { as: 'sim-chen', language: 'en' });
    expect(missing.status).toBe(404);
    expect(errorOf(missing.json).message).toBe('The import was not found');
  });

  it('200 with the file error of a roster over the row limit, found while parsing', async () => {
    const res = await upload(await rosterBuffer(generatedRows(20_001)));
    expect(res.status).toBe(202);
    const { last, seen } = await finished((res.json as { jobId: string }).jobId, 'zh-TW');
    expect(last).toMatchObject({
      status: 'failed',
      counts: { created: 0, updated: 0 },
      fileError: { code: 'tooManyRows', message: '超過 20000 列上限，請拆分後分批匯入' },
      errorReportReady: false,
    });
    for (const view of seen)
      if (view.progress.total !== null) expect(view.progress.done).toBeLessThanOrEqual(view.progress.total);
  });
});

describe('GET /api/roster/imports/:id/errors.xlsx', () => {
  it('401 without a session', async () => {
    expect((await call(`/api/roster/imports/${firstJobId}/errors.xlsx`)).status).toBe(401);
  });

  it('400 for a malformed id, 403 for a resident', async () => {
    expect((await call('/api/roster/imports/x/errors.xlsx', { as: 'sim-chen' })).status).toBe(400);
    expect((await call(`/api/roster/imports/${firstJobId}/errors.xlsx`, { as: 'sim-wang' })).status).toBe(
      403,
    );
  });

  it('200: each bad row with its column, value and problem, in the caller language', async () => {
    const res = await call(`/api/roster/imports/${firstJobId}/errors.xlsx`, {
      as: 'sim-chen',
      language: 'en',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(XLSX_CONTENT_TYPE);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="roster-import-errors-\d{4}-\d{2}-\d{2}\.xlsx"; filename\*=UTF-8''import-errors-\d{4}-\d{2}-\d{2}\.xlsx$/,
    );
    const [sheet, ...others] = await sheetRows(res.bytes);
    expect(others).toEqual([]);
    expect(sheet!.name).toBe('Import errors');
    expect(sheet!.rows).toEqual([
      ['Row', 'Column', 'Value entered', 'Problem'],
      ['7', 'Relation', '邻居', 'Relation must be Owner, Tenant or Family member'],
      ['7', 'Mobile', '123****7890', 'Mobile must be an 11-digit mainland number starting with 1'],
      ['8', 'Name', '', 'Required'],
      ['9', '', '7-1-101 赵敏', 'Same address and name as row 2'],
    ]);

    const zh = await call(`/api/roster/imports/${firstJobId}/errors.xlsx`, { as: 'sim-chen' });
    const [zhSheet] = await sheetRows(zh.bytes);
    expect(zhSheet!.name).toBe('导入错误');
    expect(zhSheet!.rows[2]).toEqual(['7', '手机号', '123****7890', '手机号应为 1 开头的 11 位大陆手机号']);
  });
});

describe('GET /api/roster/export.xlsx', () => {
  it('401 without a session', async () => {
    expect((await call('/api/roster/export.xlsx')).status).toBe(401);
  });

  it('400 for a compound the community does not have', async () => {
    const res = await call('/api/roster/export.xlsx?compound=nowhere', { as: 'sim-chen' });
    expect(res.status).toBe(400);
    expect(errorOf(res.json).code).toBe('unknown_compound');
  });

  it('403 for a resident and for a building lead', async () => {
    expect((await call('/api/roster/export.xlsx', { as: 'sim-wang' })).status).toBe(403);
    const lead = await call('/api/roster/export.xlsx', { as: 'sim-liu', language: 'en' });
    expect(lead.status).toBe(403);
    expect(errorOf(lead.json).message).toBe('You are not allowed to export the roster');
  });

  let exported: Buffer;

  it('200: every resident by address, phones masked, named after the community and the date', async () => {
    const res = await call('/api/roster/export.xlsx', { as: 'sim-admin' });
    expect(res.status).toBe(200);
    exported = res.bytes;
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="roster-${date}.xlsx"; filename*=UTF-8''${encodeURIComponent(`灵山社区-住户花名册-${date}.xlsx`)}`,
    );
    const [sheet] = await sheetRows(res.bytes);
    expect(sheet!.name).toBe('住户花名册');
    expect(sheet!.rows[0]).toEqual(ZH_CN_HEADER);
    expect(sheet!.rows.slice(1).map((r) => `${r[0]}-${r[1]}-${r[2]} ${r[3]}`)).toEqual([
      '1-1-101 张老师',
      '3-1-203 刘楼长',
      '3-2-501 王秀英',
      '3-2-501 王小明',
      '5-1-302 李建国',
      '5-2-802 Emma Chen',
      '7-1-101 赵敏',
      '7-1-101 孙强',
    ]);
    expect(sheet!.rows.find((r) => r[3] === '李建国')).toEqual([
      '5',
      '1',
      '302',
      '李建国',
      '139****0000',
      '业主',
      '102.3',
      '独居老人',
    ]);

    const xml = [...unzipTexts(res.bytes).values()].join('\n');
    expect(xml).toContain('<sheetData>');
    expect(xml).toContain('137****1111');
    for (const phone of [...FULL_PHONES, ...IMPORTED_PHONES]) expect(xml).not.toContain(phone);
  });

  it('an English export is headed in English', async () => {
    const res = await call('/api/roster/export.xlsx', { as: 'sim-chen', language: 'en' });
    const [sheet] = await sheetRows(res.bytes);
    expect(sheet!.rows[0]).toEqual(EN_HEADER);
    expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('灵山社区-roster-'));
  });

  it('re-importing the export changes nothing', async () => {
    const audits = await roleUpdateAudits();
    const before = await members();
    const view = await importAndWait(exported);
    expect(view.counts).toEqual({ created: 0, updated: 0, unchanged: 8, errors: 0 });
    expect(await roleUpdateAudits()).toBe(audits);
    expect(await members()).toEqual(before);
  });
});

describe('a restart', () => {
  it('marks a job it interrupted as failed, saying what to do', async () => {
    const community = (await server.container.repositories.communities.list(1))[0]!;
    const job = await server.container.repositories.importJobs.create({
      communityId: community.id,
      compound: 'lingshan-garden',
      scopeId: community.id,
      actorId: ids['sim-chen']!,
      actorName: '陈书记',
      bytes: 1,
    });
    await server.container.repositories.importJobs.update(job.id, { status: 'applying' });
    await server.stop();
    server = await startTestServer({ demo: true, engine, dbName: server.dbName, env: { DATA_KEY } });
    ({ raw } = apiClient(server, { ids }));
    const res = await call(`/api/roster/imports/${job.id}`, { as: 'sim-chen', language: 'en' });
    expect(res.json).toMatchObject({
      status: 'failed',
      failure: {
        code: 'interrupted',
        message: expect.stringContaining('import the same file again to finish') as unknown,
      },
    });
    // Jobs finished before the restart keep their outcome.
    expect((await call(`/api/roster/imports/${firstJobId}`, { as: 'sim-chen' })).json).toMatchObject({
      status: 'done',
    });
  });
});
