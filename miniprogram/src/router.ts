/** The mini-app's pages, each at its own hash so the phone's back button and shared links work. */
export const ROUTES = ['opinions', 'me', 'staff', 'staffBindings', 'signIn'] as const;
export type Route = (typeof ROUTES)[number];

export const DEFAULT_ROUTE: Route = 'opinions';

const HASHES: Record<Route, string> = {
  opinions: '#/opinions',
  me: '#/me',
  staff: '#/staff',
  staffBindings: '#/staff/bindings',
  signIn: '#/sign-in',
};

export const hashOf = (route: Route): string => HASHES[route];

/** `#/me`, `#/me/`, `#/me?x=1` → `me`; anything unknown (or empty) → the opinions page. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0]!.replace(/\/+$/, '');
  const found = ROUTES.find((route) => HASHES[route] === `#${path}`);
  return found ?? DEFAULT_ROUTE;
}

/** The page to return to after signing in, kept for the tab so it survives a platform's OAuth round trip. */
const RETURN_KEY = 'app.returnTo';

/** Remembers the page's whole hash, so feature pages with parameters (`#/n/<code>`) come back too. */
export function rememberReturn(storage: Storage | null, hash: string): void {
  if (!isReturnHash(hash)) return;
  try {
    storage?.setItem(RETURN_KEY, hash);
  } catch {
    // Private modes may refuse storage; the user then lands on the default page, which is fine.
  }
}

/** A page of ours other than sign-in: `#/` and a short run of plain characters, nothing else. */
function isReturnHash(hash: string): boolean {
  return /^#\/[\w\-/?=&.%]{0,200}$/.test(hash) && parseHash(hash) !== 'signIn';
}

/** Reads and forgets the remembered page's hash. */
export function takeReturn(storage: Storage | null): string | null {
  try {
    const value = storage?.getItem(RETURN_KEY) ?? null;
    storage?.removeItem(RETURN_KEY);
    return value !== null && isReturnHash(value) ? value : null;
  } catch {
    return null;
  }
}

/** Whether a page is remembered, without forgetting it. */
export function hasReturn(storage: Storage | null): boolean {
  try {
    return storage?.getItem(RETURN_KEY) != null;
  } catch {
    return false;
  }
}

export interface Router {
  current(): Route;
  go(route: Route): void;
  /** Goes to any hash of ours, such as a remembered feature page. */
  goHash(hash: string): void;
  /** Starts calling `onRoute` for the current page and every later change. */
  start(onRoute: (route: Route) => void): void;
}

/** A tiny hash router: the hash is the only state, so reloading shows the same page. */
export function createRouter(win: Window): Router {
  return {
    current: () => parseHash(win.location.hash),
    go(route) {
      this.goHash(hashOf(route));
    },
    goHash(hash) {
      // Setting the same hash fires no event, so re-show the page ourselves.
      if (win.location.hash === hash) win.dispatchEvent(new HashChangeEvent('hashchange'));
      else win.location.hash = hash;
    },
    start(onRoute) {
      win.addEventListener('hashchange', () => onRoute(parseHash(win.location.hash)));
      onRoute(parseHash(win.location.hash));
    },
  };
}
