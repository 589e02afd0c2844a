import { localeSection } from '../section.js';

/** 我的: links to what a resident has going on in each feature. */
export const meLinks = localeSection({
  'zh-CN': {
    title: '我的事项',
    entries: {
      reports: { title: '我的报事', hint: '进度、处理记录和照片' },
      events: { title: '我的活动', hint: '已报名、候补和签到' },
      points: { title: '我的积分', hint: '余额、明细和时间银行' },
      rewards: { title: '积分兑换', hint: '兑换礼品和我的兑换码' },
      polls: { title: '投票', hint: '进行中的投票和结果' },
    },
  },
  'zh-TW': {
    title: '我的事項',
    entries: {
      reports: { title: '我的報事', hint: '進度、處理記錄和照片' },
      events: { title: '我的活動', hint: '已報名、候補和簽到' },
      points: { title: '我的積分', hint: '餘額、明細和時間銀行' },
      rewards: { title: '積分兌換', hint: '兌換禮品和我的兌換碼' },
      polls: { title: '投票', hint: '進行中的投票和結果' },
    },
  },
  en: {
    title: 'My things',
    entries: {
      reports: { title: 'My reports', hint: 'Progress, notes and photos' },
      events: { title: 'My events', hint: 'Signed up, waitlisted, checked in' },
      points: { title: 'My points', hint: 'Balance, history and time bank' },
      rewards: { title: 'Rewards', hint: 'Redeem points and see my codes' },
      polls: { title: 'Polls', hint: 'Open polls and results' },
    },
  },
});
