import type { ScopeKind } from '../../shared/schemas/community.js';

/**
 * A scope id is the path from the community down: `<communityId>`, `<communityId>/<compound>`,
 * `<communityId>/<compound>/<building>` or `<communityId>/<compound>/<building>/<householdId>`.
 * Containment is then a prefix test, so no check ever needs the community tree or a query.
 */
export type ScopeId = string;

export const scopeId = {
  community: (communityId: string): ScopeId => communityId,
  compound: (communityId: string, compound: string): ScopeId => `${communityId}/${compound}`,
  building: (communityId: string, compound: string, building: string): ScopeId =>
    `${communityId}/${compound}/${building}`,
  household: (communityId: string, compound: string, building: string, householdId: string): ScopeId =>
    `${communityId}/${compound}/${building}/${householdId}`,
};

const KIND_BY_DEPTH: readonly ScopeKind[] = ['community', 'compound', 'building', 'household'];

export interface ParsedScope {
  kind: ScopeKind;
  communityId: string;
  compound: string | null;
  building: string | null;
  householdId: string | null;
}

export function parseScope(id: ScopeId): ParsedScope {
  const parts = id.split('/');
  const kind = KIND_BY_DEPTH[parts.length - 1];
  if (!kind || parts.some((p) => p.length === 0)) throw new Error(`malformed scope id "${id}"`);
  return {
    kind,
    communityId: parts[0]!,
    compound: parts[1] ?? null,
    building: parts[2] ?? null,
    householdId: parts[3] ?? null,
  };
}

export const scopeKindOf = (id: ScopeId): ScopeKind => parseScope(id).kind;

export const communityOf = (id: ScopeId): string => id.split('/', 1)[0]!;

/** Whether `outer` is `inner` or one of its ancestors. */
export const covers = (outer: ScopeId, inner: ScopeId): boolean =>
  inner === outer || inner.startsWith(`${outer}/`);
