import { DatasetDocuments, Json, JsonObject } from "../../src/contract/documents";
import { Rng } from "../../src/generator/random";
import { foldValue, headerKey } from "../../src/model/text";

/**
 * Random models (contracts and rule files) that the loaders accept, for the ODCS round trip:
 * the optional fields of the contract and column formats, the rule kinds and rule fields, in
 * random combinations, with the spellings that trip YAML up (yes, null, 1.0, "a: b", line breaks),
 * identifiers that only just are identifiers (a__b, trailing underscores) and defaults written
 * out (status active, required false). The round-trip test holds what the generator produced
 * against the schemas, so a field or kind it does not know is noticed.
 */

const RULE_KINDS = ["not_null", "unique", "type", "accepted_values", "range", "pattern", "references", "row_count", "freshness", "completeness", "reconciliation", "column_present", "known_columns"];

const TEXTS = [
  "Plain words.",
  "yes",
  "no",
  "null",
  "~",
  "123",
  "1.0",
  "- a dash first",
  "a: colon",
  "# hash",
  "quote \" and ' both",
  "ünïcödé ✓ 电力",
  "two\nlines",
  "  leading spaces",
  "trailing spaces  ",
  "{braces} and [brackets]",
  "@at `tick` %percent *star &amp !bang |pipe >gt",
  "2026-01-05",
  "true",
];

const WORDS = ["meter", "reading", "kwh", "tariff", "zone", "grid", "plant", "offer", "bid", "node", "price", "volume", "region", "contract", "period"];
const TYPES = ["string", "string", "integer", "decimal(18,3)", "decimal(38,0)", "decimal(9,9)", "decimal(1,0)", "date", "timestamp", "boolean"];
const DATE_FORMATS = ["yyyy-MM-dd", "dd/MM/yyyy", "dd.MM.yyyy", "MM-dd-yyyy", "yyyy/MM/dd", "dd MM yyyy"];
const TIMESTAMP_FORMATS = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "dd/MM/yyyy HH:mm", "dd.MM.yyyy HH:mm:ss", "yyyy/MM/dd HH:mm"];
const NULL_MARKERS = ["NULL", "n/a", "#N/D", "yes", "-", "—", "null: none"];
const STATUSES = ["proposed", "draft", "active", "deprecated", "retired"];
/** RE2 patterns whose structure the ODCS anchoring must survive: alternation, groups, classes holding ), escapes, anchors. */
const PATTERNS = ["[A-Z]{2}[0-9]+", "a|b", "(x)(y)|z", "^x.*", "[)(]+", "\\)\\(", "\\$[0-9]+", "[^|]+", "(?:ab)+c?", ".*", "\\d{3}-\\d{4}", "[a-z]+$", "(a|b)(c|d)"];

interface GeneratedColumn {
  readonly name: string;
  readonly type: string;
  readonly canonical: readonly string[];
  required: boolean;
}

class ModelGenerator {
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  private text(): string {
    return this.rng.pick(TEXTS);
  }

  private identifier(prefix: string, taken: Set<string>): string {
    for (;;) {
      const word = this.rng.pick(WORDS);
      // Valid identifiers that a careless snake_case conversion would change.
      const name = this.rng.pick([`${prefix}${word}`, `${prefix}_${word}_${this.rng.int(100)}`, `${prefix}__${word}`, `${prefix}${word}_`, `${prefix}${this.rng.int(10)}${word}`]);
      if (!taken.has(name)) {
        taken.add(name);
        return name;
      }
    }
  }

  private sample<T>(items: readonly T[], min: number, max: number): T[] {
    const copy = [...items];
    const count = Math.min(copy.length, this.rng.between(min, max));
    const out: T[] = [];
    while (out.length < count) out.push(copy.splice(this.rng.int(copy.length), 1)[0]);
    return out;
  }

  private literal(column: GeneratedColumn): Json {
    if (column.canonical.length > 0) return this.rng.pick(column.canonical);
    switch (column.type) {
      case "string":
        return this.rng.pick(["a", "yes", "null", "1.0", "x: y", "ñandú", " padded "]) + (this.rng.chance(0.5) ? String(this.rng.int(9)) : "");
      case "integer":
        return this.rng.between(-1000, 100000);
      case "date":
        return `20${10 + this.rng.int(20)}-0${1 + this.rng.int(9)}-1${this.rng.int(9)}`;
      case "timestamp":
        return this.rng.chance(0.5) ? `2026-0${1 + this.rng.int(9)}-0${1 + this.rng.int(9)}` : `2026-01-0${1 + this.rng.int(9)} 1${this.rng.int(9)}:0${this.rng.int(9)}:30`;
      case "boolean":
        return this.rng.chance(0.5);
      default:
        return this.rng.pick([0, 0.5, 12.125, -3.25, 100000]);
    }
  }

