/** An error that knows its HTTP status, a stable code and the i18n key that explains it. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageKey: string,
    readonly params: Record<string, string | number> = {},
    /** Translated later; an i18n key inside params (e.g. `what`) is resolved first. */
    readonly translateParams: readonly string[] = [],
  ) {
    super(code);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, messageKey: string, params: Record<string, string | number> = {}) =>
  new AppError(400, code, messageKey, params);

export const validationFailed = (details: string) =>
  new AppError(400, 'validation_failed', 'errors.validation', { details });

export const unauthorized = (code = 'unauthorized', messageKey = 'errors.unauthorized') =>
  new AppError(401, code, messageKey);

export const forbidden = () => new AppError(403, 'forbidden', 'errors.forbidden');

/** `what` is an i18n key under `what.` naming the missing thing. */
export const notFound = (what: string) =>
  new AppError(404, 'not_found', 'errors.notFound', { what: `what.${what}` }, ['what']);

export const serviceUnavailable = (code: string, messageKey: string) => new AppError(503, code, messageKey);
