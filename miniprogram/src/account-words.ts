import type { TFunction } from 'i18next';
import type { RoleAssignmentView } from '../../shared/schemas/community.js';
import type { HouseholdView, MeView } from '../../shared/schemas/resident.js';
import type { Channel } from '../../shared/messages.js';

/** Where a role is held, in words a resident uses: "灵山社区", "3栋", "3-2-501". */
export function scopeWords(t: TFunction, me: MeView, role: RoleAssignmentView): string {
  switch (role.scopeKind) {
    case 'community':
      return me.community && role.scopeId === me.community.id
        ? me.community.name
        : t('appAccount.scopes.community');
    case 'compound':
      return t('appAccount.scopes.compound');
    case 'building':
      return role.building
        ? t('appAccount.scopes.building', { building: role.building })
        : t('appAccount.scopes.anyBuilding');
    case 'household':
      return me.resident.household && role.householdId === me.resident.household.id
        ? me.resident.household.address
        : t('appAccount.scopes.household');
  }
}

/** One role with its scope, e.g. "3栋 楼道长" or "Building lead, building 3". */
export function roleWords(t: TFunction, me: MeView, role: RoleAssignmentView): string {
  return t('appAccount.roleInScope', {
    role: t(`directory.roles.${role.role}`),
    scope: scopeWords(t, me, role),
  });
}

/** The resident's roles as lines to show, each once (a role granted twice in one place reads the same). */
export function roleLines(t: TFunction, me: MeView): string[] {
  return [...new Set(me.resident.roles.map((role) => roleWords(t, me, role)))];
}

/** `3-2-501` spelled out: "3栋2单元501室". */
export function addressWords(
  t: TFunction,
  household: Pick<HouseholdView, 'building' | 'unit' | 'room'>,
): string {
  return t('appAccount.me.addressWords', household);
}

export const platformName = (t: TFunction, channel: Channel | string): string =>
  t(`appAccount.platforms.${channel}`, { defaultValue: channel });
