import * as path from "path";
import { Contract, contractForLoad, NUMBER_EVIDENCE_RECORDS, PROJECT_ROOT } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { headerKey } from "../model/text";
import { compileDqdlRules, DqdlReferenceSource, dqdlFrameColumns, dqdlReferenceSources } from "../quality/dqdl";
import { spark } from "../sql/dialect";
import { decimalEvidenceSql, rowProblemsSql, typedViewSql } from "../sql/typed-view";
import { LakeNames } from "./naming";

/** The view name the Glue job registers the mapped batch under before running the typed view. */
export const GLUE_BATCH_VIEW = "batch_input";

/** What the Glue jobs need to know about one dataset: the same compiled SQL the local pipeline runs, in the Spark dialect. */
export interface GlueDatasetPlan {
  readonly name: string;
  /** The contract file, as the header messages name it (relative to the project when inside it). */
  readonly contract_file: string;
  /** headerKey(source header) -> canonical column, for every name and alias. */
  readonly headers: Readonly<Record<string, string>>;
  /** Each column's aliases, for the message naming a missing required column. */
  readonly aliases: Readonly<Record<string, readonly string[]>>;
  /** The view the job registers the read rows under before running typed_view_sql. */
  readonly batch_view: string;
  readonly columns: readonly string[];
  readonly required: readonly string[];
  readonly key: readonly string[];
  /** How curated is partitioned by business period (`<name>=<period of column>`); null: one curated file. */
  readonly curated_partition: { readonly column: string; readonly granularity: string; readonly name: string } | null;
  /** SELECT over `batch_input` (canonical columns as strings, `_source_file`, `_row`) giving the typed view. */
  readonly typed_view_sql: string;
  /** Expression over the typed view: why a row cannot be typed, NULL when it can. */
  readonly row_problems_sql: string;
  /** The contract's decimal separator; null: each load decides it from its values, as the local load does. */
  readonly numbers: { readonly decimal: "." | "," | null };
  /**
   * Per source file of `batch_input`, how many decimal values of its first records only a decimal
   * point reads and only a comma reads (decimalEvidenceSql); null when there is nothing to decide.
   */
  readonly decimal_evidence_sql: string | null;
  /** The typed view and row problems for a load whose values showed the decimal separator (the key); empty when there is nothing to decide. */
  readonly readings: Readonly<Record<string, { readonly typed_view_sql: string; readonly row_problems_sql: string }>>;
  /** Glue Data Quality ruleset evaluated on the checked frame; null when the dataset has no rules. */
  readonly ruleset: string | null;
  /** The checked frame's columns (dqdlFrameColumns): the typed view's typed values and presence flags, and the load date. */
  readonly dq_frame_columns: readonly string[];
  /** Each lake rule's DQDL rules (labelled with its id) and severity: only failed error rules fail the load's quality gate. */
  readonly dq_rules: readonly { readonly rule_id: string; readonly severity: string; readonly dqdl: readonly string[] }[];
  /** Reference frames EvaluateDataQuality needs (additional_data_sources), built from processed data. */
  readonly dq_references: readonly DqdlReferenceSource[];
}

/** The first NUMBER_EVIDENCE_RECORDS records of each source file of the batch, what the local load decides numbers from. */
function firstRecordsOfEachFile(): string {
  const numbered = `SELECT *, row_number() OVER (PARTITION BY ${spark.ident("_source_file")} ORDER BY ${spark.ident("_row")}) AS ${spark.ident("_nth")} FROM ${GLUE_BATCH_VIEW}`;
  return `(SELECT * FROM (${numbered}) AS numbered WHERE ${spark.ident("_nth")} <= ${NUMBER_EVIDENCE_RECORDS})`;
}

function contractFile(file: string): string {
  const relative = path.relative(PROJECT_ROOT, file);
  return (relative.startsWith("..") || path.isAbsolute(relative) ? file : relative).split(path.sep).join("/");
}

export interface GlueJobPlan {
  readonly datasets: Readonly<Record<string, GlueDatasetPlan>>;
}

/** The plan uploaded next to the Glue scripts (glue/plan.json): generated from the contracts, never written by hand. */
export function compileGluePlan(contracts: readonly Contract[], ruleSets: readonly RuleSet[], names: LakeNames): GlueJobPlan {
  const datasets: Record<string, GlueDatasetPlan> = {};
  for (const contract of contracts) {
    const ruleSet = ruleSets.find((r) => r.dataset === contract.name);
    const headers: Record<string, string> = {};
    for (const column of contract.columns) for (const h of [column.name, ...column.aliases]) headers[headerKey(h)] = column.name;
    const evidence = decimalEvidenceSql(spark, contract, firstRecordsOfEachFile());
    datasets[contract.name] = {
      name: contract.name,
      contract_file: contractFile(contract.file),
      headers,
      aliases: Object.fromEntries(contract.columns.map((c) => [c.name, [...c.aliases]])),
      batch_view: GLUE_BATCH_VIEW,
      columns: contract.columns.map((c) => c.name),
      required: contract.columns.filter((c) => c.required).map((c) => c.name),
      key: contract.key,
      curated_partition: contract.curatedPartition ?? null,
      typed_view_sql: typedViewSql(spark, contract, GLUE_BATCH_VIEW),
      row_problems_sql: rowProblemsSql(spark, contract),
      numbers: { decimal: contract.numbers.decimal ?? null },
      decimal_evidence_sql: evidence ?? null,
      readings: evidence === undefined ? {} : Object.fromEntries(
        ([".", ","] as const).map((decimal) => {
          const reading = contractForLoad(contract, { decimal_separator: decimal, from: "values" });
          return [decimal, { typed_view_sql: typedViewSql(spark, reading, GLUE_BATCH_VIEW), row_problems_sql: rowProblemsSql(spark, reading) }];
        }),
      ),
      ruleset: ruleSet === undefined || ruleSet.rules.length === 0 ? null : names.ruleset(contract.name),
      dq_frame_columns: dqdlFrameColumns(contract),
      dq_rules: ruleSet === undefined ? [] : compileDqdlRules(ruleSet, contracts).map((r) => ({ rule_id: r.ruleId, severity: r.severity, dqdl: r.dqdl })),
      dq_references: ruleSet === undefined ? [] : dqdlReferenceSources(ruleSet),
    };
  }
  return { datasets };
}
