/**
 * A reader of DQDL rulesets written from the official grammar (awslabs/dqdl:
 * configuration/dqdl/DataQualityDefinitionLanguage.g4 and CommonLexerRules.g4) and from how its
 * parser listener reads tokens back (DQDLParserListener.java). It is the tests' stand-in for
 * Glue's parser: it tokenizes as ANTLR does (longest match, ties to the earlier rule, the grammar's
 * literals before the lexer rules), parses the rule forms of the grammar, and returns each rule as
 * the listener would read it: parameters and `where` / `matches` texts with only the quotes removed,
 * `in [...]` strings with escapes removed too, numbers as written.
 *
 * Not covered (energy-lake never writes them): Metadata, DataSources, variables, DefaultLabels,
 * Analyzers and composite rules.
 */

export class DqdlSyntaxError extends Error {}

type TokenType =
  | "literal" // the grammar's own words and symbols: Rules, where, labels, with, matches, now(), days, +, ...
  | "COLON" | "COMMA" | "SINGLE_QUOTE" | "QUOTE" | "LCURL" | "RCURL" | "LBRAC" | "RBRAC" | "LPAREN" | "RPAREN"
  | "AND" | "OR" | "OF" | "NULL" | "EMPTY" | "WHITESPACES_ONLY" | "BETWEEN"
  | "EQUAL_TO" | "GREATER_THAN" | "GREATER_THAN_EQUAL_TO" | "LESS_THAN" | "LESS_THAN_EQUAL_TO" | "IN" | "NOT" | "NEGATION"
  | "DIGIT" | "DATE" | "TIME" | "MIL_TIME" | "INT" | "DECIMAL" | "QUOTED_STRING" | "NEGATIVE"
  | "LINE_COMMENT" | "IDENTIFIER" | "WS" | "EOF";

export interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly at: number;
}

/** The parser grammar's literals; ANTLR defines them before the lexer rules ('-', '=', '[' ... are the lexer's own tokens). */
const LITERALS = ["Metadata", "DataSources", "Rules", "Analyzers", "now()", "days", "hours", "minutes", "B", "KB", "MB", "GB", "TB", "+", "/", "*", "matches", "$", "with", "where", "DefaultLabels", "labels"];

const digitAt = (s: string, i: number): boolean => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;
const run = (s: string, i: number, ok: (ch: string) => boolean): number => {
  let j = i;
  while (j < s.length && ok(s[j]!)) j++;
  return j - i;
};
const word = (...words: string[]) => (s: string, i: number): number => Math.max(0, ...words.map((w) => (s.startsWith(w, i) ? w.length : 0)));

function quotedString(s: string, i: number): number {
  if (s[i] !== '"') return 0;
  // QUOTE (ESC | .)*? QUOTE with ESC = \" | \\ : an escaped quote or backslash never closes the string.
  for (let j = i + 1; j < s.length; ) {
    if (s[j] === '"') return j + 1 - i;
    j += s[j] === "\\" && (s[j + 1] === '"' || s[j + 1] === "\\") ? 2 : 1;
  }
  return 0;
}

function date(s: string, i: number): number {
  if (s[i] !== '"') return 0;
  const body = s.slice(i + 1, i + 12);
  return /^[0-9]{4}-[0-9]{2}-[0-9]{2}"$/.test(body) ? 12 : 0;
}

function time(s: string, i: number): number {
  const m = /^"[0-9]{1,2}:[0-9]{2} (?:AM|PM)"/.exec(s.slice(i, i + 12));
  return m ? m[0].length : 0;
}

function milTime(s: string, i: number): number {
  return /^"[0-9]{2}:[0-9]{2}"/.test(s.slice(i, i + 7)) ? 7 : 0;
}

function decimal(s: string, i: number): number {
  const whole = run(s, i, (c) => c >= "0" && c <= "9");
  if (whole === 0 || s[i + whole] !== ".") return 0;
  const fraction = run(s, i + whole + 1, (c) => c >= "0" && c <= "9");
  return fraction === 0 ? 0 : whole + 1 + fraction;
}

function lineComment(s: string, i: number): number {
  if (s[i] !== "#") return 0;
  const end = s.indexOf("\n", i);
  return end < 0 ? 0 : end + 1 - i;
}

