import { opinionCode, type OpinionView } from '../../shared/schemas/opinion.js';
import type { OpinionRecord } from '../repositories/opinion.repository.js';

/** Keeps the first character of a display name: enough to recognise a neighbour, not to find them. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '*';
  return `${chars[0]}${'*'.repeat(Math.min(Math.max(chars.length - 1, 1), 3))}`;
}

/** `mayAdopt`: whether this viewer may adopt it (the service asks the policy); false for anyone else. */
export function presentOpinion(opinion: OpinionRecord, mayAdopt = false): OpinionView {
  return {
    id: opinion.id,
    code: opinionCode(opinion.number),
    text: opinion.text,
    category: opinion.category,
    status: opinion.status,
    groupName: opinion.groupName,
    author: maskName(opinion.senderName),
    createdAt: opinion.createdAt.toISOString(),
    // Who adopted it stays out: the wall is public, and the group message speaks for the community.
    adopted: opinion.adopted ? { at: opinion.adopted.at.toISOString(), note: opinion.adopted.note } : null,
    mayAdopt: mayAdopt && opinion.adopted === null,
  };
}
