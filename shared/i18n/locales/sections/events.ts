import { localeSection } from '../section.js';

/** Community events: every string this feature shows, in each language. */
export const events = localeSection({
  'zh-CN': {
    title: '社区活动',
  },
  'zh-TW': {
    title: '社區活動',
  },
  en: {
    title: 'Community events',
  },
});
