import type { Shapes } from "./types";

/**
 * Regular expressions generalised from the shapes a column's values take: digit runs of any width
 * (`C001` and `C000101` both give `C[0-9]+`), letters kept where the shapes kept them, letter
 * classes where they did not, separators literal. Only characters every engine reads the same way
 * are emitted (no backslashes): a shape with any other character gives no pattern.
 */

type Token =
  | { readonly kind: "digits" }
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "upper" }
  | { readonly kind: "lower" };

/** At most this many alternatives: a pattern with more says little a person could check. */
export const MAX_ALTERNATIVES = 3;

/** Separators written as themselves; a few regex metacharacters in a one-character class. */
const PLAIN_SEPARATORS = new Set(["-", "_", "/", ":", "#", "@", ",", ";", "=", "%", "&", "'", "!", "~", " "]);
const BRACKETED_SEPARATORS = new Set([".", "+", "*", "?", "(", ")", "|", "{", "}", "$"]);

function tokenize(shape: string, level: Shapes["level"]): Token[] | undefined {
  const tokens: Token[] = [];
  const push = (token: Token): void => {
    const last = tokens[tokens.length - 1];
    if (last !== undefined && last.kind === token.kind && token.kind !== "literal") return;
    if (last !== undefined && last.kind === "literal" && token.kind === "literal" && /^[A-Za-z]+$/.test(last.text) && /^[A-Za-z]$/.test(token.text)) {
      tokens[tokens.length - 1] = { kind: "literal", text: last.text + token.text };
      return;
    }
    tokens.push(token);
  };
  for (const ch of shape) {
    if (ch === "9") push({ kind: "digits" });
    else if (/[A-Za-z]/.test(ch)) {
      if (level === "letters") push({ kind: "literal", text: ch });
      else push({ kind: ch === "A" ? "upper" : "lower" });
    } else if (PLAIN_SEPARATORS.has(ch) || BRACKETED_SEPARATORS.has(ch)) push({ kind: "literal", text: ch });
    else return undefined;
  }
  return tokens;
}

function render(token: Token | { readonly kind: "letters"; readonly options: readonly string[] }): string {
  switch (token.kind) {
    case "digits":
      return "[0-9]+";
    case "upper":
      return "[A-Z]+";
    case "lower":
      return "[a-z]+";
    case "letters":
      return `[${[...token.options].sort().join("")}]`;
    case "literal":
      return BRACKETED_SEPARATORS.has(token.text) ? `[${token.text}]` : token.text;
  }
}

const sameToken = (a: Token, b: Token): boolean => a.kind === b.kind && (a.kind !== "literal" || a.text === (b as { text: string }).text);
const isLetter = (t: Token): boolean => t.kind === "literal" && /^[A-Za-z]$/.test(t.text);

/**
 * One regex (alternatives joined by |) that every listed shape fits, or undefined when the shapes
 * are not all known, use characters outside the safe set, or need more than MAX_ALTERNATIVES
 * alternatives. Alternatives that differ only by one letter at one place merge into a class: `[CP][0-9]+`.
 */
export function generalisePattern(shapes: Shapes): string | undefined {
  if (!shapes.complete || shapes.top.length === 0) return undefined;
  const groups: Token[][] = [];
  for (const { shape } of shapes.top) {
    const tokens = tokenize(shape, shapes.level);
    if (tokens === undefined) return undefined;
    if (!groups.some((g) => g.length === tokens.length && g.every((t, i) => sameToken(t, tokens[i])))) groups.push(tokens);
  }
  // Merge alternatives differing by a single letter at one position into a letter class.
  const merged: { tokens: Token[]; at: number; letters: Set<string> }[] = [];
  for (const tokens of groups) {
    const into = merged.find((m) => {
      if (m.tokens.length !== tokens.length) return false;
      const differing = tokens.map((t, i) => (sameToken(t, m.tokens[i]) ? -1 : i)).filter((i) => i >= 0);
      if (differing.length !== 1 || (m.at >= 0 && m.at !== differing[0])) return false;
      return isLetter(tokens[differing[0]]) && isLetter(m.tokens[differing[0]]);
    });
    if (into === undefined) {
      merged.push({ tokens, at: -1, letters: new Set() });
      continue;
    }
    const i = into.tokens.findIndex((t, k) => !sameToken(t, tokens[k]));
    if (into.at < 0) into.letters.add((into.tokens[i] as { text: string }).text);
    into.at = i;
    into.letters.add((tokens[i] as { text: string }).text);
  }
  if (merged.length > MAX_ALTERNATIVES) return undefined;
  const alternatives = merged.map((m) => m.tokens.map((t, i) => (i === m.at ? render({ kind: "letters", options: [...m.letters] }) : render(t))).join(""));
  return [...new Set(alternatives)].join("|");
}
