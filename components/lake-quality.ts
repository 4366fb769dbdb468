import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RulesetPlan, VerificationPlan } from "../src/aws/quality-plan";

export interface LakeQualityArgs {
  /** The compiled rulesets, one per dataset (see rulesetPlans). */
  readonly rulesets: readonly RulesetPlan[];
  /** The compiled Athena verification statements, per dataset (see verificationPlans). */
  readonly verification: readonly VerificationPlan[];
  /**
   * The processed tables, dataset -> table, declared in code: a ruleset whose target table changes
   * is replaced, so the target must be stable.
   */
  readonly processedTables: Readonly<Record<string, aws.glue.CatalogTable>>;
  /** Athena workgroup the prepared statements belong to. */
  readonly workgroup: pulumi.Input<string>;
}

/**
 * Data quality on AWS: a Glue Data Quality ruleset per dataset (the DQDL the CLI compiles from
 * quality-rules/), and the Athena verification counts as prepared statements taking the load date.
 */
export class LakeQuality extends pulumi.ComponentResource {
  public readonly rulesets: Readonly<Record<string, aws.glue.DataQualityRuleset>>;
  public readonly preparedStatements: Readonly<Record<string, readonly aws.athena.PreparedStatement[]>>;

  constructor(name: string, args: LakeQualityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeQuality", name, {}, opts);
    const rulesets: Record<string, aws.glue.DataQualityRuleset> = {};
    for (const plan of args.rulesets) {
      const table = args.processedTables[plan.dataset];
      if (table === undefined) throw new Error(`ruleset ${plan.name}: no processed table for dataset "${plan.dataset}"; every rule file needs a contract`);
      rulesets[plan.dataset] = new aws.glue.DataQualityRuleset(
        `${name}-${plan.dataset}`,
        {
          name: plan.name,
          description: `Compiled from quality-rules/ for ${plan.dataset}`,
          ruleset: plan.dqdl,
          targetTable: { databaseName: table.databaseName, tableName: table.name },
        },
        { parent: this },
      );
    }
    this.rulesets = rulesets;

    const statements: Record<string, aws.athena.PreparedStatement[]> = {};
    for (const plan of args.verification) {
      statements[plan.dataset] = plan.statements.map(
        (s) =>
          new aws.athena.PreparedStatement(
            `${name}-${s.name.replace(/_/g, "-")}`,
            { name: s.name, workgroup: args.workgroup, queryStatement: s.sql, description: `Verification counts of ${plan.dataset} for one load date (${s.parameterCount} parameters, all the load date)` },
            { parent: this },
          ),
      );
    }
    this.preparedStatements = statements;

    this.registerOutputs({
      rulesets: Object.fromEntries(Object.entries(rulesets).map(([d, r]) => [d, r.name])),
      preparedStatements: Object.fromEntries(Object.entries(statements).map(([d, list]) => [d, list.map((s) => s.name)])),
    });
  }
}
