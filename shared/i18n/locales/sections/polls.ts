import { localeSection } from '../section.js';

/** Polls: every string this feature shows, in each language. */
export const polls = localeSection({
  'zh-CN': {
    title: '投票',
  },
  'zh-TW': {
    title: '投票',
  },
  en: {
    title: 'Polls',
  },
});