/** The lexer rules in the order ANTLR tries them on a tie. */
const RULES: readonly (readonly [TokenType, (s: string, i: number) => number])[] = [
  ...LITERALS.map((l) => ["literal", word(l)] as const),
  ["COLON", word(":")], ["COMMA", word(",")], ["SINGLE_QUOTE", word("'")], ["QUOTE", word('"')],
  ["LCURL", word("{")], ["RCURL", word("}")], ["LBRAC", word("[")], ["RBRAC", word("]")], ["LPAREN", word("(")], ["RPAREN", word(")")],
  ["AND", word("and", "AND")], ["OR", word("or", "OR")], ["OF", word("of", "OF")], ["NULL", word("null", "NULL")],
  ["EMPTY", word("empty", "EMPTY")], ["WHITESPACES_ONLY", word("whitespaces_only", "WHITESPACES_ONLY")], ["BETWEEN", word("between")],
  ["EQUAL_TO", word("=")], ["GREATER_THAN", word(">")], ["GREATER_THAN_EQUAL_TO", word(">=")], ["LESS_THAN", word("<")], ["LESS_THAN_EQUAL_TO", word("<=")],
  ["IN", word("in")], ["NOT", word("not")], ["NEGATION", word("!")],
  ["DIGIT", (s, i) => (digitAt(s, i) ? 1 : 0)], ["DATE", date], ["TIME", time], ["MIL_TIME", milTime],
  ["INT", (s, i) => run(s, i, (c) => c >= "0" && c <= "9")], ["DECIMAL", decimal], ["QUOTED_STRING", quotedString], ["NEGATIVE", word("-")],
  ["LINE_COMMENT", lineComment], ["IDENTIFIER", (s, i) => run(s, i, (c) => /[a-zA-Z0-9_.]/.test(c))], ["WS", (s, i) => run(s, i, (c) => c === " " || c === "\t" || c === "\n")],
];

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < text.length; ) {
    let best: TokenType | undefined;
    let length = 0;
    for (const [type, match] of RULES) {
      const n = match(text, i);
      if (n > length) {
        best = type;
        length = n;
      }
    }
    if (best === undefined) throw new DqdlSyntaxError(`token recognition error at ${i}: ${JSON.stringify(text.slice(i, i + 10))}`);
    if (best !== "WS" && best !== "LINE_COMMENT") tokens.push({ type: best, text: text.slice(i, i + length), at: i });
    i += length;
  }
  tokens.push({ type: "EOF", text: "", at: text.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// What the listener reads

/** removeQuotes: only the surrounding quotes go. */
const removeQuotes = (s: string): string => (s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);
/** removeEscapes: Java's replaceAll("\\\\(.)", "$1"); `.` matches no line terminator. */
const removeEscapes = (s: string): string => s.replace(/\\([^\n\r\u0085\u2028\u2029])/g, "$1");

export type ConditionKind = "number" | "string" | "date" | "duration" | "size";

export interface DqdlCondition {
  readonly kind: ConditionKind;
  /** `>=`, `=`, `!=`, `between`, `not between`, `in`, `not in`, `matches`, `not matches`, ... */
  readonly operator: string;
  /** As the listener reads them: numbers and expressions as their token texts joined, strings unquoted (and, in lists, unescaped), keywords as <NULL>, <EMPTY>, <WHITESPACES_ONLY>. */
  readonly operands: readonly string[];
}

export interface DqdlRule {
  readonly type: string;
  readonly parameters: readonly string[];
  readonly condition: DqdlCondition | null;
  readonly where: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly tags: readonly { readonly name: string; readonly condition: DqdlCondition }[];
}

const FOLLOW_CONDITION = new Set(["where", "labels", "with", ",", "]", ""]);

class Parser {
  private i = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private is(type: TokenType, text?: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === type && (text === undefined || t.text === text);
  }

  private expect(type: TokenType, text?: string): Token {
    const t = this.peek();
    if (!this.is(type, text)) throw new DqdlSyntaxError(`expected ${text ?? type} at ${t.at}, found ${t.type} ${JSON.stringify(t.text)}`);
    this.i++;
    return t;
  }

  document(): DqdlRule[] {
    this.expect("literal", "Rules");
    this.expect("EQUAL_TO");
    this.expect("LBRAC");
    const rules: DqdlRule[] = [];
    if (!this.is("RBRAC")) {
      rules.push(this.rule());
      while (this.is("COMMA")) {
        this.i++;
        rules.push(this.rule());
      }
    }
    this.expect("RBRAC");
    this.expect("EOF");
    return rules;
  }

  private rule(): DqdlRule {
    const type = this.expect("IDENTIFIER").text;
    const parameters: string[] = [];
    for (;;) {
      const connector = (this.is("OF") || this.is("AND")) && (this.is("QUOTED_STRING", undefined, 1) || this.is("IDENTIFIER", undefined, 1) || this.is("literal", "$", 1));
      if (connector) this.i++;
      if (this.is("QUOTED_STRING")) parameters.push(removeQuotes(this.expect("QUOTED_STRING").text));
      else if (this.is("IDENTIFIER")) parameters.push(this.expect("IDENTIFIER").text);
      else if (this.is("literal", "$")) parameters.push(this.variable());
      else break;
    }
    const condition = this.attempt(() => this.condition(), FOLLOW_CONDITION);
    let where: string | null = null;
    if (this.is("literal", "where")) {
      this.i++;
      where = removeQuotes(this.expect("QUOTED_STRING").text);
      if (where === "") throw new DqdlSyntaxError(`empty where condition for ${type}`);
    }
    const labels: Record<string, string> = {};
    if (this.is("literal", "labels")) {
      this.i++;
      this.expect("EQUAL_TO");
      this.expect("LBRAC");
      do {
        if (this.is("COMMA")) this.i++;
        const key = removeQuotes(this.expect("QUOTED_STRING").text);
        this.expect("EQUAL_TO");
        const value = removeQuotes(this.expect("QUOTED_STRING").text);
        if (key in labels) throw new DqdlSyntaxError(`duplicate label key ${key}`);
        if (key === "" || value === "" || key.length > 128 || value.length > 256) throw new DqdlSyntaxError(`label ${key}=${value} breaks the length limits`);
        labels[key] = value;
      } while (this.is("COMMA"));
      this.expect("RBRAC");
      if (Object.keys(labels).length === 0 || Object.keys(labels).length > 10) throw new DqdlSyntaxError("a rule takes 1 to 10 labels");
    }
    const tags: { name: string; condition: DqdlCondition }[] = [];
    while (this.is("literal", "with")) {
      this.i++;
      const name = this.expect("IDENTIFIER").text;
      const tagCondition = this.attempt(() => this.stringCondition(), FOLLOW_CONDITION) ?? this.attempt(() => this.numberCondition(), FOLLOW_CONDITION);
      if (tagCondition === null) throw new DqdlSyntaxError(`tag ${name} needs a string or number condition at ${this.peek().at}`);
      tags.push({ name, condition: tagCondition });
    }
    return { type, parameters, condition, where, labels, tags };
  }

  /** Runs `parse`; keeps its result only when it succeeds and is followed by a token that may follow it. */
  private attempt<T>(parse: () => T, follow: ReadonlySet<string>): T | null {
    const start = this.i;
    try {
      const result = parse();
      const next = this.peek();
      if (follow.has(next.type === "literal" ? next.text : next.type === "COMMA" ? "," : next.type === "RBRAC" ? "]" : next.type === "EOF" ? "" : "\u0000")) return result;
    } catch (err) {
      if (!(err instanceof DqdlSyntaxError)) throw err;
    }
    this.i = start;
    return null;
  }

  /** The grammar tries number, string, date, duration, size conditions in that order. */
  private condition(): DqdlCondition {
    for (const parse of [() => this.numberCondition(), () => this.stringCondition(), () => this.dateCondition(), () => this.unitCondition("duration"), () => this.unitCondition("size")]) {
      const found = this.attempt(parse, FOLLOW_CONDITION);
      if (found !== null) return found;
    }
    throw new DqdlSyntaxError(`no viable condition at ${this.peek().at} (${this.peek().type} ${JSON.stringify(this.peek().text)})`);
  }

  /** Comparisons, between, in [...]: shared by the number, date, duration and size conditions. */
  private compared(kind: ConditionKind, operand: () => string): DqdlCondition {
    const not = this.is("NOT") ? (this.i++, "not ") : "";
    if (this.is("BETWEEN")) {
      this.i++;
      const low = operand();
      this.expect("AND");
      return { kind, operator: `${not}between`, operands: [low, operand()] };
    }
    if (this.is("IN")) {
      this.i++;
      this.expect("LBRAC");
      const values = [operand()];
      while (this.is("COMMA")) {
        this.i++;
        values.push(operand());
      }
      this.expect("RBRAC");
      return { kind, operator: `${not}in`, operands: values };
    }
    if (not !== "") throw new DqdlSyntaxError(`not without between or in at ${this.peek().at}`);
    for (const type of ["GREATER_THAN_EQUAL_TO", "GREATER_THAN", "LESS_THAN_EQUAL_TO", "LESS_THAN"] as const) {
      if (this.is(type)) return { kind, operator: this.expect(type).text, operands: [operand()] };
    }
    const negated = this.is("NEGATION") ? (this.i++, "!") : "";
    this.expect("EQUAL_TO");
    return { kind, operator: `${negated}=`, operands: [operand()] };
  }

  private numberCondition(): DqdlCondition {
    return this.compared("number", () => this.number());
  }

  /** number: number numberOp number | functionCall | ( number ) | atomicNumber | NULL; the text as ANTLR's getText joins it. */
  private number(): string {
    let text = this.numberPrimary();
    while (this.is("literal", "+") || this.is("literal", "*") || this.is("literal", "/") || this.is("NEGATIVE")) {
      text += this.peek().text;
      this.i++;
      text += this.numberPrimary();
    }
    return text;
  }

  private numberPrimary(): string {
    if (this.is("NULL")) return `<${this.expect("NULL").text}>`;
    if (this.is("LPAREN")) {
      this.i++;
      const inner = this.number();
      this.expect("RPAREN");
      return `(${inner})`;
    }
    if (this.is("IDENTIFIER") && this.is("LPAREN", undefined, 1)) {
      const name = this.expect("IDENTIFIER").text;
      this.expect("LPAREN");
      const args: string[] = [];
      if (!this.is("RPAREN")) {
        args.push(this.number());
        while (this.is("COMMA")) {
          this.i++;
          args.push(this.number());
        }
      }
      this.expect("RPAREN");
      return `${name}(${args.join(",")})`;
    }
    const sign = this.is("NEGATIVE") ? (this.i++, "-") : "";
    for (const type of ["DIGIT", "INT", "DECIMAL"] as const) if (this.is(type)) return sign + this.expect(type).text;
    throw new DqdlSyntaxError(`expected a number at ${this.peek().at}, found ${this.peek().type} ${JSON.stringify(this.peek().text)}`);
  }

  private variable(): string {
    this.expect("literal", "$");
    return `$${this.expect("IDENTIFIER").text}`;
  }

  private stringValue(inList: boolean): string {
    if (this.is("QUOTED_STRING")) {
      const text = this.expect("QUOTED_STRING").text;
      return inList ? removeQuotes(removeEscapes(text)) : removeQuotes(text);
    }
    for (const type of ["NULL", "EMPTY", "WHITESPACES_ONLY"] as const) if (this.is(type)) return `<${this.expect(type).text.toUpperCase()}>`;
    if (this.is("literal", "$")) return this.variable();
    throw new DqdlSyntaxError(`expected a string at ${this.peek().at}, found ${this.peek().type} ${JSON.stringify(this.peek().text)}`);
  }

  private stringCondition(): DqdlCondition {
    const not = this.is("NOT") ? (this.i++, "not ") : "";
    if (this.is("literal", "matches")) {
      this.i++;
      return { kind: "string", operator: `${not}matches`, operands: [removeQuotes(this.expect("QUOTED_STRING").text)] };
    }
    if (this.is("IN")) {
      this.i++;
      if (this.is("literal", "$")) return { kind: "string", operator: `${not}in`, operands: [this.variable()] };
      this.expect("LBRAC");
      const values = [this.stringValue(true)];
      while (this.is("COMMA")) {
        this.i++;
        values.push(this.stringValue(true));
      }
      this.expect("RBRAC");
      return { kind: "string", operator: `${not}in`, operands: values };
    }
    if (not !== "") throw new DqdlSyntaxError(`not without in or matches at ${this.peek().at}`);
    const negated = this.is("NEGATION") ? (this.i++, "!") : "";
    this.expect("EQUAL_TO");
    return { kind: "string", operator: `${negated}=`, operands: [this.stringValue(false)] };
  }

  private dateCondition(): DqdlCondition {
    return this.compared("date", () => {
      if (this.is("DATE") || this.is("TIME") || this.is("MIL_TIME")) return removeQuotes(this.expect(this.peek().type).text);
      if (this.is("NULL")) return `<${this.expect("NULL").text}>`;
      if (this.is("literal", "now()")) return this.expect("literal").text;
      this.expect("LPAREN");
      this.expect("literal", "now()");
      const op = this.is("NEGATIVE") ? this.expect("NEGATIVE").text : this.expect("literal", "+").text;
      const duration = this.unit("duration");
      this.expect("RPAREN");
      return `(now()${op}${duration})`;
    });
  }

  private unit(kind: "duration" | "size"): string {
    const amount = this.is("DIGIT") ? this.expect("DIGIT").text : this.expect("INT").text;
    const units = kind === "duration" ? ["days", "hours", "minutes"] : ["B", "KB", "MB", "GB", "TB"];
    const unit = this.peek();
    if (unit.type !== "literal" || !units.includes(unit.text)) throw new DqdlSyntaxError(`expected a ${kind} unit at ${unit.at}`);
    this.i++;
    return `${amount}${unit.text}`;
  }

  private unitCondition(kind: "duration" | "size"): DqdlCondition {
    return this.compared(kind, () => this.unit(kind));
  }
}

/** Reads a ruleset as Glue's parser would; throws DqdlSyntaxError where it would refuse it. */
export function readDqdl(text: string): DqdlRule[] {
  return new Parser(tokenize(text)).document();
}