  private literals(column: GeneratedColumn, min: number, max: number): Json[] {
    const values: Json[] = [];
    for (let i = 0; i < max * 3 && values.length < max; i++) {
      const v = this.literal(column);
      if (!values.includes(v)) values.push(v);
    }
    return values.slice(0, Math.max(min, this.rng.between(min, max)));
  }

  private filter(columns: readonly GeneratedColumn[]): JsonObject {
    const column = this.rng.pick(columns);
    const values = this.literals(column, 1, 3);
    return this.rng.chance(0.5) || values.length === 1 ? { column: column.name, equals: values[0] } : { column: column.name, in: values };
  }

  private where(columns: readonly GeneratedColumn[]): JsonObject {
    if (!this.rng.chance(0.3)) return {};
    return { where: this.rng.chance(0.5) ? this.filter(columns) : [this.filter(columns), this.filter(columns)] };
  }

  private threshold(): JsonObject {
    return this.rng.chance(0.4) ? { threshold: this.rng.pick([0, 0.001, 0.05, 0.07, 0.123456, 0.5, 1]) } : {};
  }

  /** A bound from earlier loads (history-aware rules). */
  private baseline(): JsonObject {
    const loads = this.rng.pick([1, 3, 7, 30]);
    const factors = this.rng.pick<JsonObject>([{ min_factor: 0.5 }, { max_factor: 2 }, { min_factor: 0.8, max_factor: 1.25 }]);
    return { baseline: { loads, ...(this.rng.chance(0.5) ? { min_loads: this.rng.between(1, loads) } : {}), statistic: this.rng.pick(["median", "mean", "min", "max"]), ...factors } };
  }

  private columns(datasetIndex: number): { documents: JsonObject[]; columns: GeneratedColumn[] } {
    const taken = new Set<string>();
    const headers = new Set<string>();
    const documents: JsonObject[] = [];
    const columns: GeneratedColumn[] = [];
    const count = this.rng.between(2, 8);
    for (let i = 0; i < count; i++) {
      let name = this.identifier(i === 0 ? "id" : "c", taken);
      while (headers.has(headerKey(name))) name = this.identifier(i === 0 ? "id" : "c", taken);
      headers.add(headerKey(name));
      // One column of each temporal type at least sometimes, so partitions and freshness have one.
      const type = i === 1 && this.rng.chance(0.6) ? this.rng.pick(["date", "timestamp"]) : i === 0 ? this.rng.pick(["string", "integer"]) : this.rng.pick(TYPES);
      const column: JsonObject = { name, type };
      if (this.rng.chance(0.6)) column.description = this.text();
      if (this.rng.chance(0.5)) column.required = this.rng.chance(0.7);
      if (this.rng.chance(0.4)) column.pii = this.rng.chance(0.7);
      if (this.rng.chance(0.2)) column.null_markers = this.sample(NULL_MARKERS, 0, 2);
      if (this.rng.chance(0.5)) {
        const aliases = [`${this.rng.pick(["Ñ", "É", " ", "-", ""])}${name} alt ${datasetIndex}`, `${name.toUpperCase()}-${i}X`, `Tipo Energía ${i}`, `yes ${i}`].filter((a) => !headers.has(headerKey(a)));
        const chosen = this.sample(aliases, 1, 3);
        chosen.forEach((a) => headers.add(headerKey(a)));
        if (chosen.length > 0) column.aliases = chosen;
      }
      const canonical: string[] = [];
      if (type === "string" && i > 0 && this.rng.chance(0.4)) {
        const values: JsonObject = {};
        const folded = new Set<string>();
        for (const value of this.sample(["buy", "sell", "wind", "solar", "yes", "no", "n_a", "x1"], 1, 4)) {
          const spellings = [value.toUpperCase(), `${value}é`, `${value} (${i})`, "null", "1.0"].filter((s) => !folded.has(foldValue(s)) && foldValue(s) !== foldValue(value));
          const chosen = this.sample(spellings, 0, 3);
          [value, ...chosen].forEach((s) => folded.add(foldValue(s)));
          values[value] = chosen;
          canonical.push(value);
        }
        column.values = values;
      }
      documents.push(column);
      columns.push({ name, type, canonical, required: column.required === true });
    }
    return { documents, columns };
  }

