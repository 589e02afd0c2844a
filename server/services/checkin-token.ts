import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long one QR code is the current one. */
export const CHECKIN_PERIOD_MS = 30_000;
/** Windows before the current one still accepted: a code scanned just before it rotated still counts. */
export const CHECKIN_GRACE_WINDOWS = 1;
/** How far back a code is recognised as genuine-but-expired rather than forged (10 minutes). */
const RECOGNISED_WINDOWS = 20;

export type TokenCheck = { ok: true; window: number } | { ok: false; reason: 'expired' | 'forged' };

/**
 * Signs and checks rotating check-in codes. A code is an HMAC over the event's id and a 30-second
 * window, so the organiser's phone needs no server round-trip per rotation beyond fetching it, and a
 * code photographed and posted elsewhere stops working within a minute.
 */
export class CheckinTokens {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  /** Derives the signing key from a server secret, so no new secret needs configuring. */
  static fromSecret(secret: Buffer, now?: () => number): CheckinTokens {
    return new CheckinTokens(createHmac('sha256', secret).update('event-checkin-token-v1').digest(), now);
  }

  currentWindow(): number {
    return Math.floor(this.now() / CHECKIN_PERIOD_MS);
  }

  /** When `window` stops being the current one. */
  windowEnd(window: number): Date {
    return new Date((window + 1) * CHECKIN_PERIOD_MS);
  }

  /** The token inside the QR code: `<eventId>.<window>.<signature>`. */
  token(eventId: string, window = this.currentWindow()): string {
    return `${eventId}.${window}.${this.mac(eventId, window).subarray(0, 18).toString('base64url')}`;
  }

  /** The six digits shown under the QR code for the same window. */
  code(eventId: string, window = this.currentWindow()): string {
    const mac = this.mac(eventId, window);
    return String(mac.readUInt32BE(20) % 1_000_000).padStart(6, '0');
  }

  /** The event a token names, without trusting it: the caller then verifies it for that event. */
  static eventIdOf(token: string): string | null {
    return /^([0-9a-f]{24})\.\d{1,12}\.[A-Za-z0-9_-]+$/.exec(token)?.[1] ?? null;
  }

  verifyToken(eventId: string, token: string): TokenCheck {
    const match = /^([0-9a-f]{24})\.(\d{1,12})\.([A-Za-z0-9_-]{16,64})$/.exec(token);
    if (!match || match[1] !== eventId) return { ok: false, reason: 'forged' };
    const window = Number(match[2]);
    const given = Buffer.from(match[3]!, 'base64url');
    const expected = this.mac(eventId, window).subarray(0, 18);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'forged' };
    return this.judgeWindow(window);
  }

  verifyCode(eventId: string, code: string): TokenCheck {
    if (!/^\d{6}$/.test(code)) return { ok: false, reason: 'forged' };
    const current = this.currentWindow();
    for (let back = 0; back <= RECOGNISED_WINDOWS; back++) {
      const window = current - back;
      if (safeEqual(this.code(eventId, window), code)) return this.judgeWindow(window);
    }
    return { ok: false, reason: 'forged' };
  }

  private judgeWindow(window: number): TokenCheck {
    const current = this.currentWindow();
    // A window from the future was signed by us but never shown: a clock skew of one window is allowed.
    if (window > current + 1) return { ok: false, reason: 'forged' };
    if (window < current - CHECKIN_GRACE_WINDOWS) return { ok: false, reason: 'expired' };
    return { ok: true, window };
  }

  private mac(eventId: string, window: number): Buffer {
    return createHmac('sha256', this.key).update(`checkin:${eventId}:${window}`).digest();
  }
}

function safeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
