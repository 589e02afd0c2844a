import type { Role } from '../../shared/schemas/community.js';
import type { HouseholdRelation } from '../../shared/schemas/community.js';
import type { Channel } from '../../shared/messages.js';
import type { Language } from '../../shared/i18n/index.js';
import type { Logger } from '../logger.js';
import { assignment } from '../policy/roles.js';
import { scopeId, type ScopeId } from '../policy/scope.js';
import type { CommunityRepository } from '../repositories/community.repository.js';
import type { GroupRepository } from '../repositories/group.repository.js';
import type { HouseholdRecord, HouseholdRepository } from '../repositories/household.repository.js';
import type { ResidentRecord, ResidentRepository } from '../repositories/resident.repository.js';
import type { PhoneProtector } from '../services/phone-protector.js';
import type { PointsService } from '../services/points.service.js';
import type { RewardService } from '../services/reward.service.js';
import type { EventService } from '../services/event.service.js';
import { seedDemoEvents } from './demo-events.js';
import type { ReportService } from '../services/report.service.js';
import { seedDemoReports } from './report-demo.js';
import type { PollService } from '../services/poll.service.js';
import { seedDemoPoll } from './poll-demo.js';

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

type Where = 'community' | 'building';

interface DemoResident {
  name: string;
  /** The simulator's platform id; the simulator and end-to-end tests rely on these. */
  id: string;
  household: { index: number; relation: HouseholdRelation; floorArea?: number } | null;
  /** Roles besides owner/tenant, which follow the household. */
  roles: { role: Role; at: Where }[];
  phone: string;
}

const RESIDENTS: DemoResident[] = [
  {
    name: '王秀英',
    id: 'sim-wang',
    household: { index: 1, relation: 'owner', floorArea: 89.56 },
    roles: [{ role: 'resident', at: 'community' }],
    phone: '13812345001',
  },
  {
    name: '李建国',
    id: 'sim-li',
    household: { index: 3, relation: 'owner', floorArea: 102.3 },
    roles: [
      { role: 'resident', at: 'community' },
      { role: 'partyMember', at: 'community' },
    ],
    phone: '13912345002',
  },
  {
    name: '张老师',
    id: 'sim-zhang',
    household: { index: 0, relation: 'tenant' },
    roles: [{ role: 'resident', at: 'community' }],
    phone: '15012345003',
  },
  {
    name: '刘楼长',
    id: 'sim-liu',
    household: { index: 2, relation: 'owner', floorArea: 76.8 },
    roles: [
      { role: 'resident', at: 'community' },
      // Building lead of building 3, where the household is.
      { role: 'buildingLead', at: 'building' },
    ],
    phone: '18612345004',
  },
  {
    name: 'Emma Chen',
    id: 'sim-emma',
    household: { index: 4, relation: 'tenant' },
    roles: [{ role: 'resident', at: 'community' }],
    phone: '17712345005',
  },
  {
    name: '陈书记',
    id: 'sim-chen',
    household: null,
    roles: [{ role: 'secretary', at: 'community' }],
    phone: '13612345006',
  },
  {
    name: '周管理员',
    id: 'sim-admin',
    household: null,
    roles: [{ role: 'admin', at: 'community' }],
    phone: '13712345007',
  },
  {
    name: '灵山便民超市',
    id: 'sim-shop',
    household: null,
    roles: [{ role: 'merchant', at: 'community' }],
    phone: '13512345008',
  },
];

const GROUPS: { id: string; name: string; language: Language; building?: string }[] = [
  { id: 'sim-group-all', name: '灵山小区居民群', language: 'zh-CN' },
  { id: 'sim-group-b3', name: '3栋邻里群', language: 'zh-CN', building: '3' },
  { id: 'sim-group-intl', name: 'Lingshan International', language: 'en' },
];

export interface DemoSeedDeps {
  repositories: {
    communities: CommunityRepository;
    groups: GroupRepository;
    residents: ResidentRepository;
    households: HouseholdRepository;
  };
  phones: PhoneProtector;
  /** Optional so callers without reports still seed the rest. */
  services?: {
    reports?: ReportService;
    polls?: Pick<PollService, 'create'>;
    events?: Pick<EventService, 'create' | 'signUp'>;
    points?: Pick<PointsService, 'post'>;
    rewards?: Pick<RewardService, 'create'>;
  };
}