  private contract(dataset: string, datasetIndex: number): { contract: JsonObject; columns: GeneratedColumn[] } {
    const { documents, columns } = this.columns(datasetIndex);
    const keyColumns = this.sample(columns, 1, 2);
    for (const k of keyColumns) {
      (documents.find((d) => d.name === k.name) as JsonObject).required = true;
      k.required = true;
    }
    const contract: JsonObject = {};
    if (this.rng.chance(0.3)) contract.$schema = "./contract.schema.json";
    contract.name = dataset;
    contract.version = this.rng.pick(["1.0.0", "0.1.0", "2.3.4", "10.0.0-rc.1", "1.2.3+build.5"]);
    if (this.rng.chance(0.4)) contract.status = this.rng.pick(STATUSES);
    contract.description = this.text();
    contract.file_names = this.sample([dataset, `${dataset} export`, "Datos Ñ", "yes", "2026"], 1, 3);
    contract.key = keyColumns.map((k) => k.name);
    const temporal = columns.filter((c) => c.type === "date" || c.type === "timestamp");
    if (temporal.length > 0 && this.rng.chance(0.5)) {
      contract.curated_partition = { column: this.rng.pick(temporal).name, granularity: this.rng.pick(["year", "month", "day"]), name: this.rng.pick(["trade_month", "period", "load_year"]) };
      if (columns.some((c) => c.name === (contract.curated_partition as JsonObject).name)) delete contract.curated_partition;
    }
    if (this.rng.chance(0.4)) contract.null_markers = this.sample(NULL_MARKERS, 0, 3);
    if (this.rng.chance(0.4)) {
      const decimal = this.rng.pick([".", ","]);
      contract.decimal_separator = decimal;
      if (this.rng.chance(0.5)) contract.grouping_separator = this.rng.pick([",", ".", " ", "'", ""].filter((g) => g !== decimal));
    } else if (this.rng.chance(0.2)) contract.grouping_separator = this.rng.pick([" ", "'", ""]);
    if (this.rng.chance(0.4)) contract.date_formats = this.sample(DATE_FORMATS, 1, 3);
    if (this.rng.chance(0.4)) contract.timestamp_formats = this.sample(TIMESTAMP_FORMATS, 1, 3);
    contract.columns = documents;
    return { contract, columns };
  }

