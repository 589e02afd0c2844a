import { opinionCode, type OpinionView } from '../../shared/schemas/opinion.js';
import type { OpinionRecord } from '../repositories/opinion.repository.js';

/** Keeps the first character of a display name: enough to recognise a neighbour, not to find them. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '*';
  return `${chars[0]}${'*'.repeat(Math.min(Math.max(chars.length - 1, 1), 3))}`;
}

export function presentOpinion(opinion: OpinionRecord): OpinionView {
  return {
    id: opinion.id,
    code: opinionCode(opinion.number),
    text: opinion.text,
    category: opinion.category,
    status: opinion.status,
    groupName: opinion.groupName,
    author: maskName(opinion.senderName),
    createdAt: opinion.createdAt.toISOString(),
  };
}
