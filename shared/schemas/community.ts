import { z } from 'zod';
import { CHANNELS, type Channel } from '../messages.js';

/** Roles a resident may hold; each assignment is held within one scope. */
export const ROLES = [
  'resident',
  'owner',
  'tenant',
  'buildingLead',
  'gridWorker',
  'volunteer',
  'partyMember',
  'secretary',
  'committeeMember',
  'propertyStaff',
  'merchant',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** The community tree from the top: community → compound → building → household. */
export const SCOPE_KINDS = ['community', 'compound', 'building', 'household'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** Where each role makes sense; a role held anywhere else is refused as bad input. */
export const ROLE_SCOPE_KINDS: Record<Role, readonly ScopeKind[]> = {
  resident: ['community'],
  owner: ['household'],
  tenant: ['household'],
  buildingLead: ['building'],
  gridWorker: ['compound', 'building'],
  volunteer: ['community'],
  partyMember: ['community'],
  secretary: ['community'],
  committeeMember: ['community', 'compound'],
  propertyStaff: ['community', 'compound'],
  merchant: ['community'],
  admin: ['community'],
};

/** How a resident belongs to their household. */
export const HOUSEHOLD_RELATIONS = ['owner', 'tenant', 'family'] as const;
export type HouseholdRelation = (typeof HOUSEHOLD_RELATIONS)[number];

/** Which account namespace a platform id belongs to, per channel. */
export const IDENTITY_KINDS = {
  /** Wechaty contact id (what group messages carry) and the web OAuth openid. */
  wechat: ['contactId', 'openid'],
  wecom: ['userid', 'externalUserid'],
  dingtalk: ['staffId', 'unionId'],
  simulator: ['simulator'],
} as const satisfies Record<Channel, readonly string[]>;
export type IdentityKind = (typeof IDENTITY_KINDS)[Channel][number];
export const IDENTITY_KIND_VALUES = [
  ...new Set(CHANNELS.flatMap((c) => IDENTITY_KINDS[c])),
] as IdentityKind[];

export const isIdentityKindOf = (channel: Channel, kind: string): kind is IdentityKind =>
  (IDENTITY_KINDS[channel] as readonly string[]).includes(kind);

/** Compound and building codes become segments of scope ids, so they never contain `/`. */
export const SCOPE_CODE = /^[A-Za-z0-9_-]{1,32}$/;
export const scopeCodeSchema = z.string().regex(SCOPE_CODE);

export const objectIdSchema = z.string().regex(/^[0-9a-f]{24}$/, 'expected a 24-character hex id');

/** `building-unit-room`, e.g. `3-2-501`. */
export const ADDRESS = /^[A-Za-z0-9]{1,6}-[A-Za-z0-9]{1,6}-[A-Za-z0-9]{1,6}$/;

/** Floor area in m² with at most two decimals, as an owner's vote weight needs it. */
export const floorAreaSchema = z
  .number()
  .positive()
  .max(100_000)
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'at most two decimals');

/** A scope named relative to the resident's own community, as staff pick it in the mini-app. */
export const scopeInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('community') }),
  z.object({ kind: z.literal('compound'), compound: scopeCodeSchema }),
  z.object({ kind: z.literal('building'), compound: scopeCodeSchema, building: scopeCodeSchema }),
  z.object({ kind: z.literal('household'), householdId: objectIdSchema }),
]);
export type ScopeInput = z.infer<typeof scopeInputSchema>;

/** One role held within one scope, as the API shows it. */
export const roleAssignmentViewSchema = z.object({
  role: z.enum(ROLES),
  scopeKind: z.enum(SCOPE_KINDS),
  /** The scope's path id: `<communityId>[/<compound>[/<building>[/<householdId>]]]`. */
  scopeId: z.string(),
  compound: z.string().nullable(),
  building: z.string().nullable(),
  householdId: z.string().nullable(),
});
export type RoleAssignmentView = z.infer<typeof roleAssignmentViewSchema>;
