import * as path from "path";
import { Contract, mapHeaders } from "../model/contracts";
import { Baseline, ColumnPresentRule, KnownColumnsRule, Rule } from "../model/rules";
import { BaselineComparison, FailingSample, QualityReport, RuleResult } from "../report/types";

/**
 * What the engines know about a load beyond its rows: the headers of its files (the load record)
 * and the reports of earlier loads. Pure functions over plain data, so the DuckDB engine, the
 * Athena engine and the AWS report function judge schema drift and baselines the same way
 * wherever the records and reports were read from (a local lake, S3).
 */

/** One source file of a dataset's load, as its load record keeps it. */
export interface SourceFile {
  /** Its name in raw/ (the batch's `_source_file`). */
  readonly name: string;
  readonly headers: readonly string[];
}

/** The load record fields this module reads (src/pipeline/load.ts writes them). */
export interface LoadRecordFiles {
  readonly files: readonly { readonly raw_path: string; readonly delimiter: string; readonly headers: readonly string[] }[];
}

export interface LoadContext {
  /** The dataset's source files with their headers; absent when the engine was not given them (schema rules are then skipped, saying so). */
  readonly sources?: readonly SourceFile[];
  /** Kept reports of earlier loads, any order; absent when the engine was not given them (baselines are then not compared, saying so). */
  readonly history?: readonly QualityReport[];
}

const baseName = (rawPath: string): string => rawPath.split("/").pop() ?? rawPath;

export function sourceFilesOf(record: { readonly files: readonly Pick<LoadRecordFiles["files"][number], "raw_path" | "headers">[] }): SourceFile[] {
  return record.files.map((f) => ({ name: baseName(f.raw_path), headers: f.headers }));
}

/** A raw file of a local lake's load, as its load record says to read it. */
export interface RawExport {
  readonly name: string;
  readonly file: string;
  readonly delimiter: string;
  readonly headers: readonly string[];
}

/** The load's raw files in a local lake, for reconciliation's raw side. */
export function rawExportsOf(lakeDir: string, record: LoadRecordFiles): RawExport[] {
  return record.files.map((f) => ({ name: baseName(f.raw_path), file: path.join(lakeDir, ...f.raw_path.split("/")), delimiter: f.delimiter, headers: f.headers }));
}

/** Per contract column, the files whose header lacks it (only columns some file lacks). */
export function filesWithout(contract: Contract, sources: readonly SourceFile[]): Map<string, string[]> {
  const without = new Map<string, string[]>();
  for (const file of sources) {
    const present = new Set(mapHeaders(contract, file.headers).mapping.filter((m): m is string => m !== undefined));
    for (const column of contract.columns) {
      if (!present.has(column.name)) without.set(column.name, [...(without.get(column.name) ?? []), file.name]);
    }
  }
  return without;
}

type Judged = Pick<RuleResult, "status" | "failed" | "total" | "ratio" | "observed" | "samples" | "message">;

const statusFor = (rule: Rule, violated: boolean): RuleResult["status"] => (!violated ? "pass" : rule.severity === "error" ? "fail" : "warn");
const quoted = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(", ");

/**
 * A schema rule judged from the files' headers: total is the number of files, failed the files that
 * break it. Each failing file is a sample at line 1 (the header), its value the column concerned.
 */
export function judgeSchemaRule(rule: ColumnPresentRule | KnownColumnsRule, contract: Contract, sources: readonly SourceFile[] | undefined, sampleSize: number): Judged {
  if (sources === undefined) {
    return { status: "skipped", failed: 0, total: 0, ratio: 0, observed: null, samples: [], message: "not judged: the engine was not given the load's file headers (its load record)" };
  }
  const findings = sources.flatMap((file) => {
    const { mapping, unknown } = mapHeaders(contract, file.headers);
    if (rule.kind === "column_present") return mapping.includes(rule.column) ? [] : [{ file: file.name, columns: [rule.column] }];
    return unknown.length === 0 ? [] : [{ file: file.name, columns: unknown }];
  });
  const samples: FailingSample[] = findings.flatMap((f) => f.columns.map((c) => ({ key: null, value: c, file: f.file, line: 1 }))).slice(0, sampleSize);
  const failed = findings.length;
  let message: string | null = null;
  if (failed > 0) {
    const files = findings.map((f) => f.file).join(", ");
    message =
      rule.kind === "column_present"
        ? `"${rule.column}" is missing from ${failed} of ${sources.length} files (${files}); rules on it skip their rows`
        : `columns the contract does not know: ${findings.map((f) => `${quoted(f.columns)} in ${f.file}`).join("; ")}; kept in raw only: add them to contract ${contract.name} (or as an alias) to load them`;
  }
  return { status: statusFor(rule, failed > 0), failed, total: sources.length, ratio: sources.length === 0 ? 0 : failed / sources.length, observed: null, samples, message };
}

// ---------------------------------------------------------------------------------------------
// Baselines: a rule's figure against the same figure in earlier loads' reports

/** The figure a baseline compares: row_count the rows, completeness the complete ratio, not_null the failed ratio. */
export function baselineFigure(rule: Pick<RuleResult, "kind" | "observed" | "ratio" | "status">): number | null {
  // A rule skipped for want of a baseline still measured its figure; one that errored did not.
  if (rule.status === "error") return null;
  return rule.kind === "not_null" ? rule.ratio : rule.observed;
}

/**
 * The earlier figures of `ruleId`: the latest `loads` loads before `loadDate` whose dataset did not
 * fail and where the rule was evaluated, oldest first.
 */
