import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CATEGORIES } from '../categories.js';
import { LANGUAGES, resources, type Language } from '../i18n/index.js';
import type * as I18n from '../i18n/index.js';
import {
  COMMAND_INTENTS,
  MAX_OPINION_LENGTH,
  MAX_UNKNOWN_WORD_LENGTH,
  parseCommand,
  type CommandError,
  type CommandIntent,
  type CommandOf,
  type Intent,
  type ParsedCommand,
  type ParseOptions,
} from './parser.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Sample {
  text: string;
  intent: Intent | null;
  lang: Language;
  mentionsBot?: boolean;
  category?: string;
  ticket?: string;
  poll?: number;
  choice?: string[];
  event?: number;
  code?: string;
  address?: string;
  error?: CommandError;
}

function loadSamples(): Sample[] {
  const file = path.resolve(repoRoot, '../shared/fixtures/chat-samples.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { messages: Sample[] }).messages;
}

function parse(text: string, options: Partial<ParseOptions> = {}): ParsedCommand | null {
  return parseCommand(text, { mentionsBot: false, ...options });
}

/** Parses and asserts a successful command of the given intent, narrowing its type for the caller. */
function command<I extends Intent>(
  intent: I,
  text: string,
  options: Partial<ParseOptions> = {},
): CommandOf<I> {
  const result = parse(text, options);
  expect(result, text).not.toBeNull();
  expect(result!.error, text).toBeUndefined();
  expect(result!.intent, text).toBe(intent);
  return result as CommandOf<I>;
}

function failure(text: string): { intent: Intent; error: CommandError | undefined } {
  const result = parse(text);
  expect(result, text).not.toBeNull();
  return { intent: result!.intent, error: result!.error };
}

const categoryByName = new Map(
  LANGUAGES.flatMap((l) => CATEGORIES.map((c) => [resources[l].categories[c], c] as const)),
);

describe('fixtures in shared/fixtures/chat-samples.json', () => {
  it.each(loadSamples().map((s) => [s.text, s] as const))('%s', (text, sample) => {
    const result = parse(text, { mentionsBot: sample.mentionsBot ?? false });
    if (sample.intent === null) {
      expect(result).toBeNull();
      return;
    }
    expect(result).not.toBeNull();
    const r = result!;
    expect(r.intent).toBe(sample.intent);
    expect(r.explicit).toBe(/^[#＃]/.test(text));
    // A keyword shared by several locales (投票, 收到) names none of them.
    expect([null, sample.lang]).toContain(r.language);
    expect(r.error).toBe(sample.error);
    const fields: Record<string, unknown> = { ...r };
    if (sample.category) expect(fields.category).toBe(categoryByName.get(sample.category));
    else if (r.intent === 'opinion') expect(fields.category).toBeUndefined();
    if (sample.ticket) expect(fields.ticket).toBe(sample.ticket);
    if (sample.poll !== undefined) expect(fields.poll).toBe(sample.poll);
    if (sample.choice) expect(fields.choices).toEqual(sample.choice);
    if (sample.event !== undefined) expect(fields.event).toBe(sample.event);
    if (sample.code) expect(fields.code).toBe(sample.code);
    if (sample.address) expect(fields.address).toBe(sample.address);
    if ((r.intent === 'opinion' || r.intent === 'report') && !r.error) {
      expect(text.endsWith(r.text)).toBe(true);
      expect(r.text).not.toMatch(/^[#＃@]|^(意见|意見|报事|報事|opinion|report)|^交通/);
    }
  });

  it('reads the staff samples into their parts', () => {
    expect(command('notice', '#通知 全部 本周六上午9点在中心广场开展消防演练，请大家准时参加')).toMatchObject(
      {
        scope: '全部',
        text: '本周六上午9点在中心广场开展消防演练，请大家准时参加',
      },
    );
    expect(command('reminder', '#提醒 每月15日,30日 09:00 三方碰头会')).toMatchObject({
      schedule: '每月15日,30日',
      time: '09:00',
      text: '三方碰头会',
    });
  });

  it('names the unknown word', () => {
    expect(parse('#不存在的命令 你好')).toEqual({
      intent: 'unknown',
      word: '不存在的命令',
      language: null,
      explicit: true,
    });
  });
});

describe('keywords come from the locales', () => {
  const sampleArgs: Record<CommandIntent, string> = {
    opinion: 'street light is out',
    report: 'lift stuck',
    status: 'R1',
    vote: '3 A',
    signup: '7',
    cancelSignup: '7',
    checkin: '7 123456',
    points: '',
    bind: '3-2-501',
    ack: '',
    help: '',
    notice: 'all hello',
    reminder: 'daily 09:00 hello',
    createPoll: 'lunch? A. yes B. no',
    approve: '5',
    reject: '5',
  };
  const entries = LANGUAGES.flatMap((language) =>
    COMMAND_INTENTS.flatMap((intent) =>
      resources[language].commands[intent].map((word) => [language, intent, word] as const),
    ),
  );
  const localesOf = (word: string) =>
    LANGUAGES.filter((l) => Object.values(resources[l].commands).flat().includes(word));

  it.each(entries)('%s %s: #%s', (language, intent, word) => {
    const result = command(intent, `#${word} ${sampleArgs[intent]}`.trim());
    expect(result.language).toBe(localesOf(word).length === 1 ? language : null);
    expect(result.explicit).toBe(true);
  });

  describe('with a word added to a locale', () => {
    afterEach(() => {
      vi.doUnmock('../i18n/index.js');
      vi.resetModules();
    });

    /** Loads a fresh parser whose zh-CN and en locales carry extra words for some intents. */
    async function parserWith(extra: Partial<Record<CommandIntent, string[]>>) {
      vi.resetModules();
      vi.doMock('../i18n/index.js', async (importOriginal) => {
        const original = await importOriginal<typeof I18n>();
        const withExtra = (language: Language) => {
          const commands = { ...original.resources[language].commands };
          for (const [intent, words] of Object.entries(extra)) {
            commands[intent as CommandIntent] = [...commands[intent as CommandIntent], ...words];
          }
          return { ...original.resources[language], commands };
        };
        return {
          ...original,
          resources: { ...original.resources, 'zh-CN': withExtra('zh-CN'), en: withExtra('en') },
        };
      });
      return (await import('./parser.js')).parseCommand;
    }

    it('parses the new word and still prefers the longest keyword', async () => {
      const parseWith = await parserWith({ opinion: ['提'], report: ['报'] });
      expect(parseWith('#提 多种树', { mentionsBot: false })).toMatchObject({
        intent: 'opinion',
        text: '多种树',
      });
      expect(parseWith('#报 电梯坏了', { mentionsBot: false })).toMatchObject({
        intent: 'report',
        text: '电梯坏了',
      });
      expect(parseWith('#报名 7', { mentionsBot: false })).toMatchObject({ intent: 'signup', event: 7 });
      expect(parseWith('#提醒 每天 09:00 开会', { mentionsBot: false })).toMatchObject({
        intent: 'reminder',
      });
    });

    it('refuses a word that would mean two intents', async () => {
      await expect(parserWith({ createPoll: ['投票'] })).rejects.toThrow(/投票/);
    });
  });

  it('matches English keywords case-insensitively', () => {
    expect(command('help', '#HELP').language).toBe('en');
    expect(command('vote', '#Vote 3 b').choices).toEqual(['B']);
  });

  it('prefers the longest keyword', () => {
    expect(command('createPoll', '#发起投票 周末去哪 A.公园 B.海边').args).toBe('周末去哪 A.公园 B.海边');
    expect(command('cancelSignup', '#取消报名 7').event).toBe(7);
    expect(command('reminder', '#reminder daily 09:00 bins').text).toBe('bins');
  });

  it('lets a Chinese keyword run straight into the text but not an English one', () => {
    expect(command('opinion', '#意见楼下路灯坏了').text).toBe('楼下路灯坏了');
    expect(command('signup', '#报名7').event).toBe(7);
    expect(parse('#opinions please')).toMatchObject({ intent: 'unknown', word: 'opinions' });
    expect(parse('#helpme')).toMatchObject({ intent: 'unknown', word: 'helpme' });
    expect(command('opinion', '#opinion: more bins').text).toBe('more bins');
    expect(command('opinion', '#意见：交通：车太多')).toMatchObject({
      text: '车太多',
      category: 'transport',
    });
  });
});

describe('opinion', () => {
  it.each([
    ['#意见 楼下路灯坏了', '楼下路灯坏了', 'zh-CN'],
    ['#建议 多装几个垃圾桶', '多装几个垃圾桶', 'zh-CN'],
    ['#意見 樓下路燈壞了', '樓下路燈壞了', 'zh-TW'],
    ['#opinion More benches, please!', 'More benches, please!', 'en'],
    ['#suggest a bike shed', 'a bike shed', 'en'],
  ] as const)('%s', (text, expected, language) => {
    const result = command('opinion', text);
    expect(result.text).toBe(expected);
    expect(result.language).toBe(language);
    expect(result.category).toBeUndefined();
  });

  it.each([
    ['#意见 交通: 南门车太多', 'transport', '南门车太多'],
    ['#意见 交通：南门车太多', 'transport', '南门车太多'],
    ['#意見 建築 ： 外牆剝落', 'buildings', '外牆剝落'],
    ['#opinion transport: too many cars', 'transport', 'too many cars'],
    ['#opinion Low-carbon: more recycling', 'lowCarbon', 'more recycling'],
    ['#opinion 低碳: more recycling', 'lowCarbon', 'more recycling'],
  ] as const)('takes the category prefix off %s', (text, category, rest) => {
    const result = command('opinion', text);
    expect(result.category).toBe(category);
    expect(result.text).toBe(rest);
  });

  it('keeps a category word that is not followed by a colon', () => {
    const result = command('opinion', '#意见 交通太堵了: 早上尤其');
    expect(result.category).toBeUndefined();
    expect(result.text).toBe('交通太堵了: 早上尤其');
  });

  it('keeps the resident’s own punctuation, line breaks and full-width characters in the text', () => {
    expect(command('opinion', '#意见 路灯坏了！\n三天了，ＡＢ区都黑').text).toBe(
      '路灯坏了！\n三天了，ＡＢ区都黑',
    );
  });

  it('is empty with nothing, or only a category, after the keyword', () => {
    expect(failure('#意见')).toEqual({ intent: 'opinion', error: 'empty' });
    expect(failure('#opinion   ')).toEqual({ intent: 'opinion', error: 'empty' });
    expect(failure('#意见 交通：')).toEqual({ intent: 'opinion', error: 'empty' });
  });

  it('does not enforce MAX_OPINION_LENGTH (the service does)', () => {
    const text = '长'.repeat(MAX_OPINION_LENGTH + 1);
    expect(command('opinion', `#意见 ${text}`).text).toHaveLength(MAX_OPINION_LENGTH + 1);
  });

  it('treats a mention of the bot without a command as an opinion', () => {
    expect(parse('@社区小助手\u2005垃圾房味道很大', { mentionsBot: true })).toEqual({
      intent: 'opinion',
      text: '垃圾房味道很大',
      language: null,
      explicit: false,
    });
    expect(command('opinion', '@社区小助手 交通：车太多', { mentionsBot: true }).category).toBe('transport');
  });

  it('ignores a mention of the bot with nothing else', () => {
    expect(parse('@社区小助手', { mentionsBot: true })).toBeNull();
    expect(parse('@社区小助手\u2005 ', { mentionsBot: true })).toBeNull();
  });
});

describe('report', () => {
  it.each([
    ['#报事 3栋电梯困人', '3栋电梯困人', 'zh-CN'],
    ['#报修 水管漏水', '水管漏水', 'zh-CN'],
    ['#報修 水管漏水', '水管漏水', 'zh-TW'],
    ['#repair the gate is stuck', 'the gate is stuck', 'en'],
  ] as const)('%s', (text, expected, language) => {
    const result = command('report', text);
    expect(result.text).toBe(expected);
    expect(result.language).toBe(language);
  });

  it('is empty without text', () => {
    expect(failure('#报事')).toEqual({ intent: 'report', error: 'empty' });
  });
});

describe('status', () => {
  it.each([
    ['#进度 R1024', 'R1024'],
    ['#查询 r7', 'R7'],
    ['#查詢 Ｒ１０２４', 'R1024'],
    ['#status r-1024', 'R1024'],
    ['#progress 1024', '1024'],
  ])('%s', (text, ticket) => {
    expect(command('status', text).ticket).toBe(ticket);
  });

  it('needs a ticket with a number in it', () => {
    expect(failure('#进度')).toEqual({ intent: 'status', error: 'missingArgument' });
    expect(failure('#status abc')).toEqual({ intent: 'status', error: 'badNumber' });
  });
});

describe('vote', () => {
  it.each([
    ['#投票 12 A', 12, ['A']],
    ['#投票 １２ ｂ', 12, ['B']],
    ['#vote 12 A,C', 12, ['A', 'C']],
    ['#投票 12 A，C', 12, ['A', 'C']],
    ['#投票 12 A、C', 12, ['A', 'C']],
    ['#投票 12 A C', 12, ['A', 'C']],
    ['#投票 12 ac', 12, ['A', 'C']],
    ['#投票 12 C A c', 12, ['C', 'A']],
    ['#投票 B', null, ['B']],
  ] as const)('%s', (text, poll, choices) => {
    const result = command('vote', text);
    expect(result.poll).toBe(poll);
    expect(result.choices).toEqual(choices);
  });

  it('names no language for a keyword both Chinese locales share', () => {
    expect(command('vote', '#投票 1 A').language).toBeNull();
    expect(command('vote', '#vote 1 A').language).toBe('en');
  });

  it('needs a choice made of letters', () => {
    expect(failure('#投票')).toEqual({ intent: 'vote', error: 'missingArgument' });
    expect(failure('#投票 12')).toEqual({ intent: 'vote', error: 'missingArgument' });
    expect(failure('#vote 12 3')).toEqual({ intent: 'vote', error: 'badNumber' });
    expect(failure('#投票 12 好')).toEqual({ intent: 'vote', error: 'badNumber' });
  });
});

describe('signup and cancelSignup', () => {
  it.each([
    ['#报名 7', 'signup', 7, 'zh-CN'],
    ['#報名 ７', 'signup', 7, 'zh-TW'],
    ['#join 12', 'signup', 12, 'en'],
    ['#取消报名 7', 'cancelSignup', 7, 'zh-CN'],
    ['#取消報名 8', 'cancelSignup', 8, 'zh-TW'],
    ['#cancel 9', 'cancelSignup', 9, 'en'],
    ['#unsignup 9', 'cancelSignup', 9, 'en'],
  ] as const)('%s', (text, intent, event, language) => {
    const result = command(intent, text);
    expect(result.event).toBe(event);
    expect(result.language).toBe(language);
  });

  it('needs a positive event number', () => {
    expect(failure('#报名')).toEqual({ intent: 'signup', error: 'missingArgument' });
    expect(failure('#报名 abc')).toEqual({ intent: 'signup', error: 'badNumber' });
    expect(failure('#报名 0')).toEqual({ intent: 'signup', error: 'badNumber' });
    expect(failure('#signup 1234567890')).toEqual({ intent: 'signup', error: 'badNumber' });
    expect(failure('#cancel x')).toEqual({ intent: 'cancelSignup', error: 'badNumber' });
  });
});

describe('checkin', () => {
  it.each([
    ['#签到 7 482913', 'zh-CN'],
    ['#簽到 ７ ４８２９１３', 'zh-TW'],
    ['#checkin 7, 482913', 'en'],
  ] as const)('%s', (text, language) => {
    const result = command('checkin', text);
    expect(result).toMatchObject({ event: 7, code: '482913', language });
  });

  it('keeps the leading zeros of the code', () => {
    expect(command('checkin', '#签到 7 012345').code).toBe('012345');
  });

  it('needs an event and a numeric code', () => {
    expect(failure('#签到')).toEqual({ intent: 'checkin', error: 'missingArgument' });
    expect(failure('#签到 7')).toEqual({ intent: 'checkin', error: 'missingArgument' });
    expect(failure('#签到 x 482913')).toEqual({ intent: 'checkin', error: 'badNumber' });
    expect(failure('#签到 7 abc')).toEqual({ intent: 'checkin', error: 'badNumber' });
  });
});

describe('bind', () => {
  it.each([
    '#绑定 3-2-501',
    '#绑定 3栋2单元501',
    '#綁定 3棟2單元501室',
    '#绑定 3号楼2单元501',
    '#绑定 ３－２－５０１',
    '#绑定 ３栋２单元５０１',
    '#绑定 3号楼 2单元 501室',
    '#bind 3/2/501',
    '#bind 03-02-501',
  ])('%s', (text) => {
    expect(command('bind', text).address).toBe('3-2-501');
  });

  it('needs exactly building, unit and room', () => {
    expect(failure('#绑定')).toEqual({ intent: 'bind', error: 'missingArgument' });
    expect(failure('#绑定 3栋501')).toEqual({ intent: 'bind', error: 'badNumber' });
    expect(failure('#绑定 3-2-501-7')).toEqual({ intent: 'bind', error: 'badNumber' });
    expect(failure('#bind 3-2-5012345')).toEqual({ intent: 'bind', error: 'badNumber' });
  });
});

describe('commands without arguments', () => {
  it.each([
    ['#积分', 'points', 'zh-CN'],
    ['#積分', 'points', 'zh-TW'],
    ['#POINTS', 'points', 'en'],
    ['#收到', 'ack', null],
    ['#ack', 'ack', 'en'],
    ['#received', 'ack', 'en'],
    ['#帮助', 'help', 'zh-CN'],
    ['#幫助', 'help', 'zh-TW'],
    ['#help', 'help', 'en'],
  ] as const)('%s', (text, intent, language) => {
    expect(parse(text)).toEqual({ intent, language, explicit: true });
  });

  it('ignores what follows', () => {
    expect(parse('#收到 谢谢')).toEqual({ intent: 'ack', language: null, explicit: true });
  });
});

describe('staff commands', () => {
  it.each([
    ['#通知 3栋 明天停水', '3栋', '明天停水'],
    ['#notice all Water is off tomorrow', 'all', 'Water is off tomorrow'],
  ])('notice %s', (text, scope, body) => {
    expect(command('notice', text)).toMatchObject({ scope, text: body });
  });

  it.each([
    ['#提醒 每月15日，30日 ０９：００ 三方碰头会', '每月15日,30日', '09:00', '三方碰头会'],
    ['#提醒 每周一 9:30 交水费', '每周一', '09:30', '交水费'],
    ['#remind every Monday 18:00 bins out', 'every Monday', '18:00', 'bins out'],
  ])('reminder %s', (text, schedule, time, body) => {
    expect(command('reminder', text)).toMatchObject({ schedule, time, text: body });
  });

  it('reads createPoll, approve and reject', () => {
    expect(command('createPoll', '#發起投票 週末活動 A.去 B.不去').args).toBe('週末活動 A.去 B.不去');
    expect(command('createPoll', '#newpoll lunch?').language).toBe('en');
    expect(command('approve', '#同意 12').request).toBe(12);
    expect(command('reject', '#拒絕 12，材料不全')).toMatchObject({ request: 12, reason: '材料不全' });
    expect(command('reject', '#reject 12')).not.toHaveProperty('reason');
  });

  it('reports what is missing or malformed', () => {
    expect(failure('#通知')).toEqual({ intent: 'notice', error: 'missingArgument' });
    expect(failure('#通知 全部')).toEqual({ intent: 'notice', error: 'missingArgument' });
    expect(failure('#提醒 每天 开会')).toEqual({ intent: 'reminder', error: 'missingArgument' });
    expect(failure('#提醒 09:00 开会')).toEqual({ intent: 'reminder', error: 'missingArgument' });
    expect(failure('#提醒 每天 09:00')).toEqual({ intent: 'reminder', error: 'missingArgument' });
    expect(failure('#提醒 每天 24:00 开会')).toEqual({ intent: 'reminder', error: 'badNumber' });
    expect(failure('#发起投票')).toEqual({ intent: 'createPoll', error: 'missingArgument' });
    expect(failure('#同意')).toEqual({ intent: 'approve', error: 'missingArgument' });
    expect(failure('#同意 十二')).toEqual({ intent: 'approve', error: 'badNumber' });
    expect(failure('#reject')).toEqual({ intent: 'reject', error: 'missingArgument' });
  });
});

describe('full-width forms', () => {
  it('accepts ＃, full-width letters, digits and the ideographic space', () => {
    expect(command('opinion', '＃ＯＰＩＮＩＯＮ　hello')).toMatchObject({ text: 'hello', language: 'en' });
    expect(command('signup', '＃报名　７')).toMatchObject({ event: 7, explicit: true });
    expect(command('status', '＃進度　ｒ１０２４').ticket).toBe('R1024');
  });
});

describe('mentions', () => {
  it('strips leading mentions separated by ordinary or U+2005 spaces', () => {
    expect(command('signup', '@社区小助手 #报名 7').event).toBe(7);
    expect(command('signup', '@社区小助手\u2005#报名 7').event).toBe(7);
    expect(command('signup', '@张三\u2005@社区小助手\u2005 ＃报名 7').event).toBe(7);
  });

  it('strips a bot name that contains a space or runs into the text, given botNames', () => {
    const options = { mentionsBot: true, botNames: ['Community helper', '社区小助手'] };
    expect(command('opinion', '@Community helper the lift is broken', options).text).toBe(
      'the lift is broken',
    );
    expect(command('help', '@社区小助手#帮助', options).language).toBe('zh-CN');
  });

  it('ignores a message that only mentions someone else', () => {
    expect(parse('@张三 晚上一起吃饭')).toBeNull();
    expect(parse('@张三 1')).toBeNull();
    expect(parse('@张三 A')).toBeNull();
  });
});

describe('implicit ack and vote', () => {
  it('reads a bare 1 as an acknowledgement', () => {
    expect(parse('1')).toEqual({ intent: 'ack', language: null, explicit: false });
    expect(parse(' １ ')).toEqual({ intent: 'ack', language: null, explicit: false });
    expect(parse('#1')).toEqual({ intent: 'ack', language: null, explicit: true });
    expect(parse('@社区小助手 1', { mentionsBot: true })).toMatchObject({ intent: 'ack' });
  });

  it('reads a bare option letter as a vote on the pending poll', () => {
    expect(parse('a')).toEqual({
      intent: 'vote',
      poll: null,
      choices: ['A'],
      language: null,
      explicit: false,
    });
    expect(parse('Ｈ')).toMatchObject({ intent: 'vote', choices: ['H'] });
    expect(parse('#B')).toMatchObject({ intent: 'vote', choices: ['B'], explicit: true });
  });

  it('does not stretch to other short replies', () => {
    for (const text of ['2', '11', 'I', 'AB', '1.', '收到', 'ok']) expect(parse(text), text).toBeNull();
  });
});

describe('unknown commands', () => {
  it('returns the word after #', () => {
    expect(parse('#天气 明天')).toEqual({ intent: 'unknown', word: '天气', language: null, explicit: true });
    expect(parse('＃foo bar')).toMatchObject({ intent: 'unknown', word: 'foo' });
    expect(parse('#12')).toMatchObject({ intent: 'unknown', word: '12' });
  });

  it('shortens a long word', () => {
    expect(parse(`#${'长'.repeat(100)}`)).toMatchObject({ word: '长'.repeat(MAX_UNKNOWN_WORD_LENGTH) });
  });
});

describe('not for the bot', () => {
  it.each([
    '',
    '   ',
    '#',
    '＃ ',
    '今天天气真好',
    '[图片]',
    '收到👍',
    '收到',
    '好的 #意见',
    '@',
    '@ #意见 x',
  ])('%j', (text) => {
    expect(parse(text)).toBeNull();
  });
});

describe('long input', () => {
  const n = 20_000;
  it.each([
    ['opinion', `#意见 ${'路'.repeat(n)}`, { intent: 'opinion', text: '路'.repeat(n) }],
    ['unknown word', `#${'a'.repeat(n)}`, { intent: 'unknown', word: 'a'.repeat(MAX_UNKNOWN_WORD_LENGTH) }],
    ['mentions', `${'@a '.repeat(n / 3)}1`, { intent: 'ack' }],
    ['one long mention', `@${'a'.repeat(n)}`, null],
    ['spaces', `#${' '.repeat(n)}帮助`, { intent: 'help' }],
    ['vote letters', `#投票 1 ${'AB,'.repeat(n / 3)}`, { intent: 'vote', choices: ['A', 'B'] }],
    ['vote letter run', `#投票 1 ${'A'.repeat(n)}1`, { intent: 'vote', error: 'badNumber' }],
    ['reminder words', `#提醒 ${'每天 '.repeat(n / 3)}`, { intent: 'reminder', error: 'missingArgument' }],
    ['address digits', `#绑定 ${'1-'.repeat(n / 2)}`, { intent: 'bind', error: 'badNumber' }],
    ['category colons', `#意见 交通${' '.repeat(n)}:x`, { intent: 'opinion', category: 'transport' }],
  ] as const)('%s', (_name, text, expected) => {
    const started = performance.now();
    const result = parse(text, { mentionsBot: true });
    const elapsed = performance.now() - started;
    if (expected === null) expect(result).toBeNull();
    else expect(result).toMatchObject(expected);
    expect(elapsed).toBeLessThan(200);
  });

  it('chatter', () => {
    const started = performance.now();
    expect(parse('哈'.repeat(n))).toBeNull();
    expect(performance.now() - started).toBeLessThan(200);
  });
});
