import type { Channel } from '../../shared/messages.js';
import type { Language } from '../../shared/i18n/index.js';
import type { Logger } from '../logger.js';
import type { CommunityRepository } from '../repositories/community.repository.js';
import type { GroupRepository } from '../repositories/group.repository.js';
import type { ResidentRepository } from '../repositories/resident.repository.js';

export const DEMO_COMMUNITY_CODE = 'lingshan';

const COMPOUND = 'lingshan-garden';

/** A small, realistic community: one compound, five buildings, residents in three group chats. */
const HOUSEHOLDS = [
  { building: '1', unit: '1', room: '101' },
  { building: '3', unit: '2', room: '501' },
  { building: '3', unit: '1', room: '203' },
  { building: '5', unit: '1', room: '302' },
  { building: '5', unit: '2', room: '802' },
];

const RESIDENTS: { name: string; id: string; household: number | null; roles: string[] }[] = [
  { name: '王秀英', id: 'sim-wang', household: 1, roles: ['resident', 'owner'] },
  { name: '李建国', id: 'sim-li', household: 3, roles: ['resident', 'owner', 'partyMember'] },
  { name: '张老师', id: 'sim-zhang', household: 0, roles: ['resident', 'tenant'] },
  { name: '刘楼长', id: 'sim-liu', household: 2, roles: ['resident', 'owner', 'buildingLead'] },
  { name: 'Emma Chen', id: 'sim-emma', household: 4, roles: ['resident', 'tenant'] },
  { name: '陈书记', id: 'sim-chen', household: null, roles: ['secretary'] },
];

const GROUPS: { id: string; name: string; language: Language }[] = [
  { id: 'sim-group-all', name: '灵山小区居民群', language: 'zh-CN' },
  { id: 'sim-group-b3', name: '3栋邻里群', language: 'zh-CN' },
  { id: 'sim-group-intl', name: 'Lingshan International', language: 'en' },
];

/** Seeds the demo community on an empty database; a second process racing it hits the unique code. */
export async function seedDemo(
  deps: { communities: CommunityRepository; groups: GroupRepository; residents: ResidentRepository },
  log: Logger,
  channel: Channel = 'simulator',
): Promise<boolean> {
  if ((await deps.communities.count()) > 0) return false;
  const community = await deps.communities.create({
    code: DEMO_COMMUNITY_CODE,
    name: '灵山社区',
    compounds: [
      {
        code: COMPOUND,
        name: '灵山花园',
        buildings: ['1', '2', '3', '4', '5'].map((b) => ({ code: b, name: `${b}栋` })),
      },
    ],
  });
  const householdIds: string[] = [];
  for (const h of HOUSEHOLDS) {
    householdIds.push(
      await deps.residents.createHousehold({ communityId: community.id, compound: COMPOUND, ...h }),
    );
  }
  for (const r of RESIDENTS) {
    await deps.residents.createWithIdentity({
      communityId: community.id,
      householdId: r.household === null ? null : householdIds[r.household]!,
      name: r.name,
      roles: r.roles,
      identity: { channel, platformId: r.id },
    });
  }
  for (const g of GROUPS) {
    await deps.groups.create({
      channel,
      platformGroupId: g.id,
      accountId: 'simulator',
      name: g.name,
      communityId: community.id,
      language: g.language,
    });
  }
  log.info({ community: community.code }, 'seeded the demo community');
  return true;
}
