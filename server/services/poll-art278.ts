import type { Art278Result, PollMatter } from '../../shared/schemas/poll.js';

/** Inputs in integers: areas in hundredths of m², owners by head (one per household, i.e. per unit). */
export interface Art278Input {
  matter: PollMatter;
  totalArea: number;
  totalOwners: number;
  participatingArea: number;
  participatingOwners: number;
  forArea: number;
  forOwners: number;
}

const ratio = (num: number, den: number) => ({
  num,
  den,
  percent: den === 0 ? 0 : Math.round((num * 10_000) / den) / 100,
});

/**
 * Civil Code art. 278: the vote counts only if owners holding at least two thirds of the area AND at
 * least two thirds of the owners took part; it passes with more than half (ordinary matters) or at least
 * three quarters (major matters) of the PARTICIPATING area AND owners. Integer cross-multiplication only,
 * so 2/3 exactly is reached and 0.6666 is not.
 */
export function art278Verdict(input: Art278Input): Art278Result {
  const { totalArea, totalOwners, participatingArea: pa, participatingOwners: po } = input;
  const quorumReached =
    totalArea > 0 && totalOwners > 0 && 3 * pa >= 2 * totalArea && 3 * po >= 2 * totalOwners;
  const approves = (yes: number, of: number) =>
    of > 0 && (input.matter === 'major' ? 4 * yes >= 3 * of : 2 * yes > of);
  const passed = quorumReached && approves(input.forArea, pa) && approves(input.forOwners, po);
  return {
    ...input,
    participationArea: ratio(pa, totalArea),
    participationOwners: ratio(po, totalOwners),
    approvalArea: ratio(input.forArea, pa),
    approvalOwners: ratio(input.forOwners, po),
    quorumReached,
    passed,
  };
}

/** m² with two decimals to integer hundredths, without float drift (`88.1` → 8810). */
export const toHundredths = (m2: number | null | undefined): number =>
  m2 == null || !Number.isFinite(m2) || m2 < 0 ? 0 : Math.round(m2 * 100);
