import { median } from './stats.js';

/**
 * A pair's ratios are judged only when its rounds agree this well (max / min of the per-round ratios). Issue 14 found
 * client_credentials against oidc-provider at 1.85×, 2.07×, 2.44× and 2.49× on separate runs, a spread of 1.35: rounds
 * of one run that disagree that much are no steadier than single runs were, so their median cannot settle a goal.
 */
export const MAX_SPREAD = 1.35;

/** Fewer paired rounds than this have no spread worth the name (one round has none at all): no verdict. */
export const MIN_ROUNDS_FOR_VERDICT = 3;

/** One round's figure of one target; `undefined` when that round did not measure it. */
export interface RoundFigure {
  round: number;
  value: number | undefined;
}

/** The per-round ratios of one pair (subject / baseline) and how far they agree. */
export interface RatioSummary {
  /** Each round in which both targets measured the figure: that round's subject over that round's baseline. */
  perRound: { round: number; ratio: number }[];
  median: number | undefined;
  min: number | undefined;
  max: number | undefined;
  /** max / min (1 when every round agrees); undefined without rounds. */
  spread: number | undefined;
  /** The spread is wider than MAX_SPREAD. */
  tooNoisy: boolean;
}

/**
 * Pairs the runs of the same round (run one after the other, so they shared the machine's state of that moment) and
 * summarises their ratios. A round missing on either side, or with a baseline of zero, is left out.
 */
export function pairedRatios(subject: readonly RoundFigure[], baseline: readonly RoundFigure[]): RatioSummary {
  const perRound: RatioSummary['perRound'] = [];
  for (const own of subject) {
    const base = baseline.find((figure) => figure.round === own.round)?.value;
    if (own.value === undefined || base === undefined || base <= 0) continue;
    perRound.push({ round: own.round, ratio: own.value / base });
  }
  if (perRound.length === 0) return { perRound, median: undefined, min: undefined, max: undefined, spread: undefined, tooNoisy: false };
  const values = perRound.map((entry) => entry.ratio);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const spread = min > 0 ? max / min : Number.POSITIVE_INFINITY;
  return { perRound, median: median(values), min, max, spread, tooNoisy: spread > MAX_SPREAD };
}

export type Verdict = 'met' | 'not met' | 'too noisy to judge' | 'too few rounds to judge' | 'not measured' | 'invalid: errors';

/**
 * A ratio goal's verdict on the median of the per-round ratios. Errors under load void the figures whatever they are;
 * a pair whose rounds disagree too much, or that has too few of them, gets no verdict.
 */
export function judge(summary: RatioSummary, atLeast: number, hadErrors: boolean): Verdict {
  if (hadErrors) return 'invalid: errors';
  if (summary.median === undefined) return 'not measured';
  if (summary.perRound.length < MIN_ROUNDS_FOR_VERDICT) return 'too few rounds to judge';
  if (summary.tooNoisy) return 'too noisy to judge';
  return summary.median >= atLeast ? 'met' : 'not met';
}

/** "2.07x (1.95-2.20)": the median and, with more than one round, the range. */
export function formatRatio(summary: RatioSummary | undefined): string {
  if (summary?.median === undefined) return '-';
  const range = summary.perRound.length > 1 ? ` (${summary.min!.toFixed(2)}-${summary.max!.toFixed(2)})` : '';
  return `${summary.median.toFixed(2)}x${range}`;
}
