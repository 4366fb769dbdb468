/**
 * A lake profile: what the loads of a window hold, per dataset and column, measured on the raw
 * exports as received and on their typed view (the values the quality rules judge). Written by
 * `lake profile` as quality/<load_date>/profile.json; `lake rules suggest` derives rules from it.
 * Values of personal data (contract `pii`, and every column no contract declares) never appear in
 * it: only counts and letter-class shapes.
 */

export interface ValueCount {
  readonly value: string;
  readonly count: number;
}

export interface ShapeCount {
  readonly shape: string;
  readonly count: number;
}

/**
 * How values are written, each character class replaced: digits by 9, and at the "classes" level
 * letters by A (upper case) or a (other letters); other characters are kept. `C001` is `C999`
 * with letters kept and `A999` at the classes level; `05/03/2024` is `99/99/9999`.
 */
export interface Shapes {
  /** "letters": letters kept (used when few enough shapes and not personal data); "classes": letters as A/a. */
  readonly level: "letters" | "classes";
  /** Distinct shapes at that level. */
  readonly distinct: number;
  /** The most frequent shapes, most frequent first; every shape when `distinct` <= the list's size. */
  readonly top: readonly ShapeCount[];
  /** True when `top` lists every shape. */
  readonly complete: boolean;
}

/** Shares of present values containing at least one character of each class. */
export interface CharacterClasses {
  readonly digits: number;
  readonly upper: number;
  readonly lower: number;
  readonly space: number;
  readonly punctuation: number;
  readonly non_ascii: number;
}

export interface ColumnLoadFigures {
  readonly load_date: string;
  readonly rows: number;
  readonly present: number;
  /** Distinct typed values within the load. */
  readonly distinct: number;
}

export interface ColumnProfile {
  /** The contract column, or the source header of a column no contract declares. */
  readonly name: string;
  readonly in_contract: boolean;
  /** Declared type (`decimal(18,3)`), or `text` for a column no contract declares. */
  readonly type: string;
  /** Masked: contract `pii`, or not in the contract (its content is unknown, so treated as personal). */
  readonly masked: boolean;
  /** The contract maps its spellings to canonical values. */
  readonly enum: boolean;
  /** Files of the window whose header has this column, of all files. */
  readonly in_files: number;
  readonly rows: number;
  /** Empty fields, and rows of files without the column. */
  readonly nulls: number;
  /** Fields holding only whitespace (or what the typed view reads as absent). */
  readonly blanks: number;
  readonly present: number;
  readonly null_ratio: number;
  readonly blank_ratio: number;
  /**
   * Present values that type: cast to the declared type, or for an enum column, spelled as one of
   * the contract's values. Null for plain text columns, where every value types.
   */
  readonly typed: number | null;
  /** typed / present; null where `typed` is, or when no value is present. */
  readonly conformity: number | null;
  /** The most frequent present values that did not type (unknown spellings for an enum), when not masked. */
  readonly nonconforming: readonly ValueCount[];
  /** Distinct typed (normalised) values; raw text for a column no contract declares. */
  readonly distinct: number;
  /** Smallest and largest typed value (numbers for numeric columns, ISO text for dates); null when masked or none. */
  readonly min: number | string | null;
  readonly max: number | string | null;
  /** Length of the present values, trimmed. */
  readonly length: { readonly min: number; readonly max: number } | null;
  readonly characters: CharacterClasses;
  /** Enum columns: the most frequent spellings as received (what the contract's value map reads); null otherwise or when masked. */
  readonly spellings: readonly ValueCount[] | null;
  /** The most frequent typed values with their counts; null when masked. */
  readonly top_values: readonly ValueCount[] | null;
  readonly shapes: Shapes;
  readonly loads: readonly ColumnLoadFigures[];
  /** Present in every row and unique within every load of the window. */
  readonly key_candidate: boolean;
  /** Ids of the rules (of the rule set given) that check this column. */
  readonly checked_by: readonly string[];
}

/** A target whose key the column's values were found in. */
export interface ReferenceTarget {
  readonly dataset: string;
  readonly column: string;
  /** Rows (with a typed value) whose value is a key of the target. */
  readonly found: number;
}

/**
 * A column whose values are keys of another dataset (all its loads in the lake): for every row
 * ("all"), or for the rows of each value of a condition column, each value with its own target
 * ("conditional": a buy's counterparty is a provider, a sell's a customer).
 */
export type ReferenceCandidate =
  | { readonly form: "all"; readonly column: string; readonly rows: number; readonly target: ReferenceTarget }
  | {
      readonly form: "conditional";
      readonly column: string;
      readonly rows: number;
      readonly condition: string;
      readonly branches: readonly { readonly value: string; readonly rows: number; readonly target: ReferenceTarget }[];
    };

export interface DatasetLoadFigures {
  readonly load_date: string;
  readonly files: number;
  /** Data records of the raw files (the load record's count). */
  readonly records: number;
  /** Records that did not split into the header's fields (quarantined by the load, not profiled). */
  readonly unparsable: number;
  /** Rows profiled. */
  readonly rows: number;
  /** Rows whose whole declared key is present, and distinct keys among them. */
  readonly key_present: number;
  readonly key_distinct: number;
}

export interface DatasetProfile {
  readonly name: string;
  readonly key: readonly string[];
  readonly loads: readonly DatasetLoadFigures[];
  readonly rows: number;
  readonly unparsable: number;
  readonly columns: readonly ColumnProfile[];
  /** Single columns present in every row and unique within every load. */
  readonly key_candidates: readonly string[];
  readonly reference_candidates: readonly ReferenceCandidate[];
  readonly seconds: number;
}

export interface LakeProfile {
  readonly profile_version: 1;
  readonly generated_at: string;
  readonly lake: string;
  /** The loads profiled, oldest first. */
  readonly load_dates: readonly string[];
  readonly datasets: readonly DatasetProfile[];
  readonly duration_seconds: number;
}
