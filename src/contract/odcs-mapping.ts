import { JsonObject } from "./documents";

/**
 * What export and import agree on: which fields of our files ODCS has a place for, the names of
 * the custom properties that carry the rest, and how thresholds and severities are spelled.
 * docs/contracts.md explains every line of the mapping.
 */

/** The `engine` of a custom quality rule that carries one of our rules, whole, as its `implementation`. */
export const ENGINE = "energy-lake";

/** Contract fields with an ODCS counterpart; every other field travels as a custom property of the schema object. */
export const MAPPED_CONTRACT_FIELDS: readonly string[] = ["$schema", "name", "version", "status", "description", "key", "columns"];
/** Column fields with an ODCS counterpart; every other field travels as a custom property of the property. */
export const MAPPED_COLUMN_FIELDS: readonly string[] = ["name", "type", "description", "required", "pii"];
/** Rule-file fields expressed by the document itself; the rest travel in the RULE_SET custom property. */
export const MAPPED_RULE_FILE_FIELDS: readonly string[] = ["$schema", "dataset", "rules"];

/** Schema-object custom property: the rule file's own fields (its description, ...), as an object. */
export const RULE_SET_PROPERTY = "ruleSet";
/** Schema-object custom property: rule ids in file order, when the ODCS placement (schema level, then property by property) would reorder them. */
export const RULE_ORDER_PROPERTY = "ruleOrder";
/** Quality custom property: our rule kind, where a metric stands for more than one kind (nullValues: not_null or completeness). */
export const RULE_KIND_PROPERTY = "ruleKind";
/** Quality custom properties of a custom rule, for readers: what Glue and Athena run for it. Derived on export, ignored on import. */
export const DQDL_PROPERTY = "dqdl";
export const ATHENA_SQL_PROPERTY = "athenaSql";

/** PII columns are classified like the Lake Formation sensitivity tag they get. */
export const PII_CLASSIFICATION = "pii";
export const NON_PII_CLASSIFICATION = "internal";

export const snakeToCamel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
export const camelToSnake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/** error -> error, warn -> warning (the ODCS examples' spelling). */
export const odcsSeverity = (severity: string): string => (severity === "warn" ? "warning" : severity);

/** Ratios and percents without binary noise: 0.07 * 100 is 7, not 7.000000000000001. */
export const clean = (n: number): number => Number(n.toPrecision(12));
export const ratioToPercent = (ratio: number): number => clean(ratio * 100);
export const percentToRatio = (percent: number): number => clean(percent / 100);

/**
 * A rule id as an ODCS StableId (letters, digits, `_` and `-` only). Ids are only cross-references
 * inside the document; the exact rule id travels as the quality rule's `name`.
 */
export const stableId = (ruleId: string): string => ruleId.replace(/[^A-Za-z0-9_-]/g, "_");

/** A regular expression written as a whole-value match (ours) as an ODCS one, which matches anywhere unless anchored (ECMA-262 search). */
export const anchoredPattern = (pattern: string): string => `^(?:${pattern})$`;

export type Level = "property" | "schema";

/** The ODCS form of a row-level rule's tolerance: none -> mustBe 0 rows; a ratio -> at most that percent. */
export function tolerance(threshold: unknown): JsonObject {
  return typeof threshold === "number" ? { mustBeLessOrEqualTo: ratioToPercent(threshold), unit: "percent" } : { mustBe: 0, unit: "rows" };
}
