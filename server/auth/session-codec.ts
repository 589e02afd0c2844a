import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const SESSION_COOKIE = 'nb_session';

const payloadSchema = z.object({
  v: z.literal(1),
  /** Resident id. */
  sub: z.string().regex(/^[0-9a-f]{24}$/),
  /** Issued and expiry times, seconds since the epoch. */
  iat: z.number().int(),
  exp: z.number().int(),
});
export type SessionPayload = z.infer<typeof payloadSchema>;

export type SessionCheck =
  | { kind: 'valid'; payload: SessionPayload }
  | { kind: 'invalid' }
  | { kind: 'expired'; payload: SessionPayload };

const b64url = (buf: Buffer) => buf.toString('base64url');

/**
 * Session cookies: `<base64url(JSON payload)>.<base64url(HMAC-SHA256(secret, first part))>`. Stateless,
 * so checking one costs no query; the resident is still loaded per request, so a deleted resident's
 * session stops working at once.
 */
export class SessionCodec {
  constructor(
    private readonly secret: Buffer,
    readonly ttlMs: number,
  ) {}

  encode(residentId: string, now = Date.now()): { value: string; expiresAt: Date } {
    const iat = Math.floor(now / 1000);
    const exp = Math.floor((now + this.ttlMs) / 1000);
    const payload: SessionPayload = { v: 1, sub: residentId, iat, exp };
    const body = b64url(Buffer.from(JSON.stringify(payload)));
    return { value: `${body}.${this.sign(body)}`, expiresAt: new Date(exp * 1000) };
  }

  decode(value: string, now = Date.now()): SessionCheck {
    const [body, signature, extra] = value.split('.');
    if (!body || !signature || extra !== undefined) return { kind: 'invalid' };
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'invalid' };
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return { kind: 'invalid' };
    }
    const parsed = payloadSchema.safeParse(json);
    if (!parsed.success) return { kind: 'invalid' };
    if (parsed.data.exp * 1000 <= now) return { kind: 'expired', payload: parsed.data };
    return { kind: 'valid', payload: parsed.data };
  }

  private sign(body: string): string {
    return b64url(createHmac('sha256', this.secret).update(body).digest());
  }
}
