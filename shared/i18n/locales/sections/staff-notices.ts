import { localeSection } from '../section.js';

/** Notices: every string this feature shows, in each language. */
export const staffNotices = localeSection({
  'zh-CN': {
    title: '通知管理',
  },
  'zh-TW': {
    title: '通知管理',
  },
  en: {
    title: 'Notices',
  },
});
