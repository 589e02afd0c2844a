import { describe, expect, it } from 'vitest';
import { DEFAULT_DINGTALK_WEBHOOK_HOSTS, checkWebhookUrl } from './webhook-allowlist.js';

const allowed = (url: string, list: readonly string[] = DEFAULT_DINGTALK_WEBHOOK_HOSTS) =>
  checkWebhookUrl(url, list).ok;

describe('checkWebhookUrl', () => {
  it('allows DingTalk session webhooks and robots by default', () => {
    expect(allowed('https://oapi.dingtalk.com/robot/sendBySession?session=3dc99816')).toBe(true);
    expect(allowed('https://oapi.dingtalk.com/robot/send?access_token=abc')).toBe(true);
    expect(allowed('https://api.dingtalk.com/v1.0/robot/oToMessages/batchSend')).toBe(true);
    expect(allowed('https://OAPI.DingTalk.com/robot/send')).toBe(true);
  });

  it('refuses look-alike and smuggled hosts', () => {
    for (const url of [
      'https://oapi.dingtalk.com.evil.example/robot/send',
      'https://evil.example/oapi.dingtalk.com/robot/send',
      'https://oapi.dingtalk.com@evil.example/robot/send',
      'https://evil.example/?u=https://oapi.dingtalk.com',
      'https://dingtalk.com/robot/send',
      'https://169.254.169.254/latest/meta-data',
      'not a url',
    ]) {
      expect(allowed(url), url).toBe(false);
    }
  });

  it('refuses credentials and plain HTTP to allowed public hosts', () => {
    expect(allowed('https://user:pw@oapi.dingtalk.com/robot/send')).toBe(false);
    expect(allowed('http://oapi.dingtalk.com/robot/send')).toBe(false);
    expect(allowed('ftp://oapi.dingtalk.com/robot/send')).toBe(false);
  });

  it('allows plain HTTP only to a loopback host someone listed', () => {
    expect(allowed('http://127.0.0.1:4000/robot/send')).toBe(false);
    expect(allowed('http://127.0.0.1:4000/robot/send', ['127.0.0.1'])).toBe(true);
    expect(allowed('http://localhost:4000/robot/send', ['127.0.0.1'])).toBe(false);
  });

  it('matches host:port entries on the port too', () => {
    expect(allowed('http://127.0.0.1:4000/x', ['127.0.0.1:4000'])).toBe(true);
    expect(allowed('http://127.0.0.1:4001/x', ['127.0.0.1:4000'])).toBe(false);
  });
});
