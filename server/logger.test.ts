import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

describe('logger redaction', () => {
  it('never writes a phone number or its stored forms, at any of the usual depths', () => {
    const { log, lines } = capture();
    log.info(
      {
        phone: '13812341234',
        resident: { phone: '13812341234', phoneCipher: 'v1.secret', phoneHash: 'hash' },
        req: { body: { phone: '13812341234', mobile: '13812341234' } },
      },
      'hello',
    );
    const out = lines.join('');
    expect(out).toContain('hello');
    expect(out).not.toContain('13812341234');
    expect(out).not.toContain('v1.secret');
    expect(out).not.toContain('"hash"');
  });
});
