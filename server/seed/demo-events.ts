import type { ResidentRecord } from '../repositories/resident.repository.js';
import type { EventService } from '../services/event.service.js';

const DAY_MS = 86_400_000;

/** 09:00 in China (01:00 UTC) `days` days from today, so demo events sit a few days ahead. */
function chinaMorning(days: number, hour = 9): Date {
  const today = new Date();
  return new Date(
    Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) +
      days * DAY_MS +
      (hour - 8) * 3_600_000,
  );
}

/**
 * Two demo events, created by the secretary without announcing them (a fresh demo posts nothing):
 * a talk with room to spare, and a two-place volunteer shift 李建国 has already signed up for.
 */
export async function seedDemoEvents(
  events: Pick<EventService, 'create' | 'signUp'>,
  communityId: string,
  people: { chen: ResidentRecord | null; li: ResidentRecord | null },
): Promise<void> {
  if (!people.chen) return;
  const talk = chinaMorning(3);
  await events.create(
    people.chen,
    {
      title: '垃圾分类宣传讲座',
      description: '社区广场，讲解新的分类规则，现场有小礼品',
      place: '社区广场',
      startsAt: talk.toISOString(),
      endsAt: new Date(talk.getTime() + 2 * 3_600_000).toISOString(),
      capacity: 30,
      category: 'lowCarbon',
      scope: communityId,
      volunteer: false,
    },
    undefined,
    { announce: false },
  );
  const shift = chinaMorning(5, 14);
  const { event } = await events.create(
    people.chen,
    {
      title: '楼道清洁志愿服务',
      description: '一起清理楼道杂物，工具由社区提供',
      place: '3栋大堂',
      startsAt: shift.toISOString(),
      endsAt: new Date(shift.getTime() + 2 * 3_600_000).toISOString(),
      capacity: 2,
      category: 'neighbourhood',
      scope: communityId,
      volunteer: true,
    },
    undefined,
    { announce: false },
  );
  if (people.li) await events.signUp(people.li, event.number);
}
