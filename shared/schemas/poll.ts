import { z } from 'zod';

/** Option letters in order; a poll has 2 to 8 options, `A`..`H` (what a bare reply in chat can name). */
export const POLL_LETTERS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;
export type PollLetter = (typeof POLL_LETTERS)[number];
export const MAX_POLL_OPTIONS = POLL_LETTERS.length;
export const MAX_POLL_QUESTION = 300;
export const MAX_POLL_OPTION = 100;

/**
 * Who may vote. `residents`: every bound resident (one vote each); `owners`: every owner (one each);
 * `household`: one vote per household (any bound member casts it); `partyMembers`: residents holding the
 * party-member role. An `ownersVote` is always per household among owners, weighted by floor area.
 */
export const POLL_ELIGIBILITIES = ['residents', 'owners', 'household', 'partyMembers'] as const;
export type PollEligibility = (typeof POLL_ELIGIBILITIES)[number];

/** `poll`: an ordinary poll; `ownersVote`: an owners' formal decision under Civil Code art. 278. */
export const POLL_KINDS = ['poll', 'ownersVote'] as const;
export type PollKind = (typeof POLL_KINDS)[number];

/** `major`: the weightiest matters of art. 278 (1)-(4)... need ≥ 3/4; `ordinary`: more than half. */
export const POLL_MATTERS = ['ordinary', 'major'] as const;
export type PollMatter = (typeof POLL_MATTERS)[number];

export const POLL_STATES = ['upcoming', 'open', 'closed'] as const;
export type PollState = (typeof POLL_STATES)[number];

export const RESULTS_VISIBILITIES = ['afterClose', 'live'] as const;
export type ResultsVisibility = (typeof RESULTS_VISIBILITIES)[number];

/** Why a viewer may not vote; null when they may. */
export const INELIGIBLE_REASONS = [
  'unbound',
  'outOfScope',
  'notOwner',
  'notPartyMember',
  'notOnRoll',
] as const;
export type IneligibleReason = (typeof INELIGIBLE_REASONS)[number];

/** The mini-app page of a poll; each poll message in chat carries `<origin>/app/#/polls/<number>`. */
export const pollPagePath = (number: number) => `#/polls/${number}`;

const objectId = z.string().regex(/^[0-9a-f]{24}$/);
const isoDate = z.coerce.date();

/** Where a poll runs: the whole community, some buildings (codes like `3`), or some groups. */
export const pollScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('community') }).strict(),
  z
    .object({
      kind: z.literal('buildings'),
      buildings: z.array(z.string().trim().min(1).max(32)).min(1).max(200),
    })
    .strict(),
  z.object({ kind: z.literal('groups'), groupIds: z.array(objectId).min(1).max(500) }).strict(),
]);
export type PollScope = z.infer<typeof pollScopeSchema>;

/** `POST /api/polls`. `multi` absent = single choice; `matter` only (and required) for an ownersVote. */
export const createPollSchema = z
  .object({
    question: z.string().trim().min(1).max(MAX_POLL_QUESTION),
    options: z.array(z.string().trim().min(1).max(MAX_POLL_OPTION)).min(2).max(MAX_POLL_OPTIONS),
    multi: z
      .object({ max: z.number().int().min(2).max(MAX_POLL_OPTIONS) })
      .strict()
      .nullish(),
    anonymous: z.boolean().default(false),
    eligibility: z.enum(POLL_ELIGIBILITIES).default('residents'),
    kind: z.enum(POLL_KINDS).default('poll'),
    matter: z.enum(POLL_MATTERS).optional(),
    scope: pollScopeSchema.default({ kind: 'community' }),
    /** Defaults to now. */
    opensAt: isoDate.optional(),
    closesAt: isoDate,
    resultsVisibility: z.enum(RESULTS_VISIBILITIES).default('afterClose'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'ownersVote' && !v.matter)
      ctx.addIssue({ code: 'custom', path: ['matter'], message: 'required for an ownersVote' });
    if (v.kind === 'poll' && v.matter)
      ctx.addIssue({ code: 'custom', path: ['matter'], message: 'only for an ownersVote' });
    if (v.multi && v.multi.max > v.options.length)
      ctx.addIssue({ code: 'custom', path: ['multi', 'max'], message: 'more than the options' });
    if (v.opensAt && v.closesAt <= v.opensAt)
      ctx.addIssue({ code: 'custom', path: ['closesAt'], message: 'before opening' });
    if (new Set(v.options).size !== v.options.length)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'repeated option' });
  });
export type CreatePollInput = z.input<typeof createPollSchema>;
export type CreatePoll = z.output<typeof createPollSchema>;

export const pollListQuerySchema = z.object({ state: z.enum(POLL_STATES).optional() }).strict();
export const pollNumberParamSchema = z.object({ number: z.coerce.number().int().positive().max(1e9) });

