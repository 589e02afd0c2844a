import type { ResidentRecord } from '../repositories/resident.repository.js';
import type { PollService } from '../services/poll.service.js';

/** One open demo poll for the whole community, closing in a week, so the poll pages have something. */
export async function seedDemoPoll(
  polls: Pick<PollService, 'create'>,
  secretary: ResidentRecord | null,
): Promise<void> {
  if (!secretary) return;
  await polls.create({
    actor: secretary,
    question: '小区是否加装电动车充电桩？',
    options: ['同意', '反对', '弃权'],
    anonymous: false,
    eligibility: 'residents',
    kind: 'poll',
    scope: { kind: 'community' },
    closesAt: new Date(Date.now() + 7 * 86_400_000),
    resultsVisibility: 'live',
    sourceKey: 'demo:poll',
  });
}
