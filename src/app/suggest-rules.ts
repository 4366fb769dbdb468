import * as fs from "fs";
import * as path from "path";
import { Contract } from "../model/contracts";
import { Rule, RULES_SCHEMA_FILE, RuleSet, ruleColumns, ruleFileProblems } from "../model/rules";
import { loadDates, readLoadRecords } from "../pipeline/load";
import { profileLake } from "../profile/profile";
import { RowHistory, ruleFileJson, suggestRules, SuggestedRule, SuggestedRuleFile } from "../profile/suggest";
import type { LakeProfile } from "../profile/types";

/** Loads profiled by default: a fortnight of daily loads is enough evidence and one scan of it stays cheap. */
export const SUGGEST_DEFAULT_LOADS = 10;
/** Loads whose row counts (from their load records, no scan) feed the row count band. */
export const ROW_HISTORY_LOADS = 30;

export interface SuggestOptions {
  readonly lakeDir: string;
  readonly contracts: readonly Contract[];
  /** The rules in force: each suggestion says whether one of them already checks the same thing. */
  readonly ruleSets: readonly RuleSet[];
  readonly loadDate?: string;
  readonly loads?: number;
  readonly datasets?: readonly string[];
}

export interface Suggestion {
  readonly rule: SuggestedRule;
  /** Id of a rule in force of the same kind on the same columns, if any. */
  readonly existing: string | undefined;
}

export interface SuggestedFiles {
  readonly profile: LakeProfile;
  readonly files: readonly { readonly file: SuggestedRuleFile; readonly suggestions: readonly Suggestion[] }[];
}

/** Rows checked per load (records the load could split), for the last `count` loads up to `lastDate`. */
export function rowHistory(lakeDir: string, lastDate: string, count: number): RowHistory {
  const history = new Map<string, { load_date: string; rows: number }[]>();
  for (const date of loadDates(lakeDir).filter((d) => d <= lastDate).slice(-count)) {
    for (const record of readLoadRecords(lakeDir, date)) {
      const rows = record.files.reduce((sum, f) => sum + f.records - f.unparsable, 0);
      history.set(record.dataset, [...(history.get(record.dataset) ?? []), { load_date: date, rows }]);
    }
  }
  return history;
}

function sameCheck(rule: SuggestedRule, existing: Rule): boolean {
  if (existing.kind !== rule.kind) return false;
  const columns = (rule.columns as string[] | undefined) ?? (rule.column === undefined ? [] : [rule.column as string]);
  const theirs = ruleColumns(existing);
  if (columns.length !== theirs.length || !columns.every((c) => theirs.includes(c))) return false;
  // Two range rules on a column are the same check only when they bound the same side.
  if (rule.kind === "range" && existing.kind === "range") return (rule.min !== undefined) === (existing.min !== null) && (rule.max !== undefined) === (existing.max !== null);
  return true;
}

/** Profiles the window and derives its rule files; every file is checked as `lake rules validate` would. */
export async function suggestRuleFiles(options: SuggestOptions): Promise<SuggestedFiles> {
  const profile = await profileLake({ lakeDir: options.lakeDir, contracts: options.contracts, loadDate: options.loadDate, loads: options.loads ?? SUGGEST_DEFAULT_LOADS, datasets: options.datasets });
  const last = profile.load_dates[profile.load_dates.length - 1];
  const files = suggestRules(profile, options.contracts, rowHistory(profile.lake, last, ROW_HISTORY_LOADS));
  return {
    profile,
    files: files.map((file) => {
      const problems = ruleFileProblems(`${file.dataset}.json`, JSON.parse(ruleFileJson(file, "rules.schema.json")), options.contracts);
      if (problems.length > 0) throw new Error(`the rules suggested for ${file.dataset} do not validate:\n${problems.join("\n")}`);
      const inForce = options.ruleSets.find((s) => s.dataset === file.dataset)?.rules ?? [];
      return { file, suggestions: file.rules.map((rule) => ({ rule, existing: inForce.find((r) => sameCheck(rule, r))?.id })) };
    }),
  };
}

/** Writes <dir>/<dataset>.json per file, with a $schema path relative to the folder; returns the files written. */
export function writeRuleFiles(dir: string, files: readonly SuggestedRuleFile[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const schema = path.relative(path.resolve(dir), RULES_SCHEMA_FILE).split(path.sep).join("/");
  return files.map((file) => {
    const target = path.join(dir, `${file.dataset}.json`);
    fs.writeFileSync(target, ruleFileJson(file, schema));
    return target;
  });
}
