/**
 * Spark SQL has no accent stripping: its dialect folds with this `translate()` table, which covers
 * the accented letters of Spanish, Portuguese and French exports. DuckDB (strip_accents) and Trino
 * (NFD, marks removed) fold every accent, as foldValue does.
 */
export const ACCENTED = "áàâäãåéèêëíìîïóòôöõúùûüñçýÿ";
export const UNACCENTED = "aaaaaaeeeeiiiiooooouuuuncyy";

/** Lower-case, accent-free and trimmed: the form enum values are matched on, in TypeScript and in SQL alike. */
export function foldValue(value: string): string {
  return value.trim().toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "");
}

/**
 * The key a CSV header is matched on: folded, with spaces, dashes and dots read as underscores,
 * so "Nombre Proveedor", "nombre-proveedor" and " NOMBRE_PROVEEDOR " all match nombre_proveedor.
 */
export function headerKey(header: string): string {
  return foldValue(header.replace(/^\uFEFF/, "").replace(/^\s*"|"\s*$/g, "")).replace(/[\s.\-]+/g, "_");
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written yyyy-MM-dd ("2024-02-30" is not). */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
}

/**
 * Control characters (ESC, BEL, a lone CR, C1 codes such as CSI) and bidirectional overrides
 * written as \u escapes, so that text from an export (a value, a header, a file name) shown on a
 * terminal cannot move the cursor, recolour, retitle or reorder what follows. Line breaks and
 * tabs stay.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The same, through every string of a JSON-like value (a report before it is rendered as text). */
export function terminalSafeDeep<T>(value: T): T {
  if (typeof value === "string") return terminalSafe(value) as T;
  if (Array.isArray(value)) return value.map((v) => terminalSafeDeep(v)) as T;
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, terminalSafeDeep(v)])) as T;
  return value;
}
