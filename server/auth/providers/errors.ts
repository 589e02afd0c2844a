import type { Platform } from './types.js';

/**
 * Why a platform call failed. Routes answer `invalid_code` and `unusable_identity` with 401 (the user's
 * sign-in attempt is at fault) and the rest with 502/503 (our configuration or the platform is at fault).
 */
export type PlatformErrorReason = 'invalid_code' | 'unusable_identity' | 'api_error' | 'unavailable';

/**
 * Base of every error a provider throws. Messages name the endpoint path only, never a URL or a query
 * string, and any text that came from outside (platform errmsg, fetch failures) is redacted first,
 * because URLs here carry app secrets, access tokens and users' one-time codes.
 */
export class PlatformError extends Error {
  override name = 'PlatformError';

  constructor(
    readonly platform: Platform,
    readonly reason: PlatformErrorReason,
    /** Endpoint path, e.g. `/cgi-bin/gettoken`. */
    readonly endpoint: string,
    message: string,
    /** The platform's own `errcode` when it sent one. */
    readonly errcode: number | null = null,
  ) {
    super(`${platform} ${endpoint}: ${message}`);
  }

  /** True when the user's code or account is at fault rather than our configuration or the platform. */
  get userFault(): boolean {
    return this.reason === 'invalid_code' || this.reason === 'unusable_identity';
  }
}

/** The platform rejected the one-time code (unknown, expired after 5 minutes, or already used). */
export class InvalidAuthCodeError extends PlatformError {
  override name = 'InvalidAuthCodeError';
  constructor(platform: Platform, endpoint: string, message: string, errcode: number | null = null) {
    super(platform, 'invalid_code', endpoint, message, errcode);
  }
}

/** The exchange succeeded but yielded no identity we may bind (e.g. a WeChat snapshot-mode virtual user). */
export class UnusableIdentityError extends PlatformError {
  override name = 'UnusableIdentityError';
  constructor(platform: Platform, endpoint: string, message: string) {
    super(platform, 'unusable_identity', endpoint, message);
  }
}

/** The platform answered with `errcode` ≠ 0 for a reason other than the user's code (bad secret, rights…). */
export class PlatformApiError extends PlatformError {
  override name = 'PlatformApiError';
  constructor(platform: Platform, endpoint: string, message: string, errcode: number) {
    super(platform, 'api_error', endpoint, message, errcode);
  }
}

/** The platform could not be reached or answered with something that is not its documented JSON. */
export class PlatformUnavailableError extends PlatformError {
  override name = 'PlatformUnavailableError';
  constructor(platform: Platform, endpoint: string, message: string) {
    super(platform, 'unavailable', endpoint, message);
  }
}

const MIN_REDACTED_LENGTH = 4;

/** Replaces every occurrence of the given sensitive values (and their URL-encoded forms) with `***`. */
export function redact(text: string, sensitive: Iterable<string>): string {
  let out = text;
  for (const value of sensitive) {
    if (value.length < MIN_REDACTED_LENGTH) continue;
    for (const form of new Set([
      value,
      encodeURIComponent(value),
      new URLSearchParams({ v: value }).toString().slice(2),
    ])) {
      out = out.split(form).join('***');
    }
  }
  return out;
}
