import Router from '@koa/router';

export interface HealthDeps {
  engine: { kind: string; describe(): string };
  ping(): Promise<'up' | 'down'>;
}

/** Liveness and the engine's state, for load balancers and for people. */
export function healthRouter(deps: HealthDeps): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    const state = await deps.ping();
    ctx.status = state === 'up' ? 200 : 503;
    ctx.body = {
      status: state === 'up' ? 'ok' : 'degraded',
      engine: { kind: deps.engine.kind, state },
      uptimeSeconds: Math.round(process.uptime()),
    };
  });
  return router;
}
