import type { AthenaTables } from "../sql/batch-source";

/** The lake layers; each has its own bucket and Glue database. */
export const LAYERS = ["raw", "processed", "curated", "quarantine"] as const;
export type Layer = (typeof LAYERS)[number];

/** Roles people assume to use the lake; each gets its own Lake Formation grants. */
export const PERSONA_ROLES = ["engineer", "analyst", "auditor"] as const;
export type PersonaRole = (typeof PERSONA_ROLES)[number];

/**
 * Physical names of a stack's resources, derived from `<project>-<stack>` so two stacks coexist in
 * one account. Glue and Athena names allow no dashes, hence the underscore forms. Buckets are not
 * here: their names are global across accounts, so Pulumi auto-names them (`<prefix>-raw-1a2b3c4`).
 */
export interface LakeNames {
  readonly prefix: string;
  database(layer: Layer): string;
  /** The name of a dataset's table: the same in every layer's database, the dataset name. */
  table(dataset: string): string;
  ruleset(dataset: string): string;
  preparedStatement(dataset: string, index: number): string;
  crawler(layer: Layer): string;
  job(kind: "transform" | "curate"): string;
  workgroup: string;
  stateMachine: string;
  /** The Lambda that plans, verifies and finalizes each load. */
  reportFunction: string;
  redshiftNamespace: string;
  redshiftWorkgroup: string;
  /** The Redshift external schema over the curated database. */
  spectrumSchema: string;
}

export function lakeNames(prefix: string): LakeNames {
  const underscored = prefix.replace(/-/g, "_");
  return {
    prefix,
    database: (layer) => `${underscored}_${layer}`,
    table: (dataset) => dataset,
    ruleset: (dataset) => `${prefix}-${dataset}`,
    preparedStatement: (dataset, index) => `${underscored}_verify_${dataset}_${index}`,
    crawler: (layer) => `${prefix}-${layer}`,
    job: (kind) => `${prefix}-${kind}`,
    workgroup: prefix,
    stateMachine: `${prefix}-load`,
    reportFunction: `${prefix}-quality-report`,
    redshiftNamespace: prefix,
    redshiftWorkgroup: prefix,
    spectrumSchema: "lake_curated",
  };
}

/** The Glue databases Athena reads the lake of these names through. */
export function athenaTables(names: LakeNames): AthenaTables {
  return { processedDatabase: names.database("processed"), quarantineDatabase: names.database("quarantine"), curatedDatabase: names.database("curated") };
}
