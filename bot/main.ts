import { z } from 'zod';
import pino from 'pino';
import { createBot } from './start.js';

/** A bot process on its own (e.g. one per WeChat account), talking to a server's gateway over HTTP. */
const env = z
  .object({
    GATEWAY_URL: z.url(),
    GATEWAY_SECRET: z.string().min(16),
    WECHATY_PUPPET: z.string().min(1),
    WECHATY_PUPPET_SERVICE_TOKEN: z.string().optional(),
    WECHATY_NAME: z.string().default('wechat'),
    LOG_LEVEL: z.string().default('info'),
  })
  .safeParse(process.env);

if (!env.success) {
  console.error(
    `Invalid configuration: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
  process.exit(2);
}
const config = env.data;
const log = pino({ level: config.LOG_LEVEL, redact: ['*.token', '*.secret'] });
const { bot } = await createBot({
  gatewayUrl: config.GATEWAY_URL,
  gatewaySecret: config.GATEWAY_SECRET,
  simulator: false,
  wechatyPuppet: config.WECHATY_PUPPET,
  wechatyPuppetToken: config.WECHATY_PUPPET_SERVICE_TOKEN,
  wechatyName: config.WECHATY_NAME,
  log,
});
await bot.start();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'stopping bot');
    bot.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
