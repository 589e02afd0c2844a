import bodyParser from '@koa/bodyparser';
import type Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Container } from './container.js';
import { channelGatewayRouter } from './gateway/channels.routes.js';
import { gatewayRouter } from './gateway/gateway.routes.js';
import type { Logger } from './logger.js';
import { errorHandler } from './middleware/error-handler.js';
import { requestContext } from './middleware/request-context.js';
import { staticMount } from './middleware/static-mount.js';
import { sessions } from './auth/session.js';
import { auditRouter } from './routes/audit/index.js';
import { authRouter } from './routes/auth/index.js';
import { channelsRouter } from './routes/channels/index.js';
import { bindingsRouter } from './routes/bindings/index.js';
import { remindersRouter } from './routes/reminders/index.js';
import { demoRouter } from './routes/demo/index.js';
import { healthRouter, type HealthDeps } from './routes/health/index.js';
import { meRouter } from './routes/me/index.js';
import { noticesRouter } from './routes/notices/index.js';
import { pointsRouter } from './routes/points/index.js';
import { rewardsRouter } from './routes/rewards/index.js';
import { open311Router } from './routes/open311/index.js';
import { reportsRouter } from './routes/reports/index.js';
import { pollsRouter } from './routes/polls/index.js';
import { eventsRouter } from './routes/events/index.js';
import { opinionsRouter } from './routes/opinions/index.js';
import { platformAuthRouter, type PlatformAuthRouterDeps } from './routes/platform-auth/index.js';
import { residentsRouter } from './routes/residents/index.js';
import { rosterRouter } from './routes/roster/index.js';

export const MINIPROGRAM_DIST = path.resolve(fileURLToPath(import.meta.url), '../../miniprogram/dist');

export interface AppOptions {
  log: Logger;
  container: Container;
  engine: HealthDeps['engine'];
  ping: HealthDeps['ping'];
  gatewaySecret: string;
  demo: boolean;
  shutdown: AbortSignal;
  /** Extra pages mounted by the composition root, such as the demo simulator. */
  extra?: Middleware[];
  /** WeCom, DingTalk and WeChat sign-in: the configured providers and the state cookie's key. */
  platformAuth?: Omit<PlatformAuthRouterDeps, 'residents' | 'me'>;
  /** PUBLIC_URL: the origin of links in notices sent over HTTP. */
  publicUrl?: string;
}

/** Composes middleware and routers; no logic lives here. */
export function createApp(options: AppOptions): Koa {
  const { container, log } = options;
  const app = new Koa({ proxy: true });
  app.on('error', (err: unknown, ctx?: Koa.Context) => {
    (ctx?.log ?? log).error({ err, path: ctx?.path }, 'unhandled error');
  });

  const routers: Router[] = [
    healthRouter({ engine: options.engine, ping: options.ping }),
    gatewayRouter({
      secret: options.gatewaySecret,
      processor: container.processor,
      outbox: container.repositories.outbox,
      notifier: container.notifier,
      shutdown: options.shutdown,
    }),
    channelGatewayRouter({
      secret: options.gatewaySecret,
      channels: container.services.channels,
      shutdown: options.shutdown,
    }),
    channelsRouter(container.services),
    authRouter({ residents: container.services.residents, demo: options.demo }),
    meRouter(container.services),
    residentsRouter(container.services),
    rosterRouter(container.services),
    auditRouter(container.services),
    bindingsRouter(container.services),
    remindersRouter(container.services),
    opinionsRouter({ opinions: container.services.opinions, demo: options.demo }),
    pointsRouter(container.services),
    rewardsRouter(container.services),
    noticesRouter({ notices: container.services.notices, publicUrl: options.publicUrl }),
    reportsRouter({ reports: container.services.reports }),
    open311Router({ open311: container.services.open311 }),
    pollsRouter({ polls: container.services.polls, publicUrl: options.publicUrl }),
    eventsRouter({ events: container.services.events, publicUrl: options.publicUrl }),
  ];
  if (options.demo) routers.push(demoRouter(container.repositories));
  if (options.platformAuth) {
    routers.push(
      platformAuthRouter({
        ...options.platformAuth,
        residents: container.repositories.residents,
        me: container.services.residents,
      }),
    );
  }

  app.use(requestContext(log));
  app.use(errorHandler());
  app.use(async (ctx, next) => {
    // The gateway and platform webhooks read their raw bodies to check signatures over the exact bytes.
    if (ctx.path.startsWith('/gateway/') || ctx.path.startsWith('/webhooks/')) return next();
    return bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '256kb' })(ctx, next);
  });
  app.use(sessions(container.sessions));
  for (const middleware of options.extra ?? []) app.use(middleware);
  app.use(staticMount('/app', MINIPROGRAM_DIST));
  app.use(async (ctx, next) => {
    if (ctx.path === '/') return ctx.redirect(options.demo ? '/simulator/' : '/app/');
    return next();
  });
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());
  return app;
}