  private rule(kind: string, dataset: string, columns: readonly GeneratedColumn[], others: readonly { dataset: string; columns: readonly GeneratedColumn[] }[]): JsonObject | undefined {
    const of = (types: readonly string[]): GeneratedColumn[] => columns.filter((c) => types.some((t) => c.type.startsWith(t)));
    const body = (): JsonObject | undefined => {
      switch (kind) {
        case "not_null":
          return { column: this.rng.pick(columns).name, ...this.threshold(), ...this.where(columns), ...(this.rng.chance(0.3) ? this.baseline() : {}) };
        case "unique":
          return { columns: this.sample(columns, 1, 3).map((c) => c.name), ...this.threshold(), ...this.where(columns) };
        case "type": {
          const typed = columns.filter((c) => c.type !== "string");
          return typed.length === 0 ? undefined : { column: this.rng.pick(typed).name, ...this.threshold(), ...this.where(columns) };
        }
        case "accepted_values": {
          const column = this.rng.pick(columns);
          return { column: column.name, values: this.literals(column, 1, 4), ...this.threshold(), ...this.where(columns) };
        }
        case "range": {
          const candidates = of(["integer", "decimal", "date", "timestamp"]);
          if (candidates.length === 0) return undefined;
          const column = this.rng.pick(candidates);
          const temporal = column.type === "date" || column.type === "timestamp";
          const [low, high] = temporal ? ["2000-01-01", this.rng.pick(["2026-12-31", "2099-02-28"])] : column.type.startsWith("decimal") ? [this.rng.pick([-0.5, 0]), this.rng.pick([0.75, 1e6])] : [this.rng.pick([-10, 0, 1]), this.rng.pick([1, 100, 250000])];
          const bounds = this.rng.pick<JsonObject>([{ min: low }, { max: high }, { min: low, max: high }]);
          return { column: column.name, ...bounds, ...this.threshold(), ...this.where(columns) };
        }
        case "pattern": {
          const text = of(["string"]);
          return text.length === 0 ? undefined : { column: this.rng.pick(text).name, pattern: this.rng.pick(PATTERNS), ...this.threshold(), ...this.where(columns) };
        }
        case "references": {
          const column = this.rng.pick(columns);
          const targets = others.flatMap((o) => o.columns.filter((c) => c.type.split("(")[0] === column.type.split("(")[0]).map((c) => ({ dataset: o.dataset, column: c.name })));
          if (targets.length === 0) return undefined;
          const chosen = this.sample(targets, 1, 3);
          if (chosen.length === 1 && this.rng.chance(0.6)) return { column: column.name, targets: chosen, ...this.threshold() };
          const condition = this.rng.pick(columns);
          const values = this.literals(condition, chosen.length, chosen.length);
          if (values.length < chosen.length) return { column: column.name, targets: [chosen[0]] };
          return { column: column.name, targets: chosen.map((t, i) => ({ ...t, when: { column: condition.name, equals: values[i] } })), ...this.threshold() };
        }
        case "row_count": {
          const min = this.rng.pick([0, 1, 10]);
          return this.rng.pick<JsonObject>([{ min }, { max: 5000000 }, { min, max: min + this.rng.int(1000) }, this.baseline(), { min, ...this.baseline() }]);
        }
        case "freshness": {
          const temporal = of(["date", "timestamp"]);
          return temporal.length === 0 ? undefined : { column: this.rng.pick(temporal).name, max_age_days: this.rng.pick([0, 1, 30, 400]), ...this.where(columns) };
        }
        case "completeness":
          return {
            column: this.rng.pick(columns).name,
            ...this.rng.pick<JsonObject>([{ min_ratio: this.rng.pick([0, 0.5, 0.95, 0.999, 1]) }, this.baseline(), { min_ratio: 0.9, ...this.baseline() }]),
            ...this.where(columns),
          };
        case "reconciliation": {
          const numeric = of(["integer", "decimal"]);
          return numeric.length === 0 ? undefined : { columns: this.sample(numeric, 1, 2).map((c) => c.name) };
        }
        case "column_present": {
          // A required column's absence already fails the load.
          const optional = columns.filter((c) => !c.required);
          return optional.length === 0 ? undefined : { column: this.rng.pick(optional).name };
        }
        case "known_columns":
          return {};
        default:
          throw new Error(`the generator has no rule of kind ${kind}`);
      }
    };
    const made = body();
    if (made === undefined) return undefined;
    const id = `${dataset}.${typeof made.column === "string" ? `${made.column}.` : ""}${kind}${this.rng.pick(["", "-2", "_x", ".b"])}`;
    return { id, kind, severity: this.rng.pick(["error", "warn"]), description: this.text(), ...made };
  }

  model(): DatasetDocuments[] {
    const taken = new Set<string>();
    const datasets = Array.from({ length: this.rng.between(1, 4) }, () => this.identifier("d", taken));
    const made = datasets.map((dataset, i) => ({ dataset, ...this.contract(dataset, i) }));
    return made.map(({ dataset, contract, columns }) => {
      if (this.rng.chance(0.15)) return { dataset, contract, rules: undefined };
      const rules: JsonObject[] = [];
      const ids = new Set<string>();
      const count = this.rng.between(0, 14);
      for (let i = 0; i < count; i++) {
        const rule = this.rule(this.rng.pick(RULE_KINDS), dataset, columns, made.filter((m) => m.dataset !== dataset));
        if (rule && !ids.has(String(rule.id))) {
          ids.add(String(rule.id));
          rules.push(rule);
        }
      }
      const file: JsonObject = {};
      if (this.rng.chance(0.3)) file.$schema = "./rules.schema.json";
      file.dataset = dataset;
      if (this.rng.chance(0.5)) file.description = this.text();
      file.rules = rules;
      return { dataset, contract, rules: file };
    });
  }
}

export function generatedModel(seed: number): DatasetDocuments[] {
  return new ModelGenerator(seed).model();
}
