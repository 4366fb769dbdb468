/**
 * Positional `?` parameters in Athena SQL (execution parameters and prepared statements). Athena
 * binds a `?` only inside a WHERE clause ("SELECT ? FROM t" is refused), so the compiled checks
 * keep the load date there, and these helpers check that they do.
 */

type Token = { readonly kind: "word" | "open" | "close" | "param" | "other"; readonly text: string; readonly at: number };

/** Words, parentheses and `?`, skipping string literals, quoted identifiers and comments (a regex '^(?:x)$' holds no parameter). */
function tokens(sql: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      // SQL doubles a quote to escape it, so skipping to the next quote and re-entering works.
      const end = sql.indexOf(ch, i + 1);
      i = end < 0 ? sql.length : end;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (ch === "?") {
      out.push({ kind: "param", text: ch, at: i });
    } else if (ch === "(") {
      out.push({ kind: "open", text: ch, at: i });
    } else if (ch === ")") {
      out.push({ kind: "close", text: ch, at: i });
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))!;
      out.push({ kind: "word", text: match[0].toUpperCase(), at: i });
      i += match[0].length - 1;
    } else if (!/\s/.test(ch)) {
      out.push({ kind: "other", text: ch, at: i });
    }
  }
  return out;
}

/** Keywords that start a clause of a query. */
const CLAUSES = new Set(["SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "ON", "JOIN", "UNION", "INTERSECT", "EXCEPT", "VALUES", "WINDOW", "USING", "WITH"]);

/** Offsets of every `?` parameter, in binding order. */
export function parameterOffsets(sql: string): number[] {
  return tokens(sql).filter((t) => t.kind === "param").map((t) => t.at);
}

export function countParameters(sql: string): number {
  return parameterOffsets(sql).length;
}

/**
 * The clause each `?` sits in ("WHERE", "SELECT", ...): the innermost clause keyword that
 * encloses it. An aggregate's `FILTER (WHERE ...)` is part of the select list, not a WHERE clause.
 */
export function parameterClauses(sql: string): { readonly at: number; readonly clause: string }[] {
  const list = tokens(sql);
  const stack: (string | undefined)[] = [undefined];
  const found: { at: number; clause: string }[] = [];
  list.forEach((t, i) => {
    if (t.kind === "open") stack.push(undefined);
    else if (t.kind === "close") stack.length > 1 && stack.pop();
    else if (t.kind === "word" && CLAUSES.has(t.text)) {
      const filtered = t.text === "WHERE" && list[i - 1]?.kind === "open" && list[i - 2]?.text === "FILTER";
      stack[stack.length - 1] = filtered ? "FILTER" : t.text;
    } else if (t.kind === "param") {
      const clause = [...stack].reverse().find((c) => c !== undefined) ?? "(none)";
      found.push({ at: t.at, clause });
    }
  });
  return found;
}

/** One line per `?` outside a WHERE clause, naming where it is; empty when Athena can bind them all. */
export function parameterProblems(sql: string): string[] {
  return parameterClauses(sql)
    .filter((p) => p.clause !== "WHERE")
    .map((p) => `parameter at offset ${p.at} is in a ${p.clause} clause ("…${sql.slice(Math.max(0, p.at - 40), p.at + 10)}…"); Athena binds ? only inside WHERE`);
}