/** `POST /api/polls/:number/votes`: option letters, e.g. `['A', 'C']`. */
export const castVoteSchema = z
  .object({
    choices: z
      .array(
        z
          .string()
          .regex(/^[A-Ha-h]$/)
          .transform((s) => s.toUpperCase()),
      )
      .min(1)
      .max(MAX_POLL_OPTIONS),
  })
  .strict();
export type CastVoteInput = z.input<typeof castVoteSchema>;

/** `POST /api/polls/:number/reminders`: when to remind the eligible units that have not voted. */
export const pollReminderSchema = z.object({ at: isoDate }).strict();
export type PollReminderInput = z.input<typeof pollReminderSchema>;

export const pollOptionSchema = z.object({ letter: z.string(), text: z.string() });

export const pollViewSchema = z.object({
  id: z.string(),
  number: z.number(),
  question: z.string(),
  options: z.array(pollOptionSchema),
  /** 1 for single choice. */
  maxChoices: z.number(),
  anonymous: z.boolean(),
  eligibility: z.enum(POLL_ELIGIBILITIES),
  kind: z.enum(POLL_KINDS),
  matter: z.enum(POLL_MATTERS).nullable(),
  scope: pollScopeSchema,
  opensAt: z.string(),
  closesAt: z.string(),
  closedAt: z.string().nullable(),
  resultsVisibility: z.enum(RESULTS_VISIBILITIES),
  state: z.enum(POLL_STATES),
  createdAt: z.string(),
  /** Groups the poll was posted to. */
  groups: z.number(),
  /** Reminders scheduled (ISO times) and whether each went out. */
  reminders: z.array(z.object({ at: z.string(), sent: z.boolean() })),
  viewer: z.object({
    eligible: z.boolean(),
    reason: z.enum(INELIGIBLE_REASONS).nullable(),
    /** The viewer's unit has voted (for a household poll, possibly another member). */
    voted: z.boolean(),
    /**
     * The viewer's own current choices; null when not voted, or in an anonymous poll once closed (the
     * key linking a unit to its ballot is destroyed at closing).
     */
    choices: z.array(z.string()).nullable(),
    /** Staff who may close, remind, export and see live results. */
    canManage: z.boolean(),
    canSeeResults: z.boolean(),
  }),
});
export type PollView = z.infer<typeof pollViewSchema>;

export const pollListSchema = z.object({ items: z.array(pollViewSchema) });
export type PollList = z.infer<typeof pollListSchema>;

export const voteResultSchema = z.object({
  vote: z.object({
    poll: z.number(),
    /** Echoed to the voter only. */
    choices: z.array(z.string()),
    /** `cast`: first vote; `changed`: replaced an earlier one; `unchanged`: same as before. */
    outcome: z.enum(['cast', 'changed', 'unchanged']),
  }),
});
export type VoteResult = z.infer<typeof voteResultSchema>;

const turnoutSchema = z.object({ eligible: z.number(), voted: z.number() });

/** Exact fraction as integers plus a rounded percentage for display. */
const ratioSchema = z.object({ num: z.number(), den: z.number(), percent: z.number() });

/** Art. 278: participation needs ≥ 2/3 of area and of owners; passing > 1/2 (ordinary) or ≥ 3/4 (major). */
export const art278Schema = z.object({
  matter: z.enum(POLL_MATTERS),
  /** In hundredths of m² (integers, exact). */
  totalArea: z.number(),
  totalOwners: z.number(),
  participatingArea: z.number(),
  participatingOwners: z.number(),
  /** Area and owners voting for option A (the motion). */
  forArea: z.number(),
  forOwners: z.number(),
  participationArea: ratioSchema,
  participationOwners: ratioSchema,
  approvalArea: ratioSchema,
  approvalOwners: ratioSchema,
  quorumReached: z.boolean(),
  passed: z.boolean(),
});
export type Art278Result = z.infer<typeof art278Schema>;

export const pollResultsSchema = z.object({
  poll: z.number(),
  state: z.enum(POLL_STATES),
  /** `live` counters while open; `final` recomputed from the ballots at closing. */
  basis: z.enum(['live', 'final']),
  turnout: turnoutSchema,
  byBuilding: z.array(turnoutSchema.extend({ compound: z.string(), building: z.string() })),
  byGroup: z.array(turnoutSchema.extend({ id: z.string(), name: z.string(), channel: z.string() })),
  options: z.array(
    z.object({
      letter: z.string(),
      text: z.string(),
      votes: z.number(),
      /** Hundredths of m²; 0 unless an ownersVote. */
      area: z.number(),
    }),
  ),
  art278: art278Schema.nullable(),
});
export type PollResults = z.infer<typeof pollResultsSchema>;

export const closePollResultSchema = z.object({ closed: z.boolean(), duplicate: z.boolean() });
export type ClosePollResult = z.infer<typeof closePollResultSchema>;

export const pollReminderResultSchema = z.object({ at: z.string(), scheduled: z.boolean() });
export type PollReminderResult = z.infer<typeof pollReminderResultSchema>;
