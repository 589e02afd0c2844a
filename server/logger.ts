import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths that must never reach a log line, whatever object is logged. */
const REDACT = [
  'secret',
  'password',
  'token',
  'phone',
  '*.secret',
  '*.password',
  '*.token',
  '*.phone',
  // Phone numbers and their stored forms, also inside request bodies and records (`req.body.phone`).
  '*.*.phone',
  'mobile',
  '*.mobile',
  '*.*.mobile',
  'phoneCipher',
  '*.phoneCipher',
  '*.*.phoneCipher',
  'phoneHash',
  '*.phoneHash',
  '*.*.phoneHash',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-gateway-signature"]',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined }, destination);
}
