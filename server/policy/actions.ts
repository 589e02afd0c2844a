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
  /** Adopt a resident's opinion (意见采纳), which credits its author and tells the group. */
  'opinion.adopt',
  'notice.send',
  /** See notices, their delivery and acknowledgement report, and export it. */
  'notice.read',
  'reminder.create',
  'poll.create',
  /** Staff work on reports: list, change state, assign, export, stats. */
  'report.manage',
  /** Edit the report routing table (service type × scope → party) and SLA hours. */
  'report.route',
  /** Issue Open311 API keys. */
  'open311.keys',
  /** Create events, show their check-in QR code, read and export attendance. */
  'event.manage',
  /** Points: change the rules, grant, deduct and correct. */
  'points.manage',
  /** Points: see and run the ledger's reconciliation. */
  'points.reconcile',
  /** List rewards for points (merchants their own; staff for any merchant). */
  'reward.manage',
  /** Confirm a resident's redemption code at the counter. */
  'redemption.confirm',
  /** Register and remove WeCom and DingTalk channels (apps, group robots) and their credentials. */
  'channel.manage',
] as const;
export type Action = (typeof ACTIONS)[number];

/** What an admin may do and a secretary may not. */
export const ADMIN_ONLY: readonly Action[] = [
  'audit.read',
  'resident.grantAdmin',
  'open311.keys',
  'points.reconcile',
  'channel.manage',
];
