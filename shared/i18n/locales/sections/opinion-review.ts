import { localeSection } from '../section.js';

/** Adopting residents' opinions (意见采纳): the group's reply and the mini-app's adopt button and sheet. */
export const opinionReview = localeSection({
  'zh-CN': {
    chat: {
      adopted: '【意见采纳】{{number}} 已被社区采纳，谢谢您的建议！',
      adoptedWithNote: '【意见采纳】{{number}} 已被社区采纳，谢谢您的建议！\n说明：{{note}}',
    },
    page: {
      adopt: '采纳',
      adoptTitle: '采纳意见 {{code}}？',
      adoptText: '采纳后，提意见的居民会得到积分，原来的群里也会收到消息。',
      noteLabel: '说明（可不填）',
      notePlaceholder: '例如：已列入下次议事会',
      noteCount: '{{count}}/{{max}} 字',
      noteRequired: '请写上说明',
      cancel: '取消',
      note: '采纳说明：{{note}}',
      adopted: '已采纳 {{code}}',
      unchanged: '{{code}} 之前已被采纳',
      failed: '{{code}} 没有采纳成功：{{reason}}',
    },
  },
  'zh-TW': {
    chat: {
      adopted: '【意見採納】{{number}} 已被社區採納，謝謝您的建議！',
      adoptedWithNote: '【意見採納】{{number}} 已被社區採納，謝謝您的建議！\n說明：{{note}}',
    },
    page: {
      adopt: '採納',
      adoptTitle: '採納意見 {{code}}？',
      adoptText: '採納後，提意見的居民會得到積分，原來的群裡也會收到訊息。',
      noteLabel: '說明（可不填）',
      notePlaceholder: '例如：已列入下次議事會',
      noteCount: '{{count}}/{{max}} 字',
      noteRequired: '請寫上說明',
      cancel: '取消',
      note: '採納說明：{{note}}',
      adopted: '已採納 {{code}}',
      unchanged: '{{code}} 之前已被採納',
      failed: '{{code}} 沒有採納成功：{{reason}}',
    },
  },
  en: {
    chat: {
      adopted:
        '[Opinion adopted] {{number}} has been adopted by the community. Thank you for your suggestion!',
      adoptedWithNote:
        '[Opinion adopted] {{number}} has been adopted by the community. Thank you for your suggestion!\nNote: {{note}}',
    },
    page: {
      adopt: 'Adopt',
      adoptTitle: 'Adopt opinion {{code}}?',
      adoptText: 'Its author earns points, and the group it came from is told.',
      noteLabel: 'Note (optional)',
      notePlaceholder: 'e.g. On the agenda of the next committee meeting',
      noteCount: '{{count}}/{{max}} characters',
      noteRequired: 'Please write a note',
      cancel: 'Cancel',
      note: 'Note: {{note}}',
      adopted: '{{code}} adopted',
      unchanged: '{{code}} had already been adopted',
      failed: '{{code}} was not adopted: {{reason}}',
    },
  },
});
