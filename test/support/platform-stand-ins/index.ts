export { startDingtalkStandIn } from './dingtalk.js';
export type { DingtalkStandIn, DingtalkStandInOptions, DingtalkUser } from './dingtalk.js';
export { startStandIn } from './stand-in-server.js';
export type { StandIn, StandInReply, StandInRequest } from './stand-in-server.js';
export { startWechatStandIn } from './wechat.js';
export type { WechatStandIn, WechatStandInOptions, WechatUser } from './wechat.js';
export { startWecomStandIn } from './wecom.js';
export type { WecomStandIn, WecomStandInOptions, WecomUser } from './wecom.js';
export { expectNoLeak, rejectionOf } from './leaks.js';
