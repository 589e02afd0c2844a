import { ApiError, type Api } from './api.js';

/** Neither the address nor the server named a community. */
export class NoCommunityError extends Error {
  constructor() {
    super('no community');
    this.name = 'NoCommunityError';
  }
}

/**
 * Links sent to groups carry `?community=`; opened bare (the demo's "open the mini-app" link), the page
 * shows the demo server's community. A real deployment has no demo directory, so that ends in an error.
 */
export async function resolveCommunity(fromUrl: string | null, api: Api): Promise<string> {
  if (fromUrl) return fromUrl;
  const directory = await api.demoDirectory().catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return { community: null };
    throw err;
  });
  if (!directory.community) throw new NoCommunityError();
  return directory.community.code;
}
