import ExcelJS from 'exceljs';
import { translator, type Language } from '../../../shared/i18n/index.js';
import { XLSX_CONTENT_TYPE } from '../../../shared/schemas/roster.js';
import type { PollResults } from '../../../shared/schemas/poll.js';
import type { PollRecord } from '../../repositories/poll.repository.js';

export const XLSX_TYPE = XLSX_CONTENT_TYPE;

/**
 * A poll's result as .xlsx: the count per option (and area for owners' votes), turnout per building,
 * and, for named polls only, one row per ballot. An anonymous poll's file has no ballot sheet at all.
 */
export async function pollWorkbook(
  data: { poll: PollRecord; results: PollResults; ballots: { unit: string; choices: string }[] },
  language: Language,
): Promise<{ filename: string; asciiFilename: string; body: Buffer }> {
  const t = translator(language);
  const book = new ExcelJS.Workbook();
  const summary = book.addWorksheet(t('polls.export.summary'));
  summary.addRow([t('polls.export.question'), data.poll.question]);
  summary.addRow([t('polls.export.turnout'), data.results.turnout.voted, data.results.turnout.eligible]);
  summary.addRow([]);
  summary.addRow([t('polls.export.option'), t('polls.export.votes'), t('polls.export.area')]).font = {
    bold: true,
  };
  for (const o of data.results.options) summary.addRow([`${o.letter}. ${o.text}`, o.votes, o.area / 100]);
  const v = data.results.art278;
  if (v) {
    summary.addRow([]);
    summary.addRow([t('polls.export.quorum'), t(v.quorumReached ? 'polls.quorumYes' : 'polls.quorumNo')]);
    summary.addRow([t('polls.export.verdict'), t(v.passed ? 'polls.passed' : 'polls.failed')]);
  }
  const buildings = book.addWorksheet(t('polls.export.buildings'));
  buildings.addRow([t('polls.export.building'), t('polls.export.voted'), t('polls.export.eligible')]).font = {
    bold: true,
  };
  for (const b of data.results.byBuilding)
    buildings.addRow([`${b.compound} ${b.building}`, b.voted, b.eligible]);
  if (!data.poll.anonymous) {
    const ballots = book.addWorksheet(t('polls.export.ballots'));
    ballots.addRow([t('polls.export.voter'), t('polls.export.choices')]).font = { bold: true };
    for (const b of data.ballots) ballots.addRow([b.unit, b.choices]);
  }
  const body = Buffer.from(await book.xlsx.writeBuffer());
  return {
    filename: `${t('polls.title')}-${data.poll.number}.xlsx`,
    asciiFilename: `poll-${data.poll.number}.xlsx`,
    body,
  };
}
