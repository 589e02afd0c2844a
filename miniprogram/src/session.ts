import type { Role } from '../../shared/schemas/community.js';
import type { MeView } from '../../shared/schemas/resident.js';
import type { Api } from './api.js';

/** Roles whose holders may approve or reject binding requests (policy action `binding.decide`). */
export const BINDING_DECIDER_ROLES: readonly Role[] = ['buildingLead', 'secretary', 'admin'];

export const canDecideBindings = (me: MeView | null): boolean =>
  me !== null && me.resident.roles.some((r) => BINDING_DECIDER_ROLES.includes(r.role));

/** Who is signed in, as far as the page knows; the tab bar and the pages listen to changes. */
export interface Session {
  current(): MeView | null;
  set(me: MeView | null): void;
  /** Asks the server without sending anyone to sign in; a failed call leaves the state as it was. */
  load(): Promise<MeView | null>;
  onChange(listener: (me: MeView | null) => void): void;
}

export function createSession(api: Pick<Api, 'me'>): Session {
  let me: MeView | null = null;
  const listeners: ((me: MeView | null) => void)[] = [];
  const session: Session = {
    current: () => me,
    set(next) {
      me = next;
      for (const listener of listeners) listener(me);
    },
    async load() {
      try {
        session.set(await api.me({ quiet: true }));
      } catch {
        // Offline or a server error: the pages show their own errors; the tabs keep what they had.
      }
      return me;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
  return session;
}
