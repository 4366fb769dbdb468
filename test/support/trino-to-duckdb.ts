/**
 * Rewrites the Trino (Athena engine 3) SQL the lake compiles into DuckDB SQL with the same
 * meaning, so a fake Athena can run it on DuckDB. Only the functions whose name or semantics
 * differ are rewritten; everything else is the same in both engines. String literals, quoted
 * identifiers and comments are never touched.
 */

type Piece = { readonly kind: "text" | "word" | "literal"; readonly text: string } | { readonly kind: "group"; readonly items: Piece[] };

function tokenize(sql: string): Piece[] {
  const out: Piece[] = [];
  const stack: Piece[][] = [out];
  let text = "";
  const flush = (): void => {
    if (text !== "") stack[stack.length - 1]!.push({ kind: "text", text });
    text = "";
  };
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      let end = i + 1;
      for (;;) {
        end = sql.indexOf(ch, end);
        if (end < 0) throw new Error(`unterminated ${ch === "'" ? "string literal" : "quoted identifier"} at offset ${i}`);
        if (sql[end + 1] === ch) end += 2;
        else break;
      }
      flush();
      stack[stack.length - 1]!.push({ kind: "literal", text: sql.slice(i, end + 1) });
      i = end;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      flush();
      stack[stack.length - 1]!.push({ kind: "literal", text: sql.slice(i, end < 0 ? sql.length : end) });
      i = end < 0 ? sql.length : end - 1;
    } else if (/[A-Za-z_]/.test(ch)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))![0];
      flush();
      stack[stack.length - 1]!.push({ kind: "word", text: word });
      i += word.length - 1;
    } else if (ch === "(") {
      flush();
      const group: Piece = { kind: "group", items: [] };
      stack[stack.length - 1]!.push(group);
      stack.push(group.items);
    } else if (ch === ")") {
      flush();
      if (stack.length === 1) throw new Error(`unbalanced ")" at offset ${i}`);
      stack.pop();
    } else {
      text += ch;
    }
  }
  flush();
  if (stack.length !== 1) throw new Error("unbalanced parentheses");
  return out;
}

function render(pieces: readonly Piece[]): string {
  return pieces.map((p) => (p.kind === "group" ? `(${render(p.items)})` : p.text)).join("");
}

/** The top-level arguments of a call's parenthesised group, each rendered (already rewritten). */
function splitArguments(items: readonly Piece[]): string[] {
  const args: Piece[][] = [[]];
  for (const p of items) {
    if (p.kind === "text" && p.text.includes(",")) {
      const parts = p.text.split(",");
      parts.forEach((part, i) => {
        if (i > 0) args.push([]);
        if (part !== "") args[args.length - 1]!.push({ kind: "text", text: part });
      });
    } else {
      args[args.length - 1]!.push(p);
    }
  }
  return args.map((a) => render(a).trim());
}

/** Trino's date_parse format (MySQL style) to DuckDB's strptime format: %i minutes and %s seconds. */
function strptimeFormat(literal: string): string {
  return literal.replace(/%i/g, "%M").replace(/%s/g, "%S");
}

const REWRITES: Readonly<Record<string, (args: string[]) => string>> = {
  // Trino's regexp_like is a partial match, as DuckDB's regexp_matches.
  regexp_like: ([text, pattern]) => `regexp_matches(${text}, ${pattern})`,
  // Trino replaces every match; DuckDB only the first unless told 'g'.
  regexp_replace: ([text, pattern, replacement]) => `regexp_replace(${text}, ${pattern}, ${replacement ?? "''"}, 'g')`,
  // normalize(x, NFD) then removing combining marks is how Trino strips accents; DuckDB has it built in.
  normalize: ([text]) => `strip_accents(${text})`,
  date_parse: ([text, format]) => `strptime(${text}, ${format?.startsWith("'") ? strptimeFormat(format) : format})`,
  array_join: ([list, separator]) => `array_to_string(${list}, ${separator})`,
  bitwise_and: ([a, b]) => `((${a}) & (${b}))`,
  // Trino's CAST(text AS JSON) encodes a JSON string (DuckDB's would parse it): encode with to_json instead.
  json_format: ([json]) => {
    const cast = /^CAST\(([\s\S]*) AS JSON\)$/i.exec(json ?? "");
    return cast ? `CAST(to_json(${cast[1]}) AS VARCHAR)` : `CAST(${json} AS VARCHAR)`;
  },
};

function rewrite(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    const next = pieces[i + 1];
    if (p.kind === "word" && next?.kind === "group" && REWRITES[p.text.toLowerCase()] !== undefined) {
      const args = splitArguments(rewrite(next.items));
      out.push({ kind: "text", text: REWRITES[p.text.toLowerCase()]!(args) });
      i++;
    } else if (p.kind === "group") {
      out.push({ kind: "group", items: rewrite(p.items) });
    } else {
      out.push(p);
    }
  }
  return out;
}

export function trinoToDuckdb(sql: string): string {
  return render(rewrite(tokenize(sql)));
}
