import { localeSection } from '../section.js';

/** Neighbourhood points: every string this feature shows, in each language. */
export const points = localeSection({
  'zh-CN': {
    title: '邻里积分',
  },
  'zh-TW': {
    title: '鄰里積分',
  },
  en: {
    title: 'Neighbourhood points',
  },
});
