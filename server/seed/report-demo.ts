import { scopeId } from '../policy/scope.js';
import type { ResidentRecord } from '../repositories/resident.repository.js';
import type { ReportService } from '../services/report.service.js';

/** Demo tickets in several states and the routing table (四位一体) of the demo community. */
export async function seedDemoReports(
  reports: ReportService,
  communityId: string,
  compound: string,
  reporters: { wang: ResidentRecord | null; li: ResidentRecord | null },
): Promise<void> {
  const community = scopeId.community(communityId);
  await reports.setRoutingUnchecked(communityId, {
    rules: [
      { serviceType: 'elevator', scope: community, party: 'propertyCompany' },
      { serviceType: 'lighting', scope: community, party: 'propertyCompany' },
      { serviceType: 'water', scope: community, party: 'propertyCompany' },
      { serviceType: 'sanitation', scope: community, party: 'propertyCompany' },
      { serviceType: 'greenery', scope: community, party: 'ownersCommittee' },
      { serviceType: 'parking', scope: community, party: 'ownersCommittee' },
      { serviceType: 'noise', scope: community, party: 'gridWorker' },
      { serviceType: 'security', scope: community, party: 'residentsCommittee' },
    ],
    slaHours: {},
  });
  const wang = reporters.wang ? { id: reporters.wang.id, name: reporters.wang.name } : null;
  const li = reporters.li ? { id: reporters.li.id, name: reporters.li.name } : null;
  const building = (b: string) => scopeId.building(communityId, compound, b);
  await reports.seed([
    {
      communityId,
      scope: building('3'),
      address: '3栋',
      serviceType: 'elevator',
      description: '3栋2单元电梯异响，早上停在5楼不动',
      reporter: wang,
      states: ['submitted', 'accepted', 'assigned', 'in_progress'],
      party: 'propertyCompany',
      hoursAgo: 30,
    },
    {
      communityId,
      scope: building('5'),
      address: '5栋',
      serviceType: 'lighting',
      description: '5栋楼下路灯不亮，晚上很黑',
      reporter: li,
      states: ['submitted', 'accepted', 'assigned', 'in_progress', 'resolved'],
      party: 'propertyCompany',
      hoursAgo: 200,
    },
    {
      communityId,
      scope: building('1'),
      address: '1栋',
      serviceType: 'sanitation',
      description: '1栋垃圾桶满了没人清',
      reporter: wang,
      states: ['submitted'],
      party: 'propertyCompany',
      hoursAgo: 2,
    },
    {
      communityId,
      scope: community,
      address: '小区东门',
      serviceType: 'parking',
      description: '东门消防通道常被占用停车',
      reporter: li,
      states: ['submitted', 'accepted'],
      party: 'ownersCommittee',
      hoursAgo: 80,
    },
  ]);
}