/** Seeds the demo community on an empty database; a second process racing it hits the unique code. */
export async function seedDemo(
  deps: DemoSeedDeps,
  log: Logger,
  channel: Channel = 'simulator',
): Promise<boolean> {
  const { communities, groups, residents, households } = deps.repositories;
  if ((await communities.count()) > 0) return false;
  const community = await communities.create({
    code: DEMO_COMMUNITY_CODE,
    name: '灵山社区',
    compounds: [
      {
        code: COMPOUND,
        name: '灵山花园',
        buildings: ['1', '2', '3', '4', '5'].map((b) => ({ code: b, name: `${b}栋`, units: ['1', '2'] })),
      },
    ],
  });
  const homes: HouseholdRecord[] = [];
  for (const h of HOUSEHOLDS)
    homes.push(await households.ensure({ communityId: community.id, compound: COMPOUND, ...h }));

  for (const r of RESIDENTS) {
    const home = r.household ? homes[r.household.index]! : null;
    const where = (at: Where): ScopeId =>
      at === 'building' && home
        ? scopeId.building(community.id, COMPOUND, home.building)
        : scopeId.community(community.id);
    await residents.create({
      communityId: community.id,
      name: r.name,
      membership:
        home && r.household
          ? {
              householdId: home.id,
              householdScope: home.scope,
              relation: r.household.relation,
              floorArea: r.household.floorArea ?? null,
            }
          : null,
      phone: deps.phones.protect(r.phone),
      roles: r.roles.map((a) => assignment(a.role, where(a.at))),
      identities: [{ channel, kind: channel === 'simulator' ? 'simulator' : 'contactId', platformId: r.id }],
    });
  }
  for (const g of GROUPS) {
    await groups.create({
      channel,
      platformGroupId: g.id,
      accountId: 'simulator',
      name: g.name,
      communityId: community.id,
      language: g.language,
      scopeId: g.building ? scopeId.building(community.id, COMPOUND, g.building) : null,
    });
  }
  if (deps.services?.reports)
    await seedDemoReports(deps.services.reports, community.id, COMPOUND, {
      wang: await residents.findByIdentity(channel, 'sim-wang'),
      li: await residents.findByIdentity(channel, 'sim-li'),
    });
  if (deps.services?.polls)
    await seedDemoPoll(deps.services.polls, await residents.findByIdentity(channel, 'sim-chen'));
  if (deps.services?.events)
    await seedDemoEvents(deps.services.events, community.id, {
      chen: await residents.findByIdentity(channel, 'sim-chen'),
      li: await residents.findByIdentity(channel, 'sim-li'),
    });
  if (deps.services?.points && deps.services.rewards)
    await seedDemoPoints(deps.services.points, deps.services.rewards, {
      shop: await residents.findByIdentity(channel, 'sim-shop'),
      wang: await residents.findByIdentity(channel, 'sim-wang'),
      li: await residents.findByIdentity(channel, 'sim-li'),
      emma: await residents.findByIdentity(channel, 'sim-emma'),
    });
  log.info({ community: community.code }, 'seeded the demo community');
  return true;
}

/** Points for three residents and a few rewards at the demo shop, so the points pages have content. */
async function seedDemoPoints(
  points: Pick<PointsService, 'post'>,
  rewards: Pick<RewardService, 'create'>,
  who: Record<'shop' | 'wang' | 'li' | 'emma', ResidentRecord | null>,
): Promise<void> {
  const { shop } = who;
  if (!shop) return;
  const grants: [ResidentRecord | null, number, string][] = [
    [who.wang, 120, '楼道清洁志愿服务'],
    [who.li, 80, '议事会发言'],
    [who.emma, 45, 'Community garden day'],
  ];
  for (const [resident, amount, memo] of grants) {
    if (!resident) continue;
    await points.post({
      resident,
      key: `demo:seed:${resident.id}`,
      currency: 'points',
      amount,
      kind: 'grant',
      countsEarned: true,
      rule: null,
      memo,
      actorId: null,
      reversalOf: null,
    });
  }
  const actor = { ...shop };
  for (const [title, price, stock] of [
    ['鸡蛋一盒', 30, 20],
    ['洗衣液一瓶', 60, 10],
    ['理发券', 100, 5],
  ] as const)
    await rewards.create(actor, { title, description: '', price, stock });
}
