import Router from '@koa/router';
import type { Context } from 'koa';
import {
  issueOpen311KeySchema,
  open311PostSchema,
  open311QuerySchema,
  type Open311Error,
  type Open311Format,
} from '../../../shared/schemas/open311.js';
import { auth } from '../../auth/session.js';
import { describeIssues, parseOrThrow } from '../../middleware/validate.js';
import { actorOf } from '../../policy/authorize.js';
import { Open311Failure, type Open311ReportService } from '../../services/report-open311.service.js';
import { toXml } from './xml.js';

/** `services.json` → ['services', 'json']; null for any other extension. */
function splitFormat(file: string): { name: string; format: Open311Format } | null {
  const match = /^(.+)\.(json|xml)$/.exec(file);
  return match ? { name: match[1]!, format: match[2] as Open311Format } : null;
}

/** What each XML list's root and item elements are called in the spec. */
const XML_NAMES = {
  services: ['services', 'service'],
  requests: ['service_requests', 'request'],
  errors: ['errors', 'error'],
} as const;

function send(
  ctx: Context,
  format: Open311Format,
  kind: keyof typeof XML_NAMES,
  body: unknown,
  status = 200,
) {
  ctx.status = status;
  if (format === 'xml') {
    const [root, item] = XML_NAMES[kind];
    ctx.type = 'text/xml; charset=utf-8';
    ctx.body = toXml(root, item, body as unknown[]);
  } else {
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = JSON.stringify(body);
  }
}

function sendError(ctx: Context, format: Open311Format, status: 400 | 403 | 404, description: string) {
  const errors: Open311Error[] = [{ code: status, description }];
  send(ctx, format, 'errors', errors, status);
}

/**
 * Open311 GeoReport v2 at `/open311/v2/`: `services.{json,xml}`, `services/{code}.{json,xml}`,
 * `requests.{json,xml}` (GET, and POST form-encoded with `api_key`), `requests/{id}.{json,xml}`.
 * Errors are the spec's array of `{code, description}`. Admins issue keys at `POST /api/open311/keys`.
 */
export function open311Router(deps: { open311: Open311ReportService }): Router {
  const router = new Router();
  const api = deps.open311;

  /** Runs a handler and turns failures into the spec's error list in the requested format. */
  const handle =
    (work: (ctx: Context, format: Open311Format, name: string) => Promise<void> | void) =>
    async (ctx: Context) => {
      const parsed = splitFormat(String(ctx.params.file ?? ''));
      if (!parsed) return sendError(ctx, 'json', 404, ctx.t('errors.routeNotFound'));
      try {
        await work(ctx, parsed.format, parsed.name);
      } catch (err) {
        if (err instanceof Open311Failure) return sendError(ctx, parsed.format, err.status, err.description);
        const validation = err instanceof Error && 'code' in err && err.code === 'validation_failed';
        if (validation) {
          const details = String((err as { params?: { details?: string } }).params?.details ?? '');
          return sendError(ctx, parsed.format, 400, ctx.t('errors.validation', { details }));
        }
        throw err;
      }
    };

  router.get(
    '/open311/v2/:file',
    handle((ctx, format, name) => {
      if (name !== 'services' && name !== 'requests')
        throw new Open311Failure(404, ctx.t('errors.routeNotFound'));
      if (name === 'services') return send(ctx, format, 'services', api.services(ctx.language));
      const query = parseOrThrow(open311QuerySchema, ctx.query);
      return api.list(query, ctx.language).then((list) => send(ctx, format, 'requests', list));
    }),
  );

  router.post(
    '/open311/v2/:file',
    handle(async (ctx, format, name) => {
      if (name !== 'requests') throw new Open311Failure(404, ctx.t('errors.routeNotFound'));
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      // The key is checked before anything else, so a keyless client learns nothing about the input.
      const key = typeof body.api_key === 'string' ? body.api_key : undefined;
      if (!(await api.communityOfKey(key))) throw new Open311Failure(403, ctx.t('errors.unauthorized'));
      const result = open311PostSchema.safeParse(body);
      if (!result.success)
        throw new Open311Failure(400, ctx.t('errors.validation', { details: describeIssues(result.error) }));
      send(ctx, format, 'requests', await api.create(result.data, ctx.language), 201);
    }),
  );

  router.get(
    '/open311/v2/services/:file',
    handle((ctx, format, code) => {
      const definition = api.definition(code, ctx.language);
      if (format === 'xml') {
        ctx.type = 'text/xml; charset=utf-8';
        ctx.body = toXml('service_definition', null, definition);
      } else ctx.body = definition;
    }),
  );

  router.get(
    '/open311/v2/requests/:file',
    handle(async (ctx, format, id) => {
      send(ctx, format, 'requests', await api.one(id, ctx.language));
    }),
  );

  router.post('/api/open311/keys', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { name } = parseOrThrow(issueOpen311KeySchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await api.issueKey(actor, name);
  });

  return router;
}
