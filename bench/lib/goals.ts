/** A rate a Gatehouse target must reach, as a median of per-round ratios to another target of the same run. */
export interface RatioGoal {
  /** The target compared with: oidc-provider, or the floor. */
  against: string;
  /** The least ratio; per Gatehouse target where the databases have goals of their own. */
  atLeast: number | Readonly<Record<string, number>>;
}

export interface ScenarioGoal {
  ratios: readonly RatioGoal[];
  /** Not one bad answer or connection error, warm-up included, on every Gatehouse target. */
  zeroErrors?: boolean;
}

/**
 * Issue 14's goals, by scenario name, so that a scenario added by its own module (code_flow_returning) is judged as
 * soon as it is registered. The rates are medians of per-round ratios (see ratios.ts).
 */
export const SCENARIO_GOALS: Readonly<Record<string, ScenarioGoal>> = {
  client_credentials: {
    ratios: [
      { against: 'oidc-provider', atLeast: 2.5 },
      { against: 'floor', atLeast: 0.95 },
    ],
    zeroErrors: true,
  },
  introspection: { ratios: [{ against: 'oidc-provider', atLeast: 1.5 }] },
  refresh_token: { ratios: [{ against: 'oidc-provider', atLeast: { 'gatehouse-sqlite': 1.5, 'gatehouse-postgres': 1.0 } }] },
  // A returning user: a remembered session, no password check.
  code_flow_returning: { ratios: [{ against: 'oidc-provider', atLeast: 2 }] },
  // Sign-in with a password: argon2id dominates both servers, so only parity is asked.
  code_flow: { ratios: [{ against: 'oidc-provider', atLeast: 1 }] },
};

/** The least ratio a goal asks of one target; undefined when the goal does not name that target. */
export function goalFor(goal: RatioGoal, target: string): number | undefined {
  return typeof goal.atLeast === 'number' ? goal.atLeast : goal.atLeast[target];
}
