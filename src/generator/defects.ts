import { LakeInputError } from "../errors";

/** Defects injected into transactions, one per defective row. */
export const TRANSACTION_DEFECT_KINDS = [
  "null_key",
  "duplicate_key",
  "bad_number",
  "bad_date",
  "unknown_enum",
  "negative_quantity",
  "orphan_counterparty",
] as const;

export const DEFECT_KINDS = [...TRANSACTION_DEFECT_KINDS, "customers_null_name", "providers_duplicate_key"] as const;

export type TransactionDefectKind = (typeof TRANSACTION_DEFECT_KINDS)[number];
export type DefectKind = (typeof DEFECT_KINDS)[number];

/** An absolute number of defective rows, or a fraction of the rows of the dataset the kind lands in. */
export type DefectAmount = { readonly count: number } | { readonly fraction: number };

/**
 * Which defects to inject. "default" is a small count of every kind, scaled to the size (see
 * {@link defaultDefectCounts}); otherwise the kinds listed, each with its amount (unlisted = none).
 */
export type DefectSpec = "default" | Readonly<Partial<Record<DefectKind, DefectAmount>>>;

export type DefectCounts = Readonly<Record<DefectKind, number>>;

/** Data rows of each dataset before any defect is added. */
export interface DatasetSizes {
  readonly providers: number;
  readonly customers: number;
  readonly transactions: number;
}

const SPEC_HELP = `write "none", "default" or a comma list of kind=N (a row count) or kind=0.01 (a fraction of that dataset's rows); kinds: ${DEFECT_KINDS.join(", ")}`;

function isDefectKind(name: string): name is DefectKind {
  return (DEFECT_KINDS as readonly string[]).includes(name);
}

/** Parses the CLI's `--defects SPEC`; throws LakeInputError naming every bad part. */
export function parseDefectSpec(spec: string): DefectSpec {
  const trimmed = spec.trim();
  if (trimmed === "none") return {};
  if (trimmed === "default") return "default";
  const amounts: Partial<Record<DefectKind, DefectAmount>> = {};
  const problems: string[] = [];
  const parts = trimmed.split(",").map((p) => p.trim());
  for (const part of parts) {
    const match = /^([a-z_]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!match) {
      problems.push(`"${part}": expected kind=N or kind=0.01`);
      continue;
    }
    const [, kind, amount] = match;
    if (!isDefectKind(kind)) {
      problems.push(`"${part}": unknown defect kind "${kind}"`);
    } else if (amounts[kind] !== undefined) {
      problems.push(`"${part}": "${kind}" is given twice; give each kind once`);
    } else if (amount.includes(".")) {
      const fraction = Number(amount);
      if (fraction > 1) problems.push(`"${part}": a fraction must be between 0 and 1; for a row count write an integer`);
      else amounts[kind] = { fraction };
    } else {
      amounts[kind] = { count: Number(amount) };
    }
  }
  if (problems.length > 0) throw new LakeInputError(`invalid --defects "${spec}": ${SPEC_HELP}`, problems);
  return amounts;
}

/** The dataset whose rows a kind's fraction refers to. */
export function datasetOfKind(kind: DefectKind): keyof DatasetSizes {
  if (kind === "customers_null_name") return "customers";
  if (kind === "providers_duplicate_key") return "providers";
  return "transactions";
}

/**
 * "default": one defect per 1,000 rows of the dataset (at least 1 of each kind; at least 2 orphan
 * counterparties so that both a buy and a sell get one).
 */
export function defaultDefectCounts(sizes: DatasetSizes): DefectCounts {
  const counts = {} as Record<DefectKind, number>;
  for (const kind of DEFECT_KINDS) counts[kind] = Math.max(1, Math.floor(sizes[datasetOfKind(kind)] / 1000));
  counts.orphan_counterparty = Math.max(2, counts.orphan_counterparty);
  return counts;
}

/**
 * Turns a spec into exact row counts and checks they fit: transaction defects need one clean row
 * left (the first row, a source for duplicates), a customer with a name must remain for sells to
 * reference.
 */
export function resolveDefectCounts(spec: DefectSpec, sizes: DatasetSizes, unavailable: readonly DefectKind[] = []): DefectCounts {
  if (spec === "default") {
    // The default set holds every kind the files have a column for.
    const counts = { ...defaultDefectCounts(sizes) };
    for (const kind of unavailable) counts[kind] = 0;
    return checkCapacity(counts, sizes);
  }
  const counts = {} as Record<DefectKind, number>;
  for (const kind of DEFECT_KINDS) {
    const amount = spec[kind];
    if (amount === undefined) counts[kind] = 0;
    else if ("count" in amount) counts[kind] = amount.count;
    else counts[kind] = Math.round(amount.fraction * sizes[datasetOfKind(kind)]);
  }
  const impossible = unavailable.filter((kind) => counts[kind] > 0);
  if (impossible.length > 0) {
    throw new LakeInputError(`this style's files have no column for ${impossible.join(", ")}; leave ${impossible.length === 1 ? "it" : "them"} out of --defects or use --style btg`);
  }
  return checkCapacity(counts, sizes);
}

function checkCapacity(counts: DefectCounts, sizes: DatasetSizes): DefectCounts {
  const problems: string[] = [];
  const inTransactions = TRANSACTION_DEFECT_KINDS.reduce((sum, kind) => sum + counts[kind], 0);
  if (inTransactions > sizes.transactions - 1) {
    problems.push(
      `${inTransactions} transaction defects do not fit in ${sizes.transactions} rows (at most ${sizes.transactions - 1}: the first row stays clean); lower the counts or raise --rows`,
    );
  }
  if (counts.customers_null_name > sizes.customers - 1) {
    problems.push(
      `customers_null_name=${counts.customers_null_name} does not fit in ${sizes.customers} customers (at most ${sizes.customers - 1}: sells need a named customer); lower it or raise --rows`,
    );
  }
  if (problems.length > 0) throw new LakeInputError("too many defects for the size asked:", problems);
  return counts;
}
