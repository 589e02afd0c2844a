/** Everything the policy can be asked about; a closed list so a typo fails to compile. */
export const ACTIONS = [
  /** Ask to be bound to a household (from chat or the mini-app). */
  'binding.request',
  /** Approve or reject binding requests, and list the pending ones. */
  'binding.decide',
  'resident.read',
  'resident.updateRoles',
  /** Grant or remove the admin role. */
  'resident.grantAdmin',
  'household.read',
  'roster.import',
  'roster.export',
  'audit.read',
  'opinion.read',
  'notice.send',
  'reminder.create',
  'poll.create',
] as const;
export type Action = (typeof ACTIONS)[number];

/** What an admin may do and a secretary may not. */
export const ADMIN_ONLY: readonly Action[] = ['audit.read', 'resident.grantAdmin'];
