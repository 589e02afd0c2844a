import Router from '@koa/router';
import { z } from 'zod';
import { CHANNELS } from '../../../shared/messages.js';
import { parseOrThrow } from '../../middleware/validate.js';
import type { CommunityRepository } from '../../repositories/community.repository.js';
import type { GroupRepository } from '../../repositories/group.repository.js';
import type { ResidentRepository } from '../../repositories/resident.repository.js';

const querySchema = z.object({ channel: z.enum(CHANNELS).default('simulator') });

/** Demo mode only: the seeded cast and groups, so the simulator can play them. */
export function demoRouter(deps: {
  communities: CommunityRepository;
  groups: GroupRepository;
  residents: ResidentRepository;
}): Router {
  const router = new Router({ prefix: '/api/demo' });
  router.get('/directory', async (ctx) => {
    const { channel } = parseOrThrow(querySchema, ctx.query);
    const [communities, residents, groups] = await Promise.all([
      deps.communities.list(1),
      deps.residents.personas(channel),
      deps.groups.listByChannel(channel),
    ]);
    ctx.body = {
      community: communities[0] ?? null,
      residents: residents.map((r) => ({ platformId: r.platformId, name: r.name, address: r.address })),
      groups: groups.map((g) => ({ platformGroupId: g.platformGroupId, name: g.name, language: g.language })),
    };
  });
  return router;
}
