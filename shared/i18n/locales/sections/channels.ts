import { localeSection } from '../section.js';

/** Channels admins register besides the environment's defaults: WeCom and DingTalk apps and robots. */
export const channels = localeSection({
  'zh-CN': {
    what: { channel: '该渠道' },
    kinds: {
      wecomApp: '企业微信应用',
      wecomRobot: '企业微信群机器人',
      dingtalkApp: '钉钉机器人应用',
      dingtalkRobot: '钉钉自定义机器人',
    },
    errors: {
      unknownChannel: '找不到这个接入渠道，请检查回调地址',
      groupTaken: '群 {{group}} 已经有机器人了，请先删除原来的',
      wecomOff: '本服务器没有开通企业微信，请先配置 WECOM_CORP_ID、WECOM_TOKEN 和 WECOM_AES_KEY',
      dingtalkOff: '本服务器没有开通钉钉，请先配置 DINGTALK_APP_KEY 和 DINGTALK_APP_SECRET',
      webhookRefused: '机器人地址不可用：{{reason}}',
    },
  },
  'zh-TW': {
    what: { channel: '該渠道' },
    kinds: {
      wecomApp: '企業微信應用',
      wecomRobot: '企業微信群組機器人',
      dingtalkApp: '釘釘機器人應用',
      dingtalkRobot: '釘釘自訂機器人',
    },
    errors: {
      unknownChannel: '找不到這個接入渠道，請檢查回呼網址',
      groupTaken: '群組 {{group}} 已經有機器人了，請先刪除原來的',
      wecomOff: '本伺服器沒有開通企業微信，請先設定 WECOM_CORP_ID、WECOM_TOKEN 和 WECOM_AES_KEY',
      dingtalkOff: '本伺服器沒有開通釘釘，請先設定 DINGTALK_APP_KEY 和 DINGTALK_APP_SECRET',
      webhookRefused: '機器人網址不可用：{{reason}}',
    },
  },
  en: {
    what: { channel: 'this channel' },
    kinds: {
      wecomApp: 'WeCom app',
      wecomRobot: 'WeCom group robot',
      dingtalkApp: 'DingTalk robot app',
      dingtalkRobot: 'DingTalk custom robot',
    },
    errors: {
      unknownChannel: 'No such channel; check the callback URL',
      groupTaken: 'Group {{group}} already has a robot; remove that one first',
      wecomOff:
        'WeCom is not set up on this server; configure WECOM_CORP_ID, WECOM_TOKEN and WECOM_AES_KEY first',
      dingtalkOff:
        'DingTalk is not set up on this server; configure DINGTALK_APP_KEY and DINGTALK_APP_SECRET first',
      webhookRefused: 'The robot webhook cannot be used: {{reason}}',
    },
  },
});
