import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { channelSettings } from './platform-config.js';

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const load = (env: Record<string, string>) => loadConfig(env, () => 'generated-gateway-secret-0123456789');
const problemsOf = (env: Record<string, string>): string => {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
};

const WECOM_CHANNEL = { WECOM_CORP_ID: 'ww7ca4776b2a70000', WECOM_TOKEN: 'tok3n', WECOM_AES_KEY: AES_KEY };
const DINGTALK = { DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'dingsecret' };

describe('demo mode', () => {
  it('is on by itself only when no real platform is configured', () => {
    expect(load({}).DEMO).toBe(true);
    const platforms: Record<string, string>[] = [
      { WECHATY_PUPPET: 'wechaty-puppet-service' },
      WECOM_CHANNEL,
      { WECOM_CORP_ID: 'ww1', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 's' },
      DINGTALK,
      { WECHAT_APP_ID: 'wx1', WECHAT_APP_SECRET: 's' },
    ];
    for (const env of platforms) {
      expect(load(env).DEMO, JSON.stringify(env)).toBe(false);
    }
    // A corp id alone is shared by several features and sets up no platform.
    expect(load({ WECOM_CORP_ID: 'ww1' }).DEMO).toBe(true);
  });

  it('is never on by itself in production, and stays available when asked for', () => {
    expect(load({ NODE_ENV: 'production' }).DEMO).toBe(false);
    expect(load({ NODE_ENV: 'production', DEMO: 'true' }).DEMO).toBe(true);
    expect(load({ ...DINGTALK, DEMO: 'true' }).DEMO).toBe(true);
  });
});

describe('platform settings', () => {
  it('treats blank variables as unset', () => {
    const config = load({ WECOM_TOKEN: ' ', WECOM_AES_KEY: '', DINGTALK_APP_KEY: '', WECOM_BOT_NAMES: '' });
    expect(config.WECOM_TOKEN).toBeUndefined();
    expect(config.WECOM_BOT_NAMES).toEqual([]);
    expect(channelSettings(config)).toEqual({});
  });

  it('names every missing or malformed setting in one message', () => {
    const message = problemsOf({
      WECOM_TOKEN: 'tok3n',
      WECOM_AES_KEY: 'too-short',
      WECOM_ROBOT_TOKEN: 'robot',
      DINGTALK_APP_KEY: 'dingkey',
      WECHAT_APP_SECRET: 's',
    });
    expect(message).toContain('WECOM_CORP_ID: required for the WeCom channel');
    expect(message).toContain('WECOM_AES_KEY: must be the 43-character EncodingAESKey');
    expect(message).toContain('WECOM_ROBOT_AES_KEY: the robot callback needs both');
    expect(message).toContain('DINGTALK_APP_SECRET: required when DINGTALK_APP_KEY is set');
    expect(message).toContain('WECHAT_APP_ID: required when WECHAT_APP_SECRET is set');
  });

  it('refuses robot maps that are not valid JSON of the documented shape', () => {
    expect(problemsOf({ ...WECOM_CHANNEL, WECOM_GROUP_ROBOTS: '{"wrOg1": 5}' })).toContain(
      'WECOM_GROUP_ROBOTS: must be a JSON object from group chatid to robot webhook key or URL',
    );
    expect(
      problemsOf({ ...WECOM_CHANNEL, WECOM_GROUP_ROBOTS: '{"wrOg1": "https://x.example/no-key"}' }),
    ).toContain('neither a webhook key nor a webhook URL');
    expect(problemsOf({ ...DINGTALK, DINGTALK_ROBOTS: '{"cid": "x"}' })).toContain(
      'DINGTALK_ROBOTS: must be a JSON array of {conversationId, webhookUrl, secret}',
    );
  });

  it('refuses a DingTalk robot the allowlist would never let the server post to', () => {
    const robots = JSON.stringify([
      { conversationId: 'cid1', webhookUrl: 'https://evil.example/robot/send?access_token=t' },
    ]);
    expect(problemsOf({ ...DINGTALK, DINGTALK_ROBOTS: robots })).toContain(
      'DINGTALK_ROBOTS: robot of cid1: host evil.example is not on the webhook allowlist',
    );
    expect(
      load({ ...DINGTALK, DINGTALK_ROBOTS: robots, DINGTALK_WEBHOOK_ALLOWLIST: 'evil.example' })
        .DINGTALK_ROBOTS,
    ).toBe(robots);
  });

  it('refuses channel settings without their channel, and Stream mode without the app', () => {
    const message = problemsOf({
      WECOM_GROUP_ROBOTS: '{}',
      WECOM_BOT_NAMES: '小助手',
      DINGTALK_STREAM: 'true',
    });
    expect(message).toContain('WECOM_GROUP_ROBOTS: only used with the WeCom channel');
    expect(message).toContain('WECOM_BOT_NAMES: only used with the WeCom channel');
    expect(message).toContain('DINGTALK_STREAM: Stream mode is only used with the DingTalk channel');
  });

  it('hands the embedded bot each configured channel, with test stand-ins in place of WeCom', () => {
    const config = load({
      ...WECOM_CHANNEL,
      ...DINGTALK,
      WECOM_ROBOT_TOKEN: 'robot-token',
      WECOM_ROBOT_AES_KEY: AES_KEY.split('').reverse().join(''),
      WECOM_GROUP_ROBOTS: '{"wrOg1":"693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa"}',
      WECOM_BOT_NAMES: '社区小助手, helper',
      DINGTALK_STREAM: 'yes',
      DINGTALK_WEBHOOK_ALLOWLIST: 'oapi.dingtalk.com, 127.0.0.1:9999',
    });
    expect(channelSettings(config, { wecomRobot: 'http://127.0.0.1:1234' })).toEqual({
      wecom: {
        corpId: 'ww7ca4776b2a70000',
        token: 'tok3n',
        encodingAesKey: AES_KEY,
        robotCallback: { token: 'robot-token', encodingAesKey: AES_KEY.split('').reverse().join('') },
        groupRobots: '{"wrOg1":"693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa"}',
        botNames: ['社区小助手', 'helper'],
        allowedOrigins: ['http://127.0.0.1:1234'],
      },
      dingtalk: {
        appKey: 'dingkey',
        appSecret: 'dingsecret',
        stream: true,
        webhookAllowlist: ['oapi.dingtalk.com', '127.0.0.1:9999'],
        robots: undefined,
      },
    });
    // Without an override WeCom robots may only be WeCom's own.
    expect(channelSettings(config).wecom?.allowedOrigins).toBeUndefined();
  });
});
