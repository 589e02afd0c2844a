import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signGatewayRequest } from '../../shared/gateway-signature.js';
import type { Channel, InboundMessage, MembershipEvent, OutboundMessage } from '../../shared/messages.js';

export interface ClaimedEntry extends OutboundMessage {
  /** The entry's idempotency key. */
  id: string;
  /** Sent back with the report: proves this worker still holds the entry. */
  claimToken: string;
  attempts: number;
}

export interface DeliveryReport {
  id: string;
  claimToken: string;
  ok: boolean;
  error?: string;
  retryable?: boolean;
  retryAfterMs?: number;
  /** Handed back unsent (sender limit, shutdown): not counted as a failed attempt. */
  deferred?: boolean;
}

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`gateway answered ${status} ${code}`);
    this.name = 'GatewayError';
  }
}

/** Talks to the server's bot gateway over HTTP, signing every request with the shared secret. */
export class GatewayClient {
  constructor(
    /** A function when the server's port is only known after the bot is built (embedded bot). */
    private readonly baseUrl: string | (() => string),
    private readonly secret: string,
  ) {}

  postMessage(message: InboundMessage): Promise<{ status: string }> {
    return this.call('/gateway/messages', { message });
  }

  postMembership(event: MembershipEvent): Promise<{ status: string }> {
    return this.call('/gateway/membership', { event });
  }

  async claim(
    channel: Channel,
    accountId: string,
    options: { max: number; waitMs: number; leaseMs?: number },
    signal?: AbortSignal,
  ): Promise<ClaimedEntry[]> {
    const res = await this.call<{ entries: ClaimedEntry[] }>(
      '/gateway/outbox/claim',
      { channel, accountId, ...options },
      signal,
    );
    return res.entries;
  }

  report(results: DeliveryReport[]): Promise<{ settled: number }> {
    return this.call('/gateway/outbox/report', { results });
  }

  /** The registered channels with their credentials; waits up to `waitMs` while `revision` is current. */
  channels(revision: string | null, waitMs: number, signal?: AbortSignal): Promise<unknown> {
    return this.call('/gateway/channels', { revision, waitMs }, signal);
  }

  private async call<T>(path: string, payload: unknown, signal?: AbortSignal): Promise<T> {
    const body = JSON.stringify(payload);
    const timestamp = String(Date.now());
    const base = typeof this.baseUrl === 'function' ? this.baseUrl() : this.baseUrl;
    const res = await fetch(new URL(path, base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signGatewayRequest(this.secret, timestamp, body),
      },
      body,
      signal,
    });
    const json = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
    if (!res.ok) throw new GatewayError(res.status, json.error?.code ?? 'unknown');
    return json as T;
  }
}
