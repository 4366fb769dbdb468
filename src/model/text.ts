/**
 * Accent folding shared by header matching and value normalisation. It is spelled as a
 * `translate()` table so that DuckDB, Trino (Athena) and Spark SQL fold exactly as TypeScript does.
 */
export const ACCENTED = "áàâäãåéèêëíìîïóòôöõúùûüñçýÿ";
export const UNACCENTED = "aaaaaaeeeeiiiiooooouuuuncyy";

/** Lower-case, accent-free and trimmed: the form enum values are matched on, in TypeScript and in SQL alike. */
export function foldValue(value: string): string {
  let folded = "";
  for (const ch of value.trim().toLowerCase()) {
    const at = ACCENTED.indexOf(ch);
    folded += at >= 0 ? UNACCENTED[at] : ch;
  }
  return folded;
}

/**
 * The key a CSV header is matched on: folded, with spaces, dashes and dots read as underscores,
 * so "Nombre Proveedor", "nombre-proveedor" and " NOMBRE_PROVEEDOR " all match nombre_proveedor.
 */
export function headerKey(header: string): string {
  return foldValue(header.replace(/^\uFEFF/, "").replace(/^\s*"|"\s*$/g, "")).replace(/[\s.\-]+/g, "_");
}