export function earlierFigures(ruleId: string, dataset: string, loadDate: string, loads: number, history: readonly QualityReport[]): { loadDate: string; figure: number }[] {
  const figures: { loadDate: string; figure: number }[] = [];
  for (const report of [...history].sort((a, b) => b.load_date.localeCompare(a.load_date))) {
    if (report.load_date >= loadDate || figures.length >= loads) continue;
    const kept = report.datasets.find((d) => d.name === dataset);
    if (kept === undefined || kept.status === "fail") continue;
    const result = kept.rules.find((r) => r.id === ruleId);
    const figure = result === undefined ? null : baselineFigure(result);
    if (figure !== null) figures.push({ loadDate: report.load_date, figure });
  }
  return figures.reverse();
}

export function statisticOf(statistic: Baseline["statistic"], values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  switch (statistic) {
    case "min":
      return sorted[0];
    case "max":
      return sorted[sorted.length - 1];
    case "mean":
      return sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
    case "median": {
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
  }
}

/** Whether the rule sets a bound of its own besides its baseline (a baseline replaces the implicit "no failing row"). */
function hasStaticBound(rule: Rule): boolean {
  switch (rule.kind) {
    case "row_count":
      return rule.min !== null || rule.max !== null;
    case "completeness":
      return rule.minRatio !== null;
    case "not_null":
      return rule.threshold !== null;
    default:
      return true;
  }
}

const shown = (rule: Rule, value: number): string => (rule.kind === "row_count" ? value.toLocaleString("en-US", { maximumFractionDigits: 1 }) : `${Number((value * 100).toFixed(4))}%`);

/**
 * A rule with a baseline, judged: its own bound (when it sets one) and the baseline's both must
 * hold. A baseline with fewer than min_loads earlier figures is not compared, and says so; the rule
 * is then skipped unless its own bound judged it.
 */
export function judgeBaseline(
  rule: Rule,
  counted: Judged & { readonly staticViolated: boolean },
  dataset: string,
  loadDate: string,
  history: readonly QualityReport[] | undefined,
): Judged & { readonly baseline: BaselineComparison } {
  const { staticViolated, ...judged } = counted;
  const baseline = rule.baseline as Baseline;
  const figure = rule.kind === "not_null" ? judged.ratio : judged.observed;
  const earlier = history === undefined ? [] : earlierFigures(rule.id, dataset, loadDate, baseline.loads, history);
  const comparison = { statistic: baseline.statistic, loads: earlier.map((e) => e.loadDate), needed: baseline.minLoads };
  const notes = judged.message === null ? [] : [judged.message];
  if (earlier.length < baseline.minLoads || figure === null) {
    const why = history === undefined
      ? "the engine was not given the reports of earlier loads"
      : figure === null
        ? "this load has no figure to compare"
        : `${earlier.length} earlier load${earlier.length === 1 ? "" : "s"} to compare with (dataset not failed, rule evaluated), ${baseline.minLoads} needed`;
    const status = hasStaticBound(rule) ? statusFor(rule, staticViolated) : "skipped";
    return { ...judged, status, message: [...notes, `baseline not compared: ${why}`].join("; "), baseline: { ...comparison, value: null, low: null, high: null } };
  }
  const value = statisticOf(baseline.statistic, earlier.map((e) => e.figure));
  const low = baseline.minFactor === null ? null : baseline.minFactor * value;
  const high = baseline.maxFactor === null ? null : baseline.maxFactor * value;
  const outside = (low !== null && figure < low) || (high !== null && figure > high);
  if (outside) {
    const band = [low === null ? null : `at least ${shown(rule, low)}`, high === null ? null : `at most ${shown(rule, high)}`].filter((b) => b !== null).join(" and ");
    notes.push(`${shown(rule, figure)} is outside the baseline: ${band} (${baseline.statistic} ${shown(rule, value)} of ${earlier.length} earlier loads, ${earlier[0].loadDate} to ${earlier[earlier.length - 1].loadDate})`);
  }
  const violated = (hasStaticBound(rule) && staticViolated) || outside;
  const tableLevel = rule.kind !== "not_null";
  return {
    ...judged,
    status: statusFor(rule, violated),
    // A table-level rule fails as a unit; a row-level one keeps its row counts.
    ...(tableLevel ? { failed: violated ? 1 : 0, total: 1, ratio: violated ? 1 : 0 } : {}),
    message: notes.length === 0 ? null : notes.join("; "),
    baseline: { ...comparison, value, low, high },
  };
}

/** Everything an engine may be given about a load besides its rows, by dataset. */
export interface LoadInputs {
  /** Each dataset's source files and headers (from its load record). @default none: schema rules skipped, no file left out of scope */
  readonly sources?: ReadonlyMap<string, readonly SourceFile[]>;
  /** Each dataset's raw files in a local lake (DuckDB reads them again). @default none: reconciliation does not read raw again */
  readonly rawExports?: ReadonlyMap<string, readonly RawExport[]>;
  /** Kept reports of earlier loads. @default none: baselines not compared */
  readonly history?: readonly QualityReport[];
}

/** The compile options and the result context of one dataset. */
export function datasetInputs(contract: Contract, inputs: LoadInputs): { filesWithout: Map<string, string[]>; rawExports: readonly RawExport[] | undefined; context: LoadContext } {
  const sources = inputs.sources?.get(contract.name);
  return {
    filesWithout: sources === undefined ? new Map() : filesWithout(contract, sources),
    rawExports: inputs.rawExports?.get(contract.name),
    context: { sources, history: inputs.history },
  };
}
