import { bindingCode, type BindingView } from '../../shared/schemas/binding.js';
import type { BindingRequestRecord } from '../repositories/binding-request.repository.js';
import { maskName } from './opinion.presenter.js';

/** What staff see of a binding request: no platform ids, the requester's name masked. */
export function presentBinding(r: BindingRequestRecord): BindingView {
  return {
    id: r.id,
    number: bindingCode(r.number),
    status: r.status,
    address: r.address,
    requesterName: maskName(r.requesterName),
    platform: r.channel,
    ...(r.reason ? { reason: r.reason } : {}),
    createdAt: r.createdAt.toISOString(),
    ...(r.decidedAt ? { decidedAt: r.decidedAt.toISOString() } : {}),
    ...(r.decidedByName ? { decidedBy: r.decidedByName } : {}),
  };
}
