import { DatasetSizes, DefectCounts } from "./defects";
import { Rng, sampleDistinct } from "./random";
import { TransactionDefect } from "./rows";

/** Where every defect goes, decided before a byte is written (rows are 0-based data rows). */
export interface DefectPlan {
  /** Defective transaction rows, ascending. */
  readonly transactionRows: Int32Array;
  /** The defect of each entry of transactionRows. */
  readonly transactionDefects: Uint8Array;
  /** For DuplicateKey entries, the earlier clean row they copy; -1 otherwise. */
  readonly duplicateSources: Int32Array;
  /** Customers written without a name, ascending. */
  readonly namelessCustomers: Int32Array;
  /** Customers a sell may reference: every customer that has a name, ascending. */
  readonly referenceableCustomers: Int32Array;
  /** Extra provider rows: after provider row `after` (0-based), a copy of provider row `source`. */
  readonly providerCopies: readonly { readonly after: number; readonly source: number }[];
}

export const sizesFor = (rows: number): DatasetSizes => ({
  providers: Math.max(5, Math.floor(rows / 200)),
  customers: Math.max(10, Math.floor(rows / 20)),
  transactions: rows,
});

/** A split kind's two halves: the first gets the odd one out. */
const firstHalf = (count: number): number => Math.ceil(count / 2);

/** Index of `row` in the ascending `rows`, or -1. */
function indexOfRow(rows: Int32Array, row: number): number {
  let low = 0;
  let high = rows.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (rows[middle] === row) return middle;
    if (rows[middle] < row) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

function planTransactions(counts: DefectCounts, rows: number, rng: Rng): Pick<DefectPlan, "transactionRows" | "transactionDefects" | "duplicateSources"> {
  const perDefect: [TransactionDefect, number][] = [
    [TransactionDefect.NullKey, counts.null_key],
    [TransactionDefect.DuplicateKey, counts.duplicate_key],
    [TransactionDefect.BadQuantity, firstHalf(counts.bad_number)],
    [TransactionDefect.BadPrice, counts.bad_number - firstHalf(counts.bad_number)],
    [TransactionDefect.BadDate, counts.bad_date],
    [TransactionDefect.UnknownEnum, counts.unknown_enum],
    [TransactionDefect.NegativeQuantity, counts.negative_quantity],
    [TransactionDefect.OrphanBuy, firstHalf(counts.orphan_counterparty)],
    [TransactionDefect.OrphanSell, counts.orphan_counterparty - firstHalf(counts.orphan_counterparty)],
  ];
  const total = perDefect.reduce((sum, [, count]) => sum + count, 0);
  // Row 0 is never defective: every duplicate then has an earlier clean row to copy.
  const picked = sampleDistinct(rows - 1, total, rng);
  // row * 16 + defect sorts by row and carries the defect along (both fit exactly in a double).
  const encoded = new Float64Array(total);
  let next = 0;
  for (const [defect, count] of perDefect) {
    for (let i = 0; i < count; i++, next++) encoded[next] = (picked[next] + 1) * 16 + defect;
  }
  encoded.sort();
  const transactionRows = new Int32Array(total);
  const transactionDefects = new Uint8Array(total);
  for (let i = 0; i < total; i++) {
    transactionRows[i] = Math.floor(encoded[i] / 16);
    transactionDefects[i] = encoded[i] % 16;
  }
  const duplicateSources = new Int32Array(total).fill(-1);
  for (let i = 0; i < total; i++) {
    if (transactionDefects[i] !== TransactionDefect.DuplicateKey) continue;
    const row = transactionRows[i];
    let source = rng.int(row);
    // Few rows are defective, so a random earlier row is almost always clean; else walk back.
    for (let attempt = 0; attempt < 8 && indexOfRow(transactionRows, source) >= 0; attempt++) source = rng.int(row);
    while (indexOfRow(transactionRows, source) >= 0) source--;
    duplicateSources[i] = source;
  }
  return { transactionRows, transactionDefects, duplicateSources };
}

/** Decides every defect's place from the counts alone; a pure function of (counts, sizes, seed). */
export function planDefects(counts: DefectCounts, sizes: DatasetSizes, rng: Rng): DefectPlan {
  const transactions = planTransactions(counts, sizes.transactions, rng);
  const namelessCustomers = Int32Array.from(sampleDistinct(sizes.customers, counts.customers_null_name, rng)).sort();
  const referenceableCustomers = new Int32Array(sizes.customers - namelessCustomers.length);
  for (let customer = 0, kept = 0, nameless = 0; customer < sizes.customers; customer++) {
    if (nameless < namelessCustomers.length && namelessCustomers[nameless] === customer) nameless++;
    else referenceableCustomers[kept++] = customer;
  }
  const providerCopies = Array.from({ length: counts.providers_duplicate_key }, () => {
    const source = rng.int(sizes.providers);
    return { after: source + rng.int(sizes.providers - source), source };
  }).sort((a, b) => a.after - b.after);
  return { ...transactions, namelessCustomers, referenceableCustomers, providerCopies };
}
