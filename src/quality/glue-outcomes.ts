import type { DataQualityRuleResult } from "@aws-sdk/client-glue";
import { CompiledDqdlRule, RULE_ID_LABEL } from "./dqdl";

/**
 * Glue Data Quality results mapped back to the lake rules they came from. Each DQDL rule carries
 * the label rule_id (compileDqdlRules), which Glue returns with every rule result (GetDataQualityResult
 * RuleResults[].Labels), so the mapping never depends on how Glue prints a rule. A result without
 * labels (an engine that drops them) falls back to its position: Glue names results Rule_1,
 * Rule_2, ... in ruleset order. A result that maps to no rule is returned, never dropped.
 */

export type GlueRuleStatus = "pass" | "fail" | "error" | "missing";

export interface GlueRuleOutcome {
  readonly ruleId: string;
  readonly severity: string;
  /** fail when any of its DQDL rules failed, else error when any errored, missing when Glue returned fewer results than it has DQDL rules. */
  readonly status: GlueRuleStatus;
  /** The results of its DQDL rules, in ruleset order. */
  readonly results: readonly DataQualityRuleResult[];
}

export interface GlueOutcomes {
  readonly rules: readonly GlueRuleOutcome[];
  /** Results naming a rule id or position this ruleset does not have. */
  readonly unmatched: readonly DataQualityRuleResult[];
}

const POSITIONAL_NAME = /^Rule_(\d+)$/;

function statusOf(results: readonly DataQualityRuleResult[], expected: number): GlueRuleStatus {
  // A rule with no DQDL (reconciliation, schema rules) is not Glue's to judge.
  if (expected === 0) return "missing";
  if (results.some((r) => r.Result === "FAIL")) return "fail";
  if (results.some((r) => r.Result === "ERROR")) return "error";
  if (results.length < expected || results.some((r) => r.Result !== "PASS")) return "missing";
  return "pass";
}

export function glueOutcomesByRule(compiled: readonly CompiledDqdlRule[], results: readonly DataQualityRuleResult[]): GlueOutcomes {
  const byId = new Map(compiled.map((c) => [c.ruleId, [] as DataQualityRuleResult[]]));
  const byPosition = compiled.flatMap((c) => c.dqdl.map(() => c.ruleId));
  const unmatched: DataQualityRuleResult[] = [];
  for (const result of results) {
    const labelled = result.Labels?.[RULE_ID_LABEL];
    const position = POSITIONAL_NAME.exec(result.Name ?? "");
    const ruleId = labelled ?? (position ? byPosition[Number(position[1]) - 1] : undefined);
    const bucket = ruleId === undefined ? undefined : byId.get(ruleId);
    if (bucket) bucket.push(result);
    else unmatched.push(result);
  }
  return {
    rules: compiled.map((c) => {
      const mine = byId.get(c.ruleId) ?? [];
      return { ruleId: c.ruleId, severity: c.severity, status: statusOf(mine, c.dqdl.length), results: mine };
    }),
    unmatched,
  };
}
