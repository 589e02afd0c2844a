import { localeSection } from '../section.js';

/** The staff workbench (工作台): one page linking every staff tool. */
export const staffHub = localeSection({
  'zh-CN': {
    title: '工作台',
    intro: '您有权使用的工具',
    none: '您目前没有需要处理的工作',
    entries: {
      bindings: { title: '绑定审核', hint: '居民绑定住户的申请' },
      notices: { title: '通知', hint: '发通知、看送达和已读' },
      reports: { title: '报事工单', hint: '受理、派单、跟进' },
      reportsDashboard: { title: '报事统计', hint: '按类别、按周的报事数量' },
      events: { title: '活动', hint: '发布活动、签到二维码、出勤' },
      polls: { title: '投票表决', hint: '发起投票、看投票率和结果' },
      points: { title: '积分规则', hint: '积分规则、发放与扣减' },
      merchant: { title: '商户核销', hint: '核销居民的兑换码' },
    },
  },
  'zh-TW': {
    title: '工作台',
    intro: '您有權使用的工具',
    none: '您目前沒有需要處理的工作',
    entries: {
      bindings: { title: '綁定審核', hint: '居民綁定住戶的申請' },
      notices: { title: '通知', hint: '發通知、看送達和已讀' },
      reports: { title: '報事工單', hint: '受理、派單、跟進' },
      reportsDashboard: { title: '報事統計', hint: '按類別、按週的報事數量' },
      events: { title: '活動', hint: '發佈活動、簽到二維碼、出勤' },
      polls: { title: '投票表決', hint: '發起投票、看投票率和結果' },
      points: { title: '積分規則', hint: '積分規則、發放與扣減' },
      merchant: { title: '商戶核銷', hint: '核銷居民的兌換碼' },
    },
  },
  en: {
    title: 'Workbench',
    intro: 'The tools you may use',
    none: 'Nothing for you to handle at the moment',
    entries: {
      bindings: { title: 'Binding requests', hint: "Residents' requests to bind a household" },
      notices: { title: 'Notices', hint: 'Send notices, see delivery and reads' },
      reports: { title: 'Reports', hint: 'Accept, assign, follow up' },
      reportsDashboard: { title: 'Report statistics', hint: 'Reports by category and by week' },
      events: { title: 'Events', hint: 'Publish events, check-in QR, attendance' },
      polls: { title: 'Polls and votes', hint: 'Start a poll, see turnout and results' },
      points: { title: 'Points rules', hint: 'Rules, grants and deductions' },
      merchant: { title: 'Merchant', hint: "Confirm residents' redemption codes" },
    },
  },
});
