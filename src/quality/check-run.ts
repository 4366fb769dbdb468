import { LakeInputError } from "../errors";
import { RuleSet } from "../model/rules";
import { RuleResult } from "../report/types";

/**
 * What every check engine shares, kept free of any engine's driver so the AWS report function
 * can bundle the Athena engine without DuckDB's native module.
 */

export interface DatasetCheckResult {
  readonly dataset: string;
  readonly rules: RuleResult[];
  /** SQL statements issued for this dataset. */
  readonly queries: number;
}

/** The rule sets to run, refusing dataset names that have none (a typo would otherwise check nothing). */
export function selectRuleSets(ruleSets: readonly RuleSet[], datasets: readonly string[] | undefined): RuleSet[] {
  if (datasets === undefined) return [...ruleSets];
  const unknown = datasets.filter((d) => !ruleSets.some((r) => r.dataset === d));
  if (unknown.length > 0) {
    throw new LakeInputError(`no quality rules for ${unknown.map((d) => `"${d}"`).join(", ")}; datasets with rules: ${ruleSets.map((r) => r.dataset).join(", ")}`);
  }
  return ruleSets.filter((r) => datasets.includes(r.dataset));
}
