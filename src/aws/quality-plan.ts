import { Contract } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { compileDqdl } from "../quality/dqdl";
import { compileAthenaVerification } from "../quality/sql";
import { countParameters } from "../sql/parameters";
import { athenaTables, LakeNames } from "./naming";

/** One Glue Data Quality ruleset: the DQDL the CLI compiles, on the processed table of its dataset. */
export interface RulesetPlan {
  readonly dataset: string;
  readonly name: string;
  readonly dqdl: string;
  readonly database: string;
  readonly table: string;
}

export interface VerificationStatement {
  readonly name: string;
  readonly sql: string;
  /** How many `?` the statement has; each is bound to the load date. */
  readonly parameterCount: number;
}

export interface VerificationPlan {
  readonly dataset: string;
  readonly statements: readonly VerificationStatement[];
}

/** One ruleset per rule set with rules: Glue refuses an empty ruleset, and there is nothing to evaluate. */
export function rulesetPlans(ruleSets: readonly RuleSet[], contracts: readonly Contract[], names: LakeNames): RulesetPlan[] {
  return ruleSets.filter((ruleSet) => ruleSet.rules.length > 0).map((ruleSet) => ({
    dataset: ruleSet.dataset,
    name: names.ruleset(ruleSet.dataset),
    dqdl: compileDqdl(ruleSet, contracts),
    database: names.database("processed"),
    table: names.table(ruleSet.dataset),
  }));
}

/** The Athena verification of each dataset's load, as prepared statements taking the load date. */
export function verificationPlans(ruleSets: readonly RuleSet[], contracts: readonly Contract[], names: LakeNames): VerificationPlan[] {
  const tables = athenaTables(names);
  return ruleSets.map((ruleSet) => ({
    dataset: ruleSet.dataset,
    statements: compileAthenaVerification(ruleSet, contracts, tables, "?").map((sql, i) => ({
      name: names.preparedStatement(ruleSet.dataset, i + 1),
      sql,
      parameterCount: countParameters(sql),
    })),
  }));
}
