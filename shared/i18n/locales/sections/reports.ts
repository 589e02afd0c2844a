import { localeSection } from '../section.js';

/** Reports: every string this feature shows, in each language. */
export const reports = localeSection({
  'zh-CN': {
    title: '报事',
  },
  'zh-TW': {
    title: '報事',
  },
  en: {
    title: 'Reports',
  },
});
