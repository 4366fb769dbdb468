import { DataQualityRuleResult, GetDataQualityResultCommand, GetJobRunsCommand, GlueClient, JobRun, ListDataQualityResultsCommand } from "@aws-sdk/client-glue";
import { Contract } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { compileDqdlRules } from "../quality/dqdl";
import { glueOutcomesByRule, GlueRuleOutcome } from "../quality/glue-outcomes";
import type { GlueDatasetResult, GlueRuleComparison, RuleResult } from "../report/types";

/**
 * The Glue Data Quality result of a load, read back for the report: the transform job's latest
 * succeeded run for the dataset and load date (GetJobRuns, by its --dataset and --load_date
 * arguments), that run's Data Quality results (ListDataQualityResults, GetDataQualityResult), each
 * rule result mapped back to its lake rule by its rule_id label (glue-outcomes.ts), and set next to
 * the engine's figures. A missing result or an unreachable Glue is said in the report, never
 * fatal: the Athena counts stand on their own.
 */

export const NO_GLUE_RESULT = "no Glue result for this load";

/** How many GetJobRuns pages are read looking for a load's run (200 runs a page: months of daily loads). */
const MAX_JOB_RUN_PAGES = 20;

export interface GlueLookup {
  readonly glue: GlueClient;
  readonly transformJob: string;
  readonly signal?: AbortSignal;
}

/** The latest run of the transform job for this dataset and load that succeeded; its output is what processed holds. */
export async function findTransformRun(lookup: GlueLookup, dataset: string, loadDate: string): Promise<JobRun | undefined> {
  let nextToken: string | undefined;
  let latest: JobRun | undefined;
  for (let pages = 0; pages < MAX_JOB_RUN_PAGES; pages++) {
    const page = await lookup.glue.send(new GetJobRunsCommand({ JobName: lookup.transformJob, NextToken: nextToken, MaxResults: 200 }), { abortSignal: lookup.signal });
    for (const run of page.JobRuns ?? []) {
      if (run.JobRunState !== "SUCCEEDED" || run.Arguments?.["--dataset"] !== dataset || run.Arguments?.["--load_date"] !== loadDate) continue;
      if (latest === undefined || (run.StartedOn?.getTime() ?? 0) > (latest.StartedOn?.getTime() ?? 0)) latest = run;
    }
    nextToken = page.NextToken;
    if (nextToken === undefined) break;
  }
  return latest;
}

/** Every rule result a job run published, with the ids of the results read. */
export async function dataQualityResultsOfRun(lookup: GlueLookup, jobRunId: string): Promise<{ resultIds: string[]; ruleResults: DataQualityRuleResult[] }> {
  const resultIds: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await lookup.glue.send(new ListDataQualityResultsCommand({ Filter: { JobName: lookup.transformJob, JobRunId: jobRunId }, NextToken: nextToken }), { abortSignal: lookup.signal });
    for (const r of page.Results ?? []) if (r.ResultId !== undefined) resultIds.push(r.ResultId);
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  const ruleResults: DataQualityRuleResult[] = [];
  for (const id of resultIds) {
    const result = await lookup.glue.send(new GetDataQualityResultCommand({ ResultId: id }), { abortSignal: lookup.signal });
    ruleResults.push(...(result.RuleResults ?? []));
  }
  return { resultIds, ruleResults };
}

/** Glue's outcome of one rule beside the engine's status: they agree when both pass or both do not. */
export function compareRule(rule: RuleResult, outcome: GlueRuleOutcome | undefined, expressed: boolean): GlueRuleComparison | null {
  if (outcome === undefined || !expressed) return null;
  const messages = outcome.results.filter((r) => r.Result !== "PASS").map((r) => r.EvaluationMessage ?? `${r.Name ?? "rule"} ${r.Result ?? "gave no result"}`);
  const evaluated = outcome.status === "pass" || outcome.status === "fail";
  const agrees = !evaluated || rule.status === "error" ? null : (outcome.status === "pass") === (rule.status === "pass");
  return { status: outcome.status, agrees, message: messages.length === 0 ? null : messages.join("; ") };
}

export interface GlueComparison {
  readonly dataset: GlueDatasetResult;
  readonly rules: RuleResult[];
}

/** The dataset's rules with Glue's outcome on each, and what was found; never throws for Glue's sake. */
export async function compareWithGlue(lookup: GlueLookup, ruleSet: RuleSet, contracts: readonly Contract[], loadDate: string, rules: readonly RuleResult[]): Promise<GlueComparison> {
  const untouched = (status: GlueDatasetResult["status"], note: string, jobRunId: string | null = null): GlueComparison => ({
    dataset: { status, job_run_id: jobRunId, result_ids: [], disagreements: 0, note },
    rules: rules.map((r) => ({ ...r, glue: null })),
  });
  let run: JobRun | undefined;
  let found: { resultIds: string[]; ruleResults: DataQualityRuleResult[] };
  try {
    run = await findTransformRun(lookup, ruleSet.dataset, loadDate);
    if (run?.Id === undefined) return untouched("missing", `${NO_GLUE_RESULT}: no succeeded run of ${lookup.transformJob} for ${ruleSet.dataset} on ${loadDate}`);
    found = await dataQualityResultsOfRun(lookup, run.Id);
  } catch (err) {
    if (lookup.signal?.aborted) throw err;
    return untouched("unavailable", `Glue could not be asked for the Data Quality result (${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}); the counts stand alone`, run?.Id ?? null);
  }
  if (found.resultIds.length === 0) return untouched("missing", `${NO_GLUE_RESULT}: transform run ${run.Id} published no Data Quality result`, run.Id);
  const compiled = compileDqdlRules(ruleSet, contracts);
  const outcomes = glueOutcomesByRule(compiled, found.ruleResults);
  const compared = rules.map((rule) => {
    const dqdl = compiled.find((c) => c.ruleId === rule.id);
    return { ...rule, glue: compareRule(rule, outcomes.rules.find((o) => o.ruleId === rule.id), (dqdl?.dqdl.length ?? 0) > 0) };
  });
  const unmatched = outcomes.unmatched.length === 0 ? null : `${outcomes.unmatched.length} Glue rule results match no rule of ${ruleSet.file} (${outcomes.unmatched.map((r) => r.Name ?? "?").join(", ")}); was the ruleset deployed from other rules?`;
  return {
    dataset: { status: "found", job_run_id: run.Id, result_ids: found.resultIds, disagreements: compared.filter((r) => r.glue?.agrees === false).length, note: unmatched },
    rules: compared,
  };
}
