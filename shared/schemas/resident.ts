import { z } from 'zod';
import { CHANNELS } from '../messages.js';
import {
  HOUSEHOLD_RELATIONS,
  IDENTITY_KIND_VALUES,
  objectIdSchema,
  ROLES,
  roleAssignmentViewSchema,
  scopeInputSchema,
} from './community.js';

export const residentParamsSchema = z.object({ id: objectIdSchema });

/** `PUT /api/residents/:id/roles`: the resident's complete new list of role assignments. */
export const updateRolesBodySchema = z.object({
  roles: z.array(z.object({ role: z.enum(ROLES), scope: scopeInputSchema })).max(30),
});
export type UpdateRolesBody = z.infer<typeof updateRolesBodySchema>;

export const householdViewSchema = z.object({
  id: z.string(),
  /** `building-unit-room`, e.g. `3-2-501`. */
  address: z.string(),
  compound: z.string(),
  building: z.string(),
  unit: z.string(),
  room: z.string(),
  relation: z.enum(HOUSEHOLD_RELATIONS).nullable(),
  /** m² held as an owner; null for tenants and family. */
  floorArea: z.number().nullable(),
});
export type HouseholdView = z.infer<typeof householdViewSchema>;

/** A resident as the API shows them: the phone number only ever masked. */
export const residentViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** `138****1234`, or null when none is on file. */
  phone: z.string().nullable(),
  communityId: z.string(),
  household: householdViewSchema.nullable(),
  roles: z.array(roleAssignmentViewSchema),
});
export type ResidentView = z.infer<typeof residentViewSchema>;

/** `GET /api/me`: the signed-in resident, their community and the platforms they are bound on. */
export const meViewSchema = z.object({
  resident: residentViewSchema,
  community: z.object({ id: z.string(), code: z.string(), name: z.string() }).nullable(),
  platforms: z.array(
    z.object({ channel: z.enum(CHANNELS), kind: z.enum(IDENTITY_KIND_VALUES), linkedAt: z.string() }),
  ),
});
export type MeView = z.infer<typeof meViewSchema>;

/** `POST /api/auth/demo`: sign in as a seeded resident (demo mode only). */
export const demoSignInBodySchema = z.object({ residentId: objectIdSchema });

/** `GET /api/auth/demo/residents`: whom the demo lets you be. */
export const demoResidentListSchema = z.object({
  residents: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      address: z.string().nullable(),
      roles: z.array(z.enum(ROLES)),
    }),
  ),
});
export type DemoResidentList = z.infer<typeof demoResidentListSchema>;
