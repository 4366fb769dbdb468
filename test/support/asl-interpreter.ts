/**
 * Runs an Amazon States Language definition (JSONPath query language) with its Task states
 * answered by the test, so the paths a state machine takes are tested on its definition: Pass,
 * Task, Choice, Parallel, Wait, Succeed and Fail; InputPath, Parameters (with `.$` paths and the
 * intrinsic functions the lake uses), ResultSelector, ResultPath, OutputPath; Retry (attempts are
 * counted, waits skipped) and Catch; the context object ($$.Execution). Written from the ASL
 * specification (states-language.net) for the subset the lake's definitions use; anything else is
 * refused loudly rather than guessed.
 */

type Json = unknown;
type State = Record<string, Json>;

/** What a Task's resource returned, or the error it raised (`{ error, cause }`). */
export type TaskAnswer = { readonly output: Json } | { readonly error: string; readonly cause: string };

/** Answers Task states: given the state name, its resource and its effective parameters. */
export type TaskHandler = (call: { readonly state: string; readonly resource: string; readonly parameters: Json }) => TaskAnswer;

export interface AslRun {
  readonly status: "SUCCEEDED" | "FAILED";
  readonly output: Json;
  readonly error?: string;
  readonly cause?: string;
  /** Every state entered, in order (Parallel branches inline, branch by branch). */
  readonly path: string[];
  /** Every Task call, in order. */
  readonly calls: { readonly state: string; readonly resource: string; readonly parameters: Json }[];
}

class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
  }
}

interface Context {
  readonly execution: Json;
  readonly handler: TaskHandler;
  readonly path: string[];
  readonly calls: AslRun["calls"];
}

/** `$`, `$.a.b`, `$.a[0].b`, `$$.Execution.Id`. */
function readPath(path: string, input: Json, context: Json): Json {
  const root = path.startsWith("$$") ? context : input;
  const rest = path.startsWith("$$") ? path.slice(2) : path.slice(1);
  let value: Json = root;
  for (const m of rest.matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)) {
    if (value === null || typeof value !== "object") throw new StatesError("States.Runtime", `path ${path} does not exist in the input`);
    value = m[1] !== undefined ? (value as Record<string, Json>)[m[1]] : (value as Json[])[Number(m[2])];
    if (value === undefined) throw new StatesError("States.Runtime", `path ${path} does not exist in the input`);
  }
  return value;
}

function pathExists(path: string, input: Json): boolean {
  try {
    readPath(path, input, {});
    return true;
  } catch {
    return false;
  }
}

/** Writes `value` at `path` (ResultPath) into a copy of `input`. */
function writePath(path: string | null | undefined, input: Json, value: Json): Json {
  if (path === undefined || path === "$") return value;
  if (path === null) return input;
  const keys = path.slice(2).split(".");
  const copy = structuredClone(input ?? {}) as Record<string, Json>;
  let node = copy;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, Json>;
  }
  node[keys[keys.length - 1]!] = value;
  return copy;
}

/** Splits an intrinsic's argument list at top-level commas (outside quotes and nested calls). */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      current += ch;
      if (ch === "\\") current += text[++i] ?? "";
      else if (ch === "'") quoted = false;
      continue;
    }
    if (ch === "'") quoted = true;
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      args.push(current.trim());
      current = "";
    } else {
      current += ch;
    }
  }
  if (current.trim() !== "") args.push(current.trim());
  return args;
}

function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, "$1");
}

function evaluate(expression: string, input: Json, context: Json): Json {
  const e = expression.trim();
  if (e.startsWith("'")) return unquote(e);
  if (e.startsWith("$")) return readPath(e, input, context);
  if (/^-?\d+(\.\d+)?$/.test(e)) return Number(e);
  if (e === "true" || e === "false") return e === "true";
  if (e === "null") return null;
  const call = /^(States\.[A-Za-z]+)\(([\s\S]*)\)$/.exec(e);
  if (!call) throw new Error(`ASL interpreter: cannot evaluate ${e}`);
  const args = splitArgs(call[2]!).map((a) => evaluate(a, input, context));
  switch (call[1]) {
    case "States.Format": {
      const [template, ...values] = args as [string, ...Json[]];
      let i = 0;
      return template.replace(/\{\}/g, () => {
        const v = values[i++];
        return typeof v === "string" ? v : JSON.stringify(v);
      });
    }
    case "States.Array":
      return args;
    case "States.ArrayContains":
      return (args[0] as Json[]).some((v) => JSON.stringify(v) === JSON.stringify(args[1]));
    case "States.ArrayLength":
      return (args[0] as Json[]).length;
    case "States.JsonToString":
      return JSON.stringify(args[0]);
    case "States.StringToJson":
      return JSON.parse(String(args[0]));
    default:
      throw new Error(`ASL interpreter: ${call[1]} is not implemented`);
  }
}

/** Parameters / ResultSelector: keys ending in `.$` are paths or intrinsic calls, the rest literal. */
function template(value: Json, input: Json, context: Json): Json {
  if (Array.isArray(value)) return value.map((v) => template(v, input, context));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, Json>).map(([k, v]) => (k.endsWith(".$") ? [k.slice(0, -2), evaluate(String(v), input, context)] : [k, template(v, input, context)])),
  );
}

function choiceMatches(rule: Record<string, Json>, input: Json, context: Json): boolean {
  if (Array.isArray(rule.And)) return (rule.And as Record<string, Json>[]).every((r) => choiceMatches(r, input, context));
  if (Array.isArray(rule.Or)) return (rule.Or as Record<string, Json>[]).some((r) => choiceMatches(r, input, context));
  if (rule.Not !== undefined) return !choiceMatches(rule.Not as Record<string, Json>, input, context);
  const variable = String(rule.Variable);
  if (rule.IsPresent !== undefined) return pathExists(variable, input) === rule.IsPresent;
  if (!pathExists(variable, input)) return false;
  const value = readPath(variable, input, context);
  if (rule.StringEquals !== undefined) return value === rule.StringEquals;
  if (rule.BooleanEquals !== undefined) return value === rule.BooleanEquals;
  if (rule.NumericEquals !== undefined) return value === rule.NumericEquals;
  if (rule.NumericGreaterThan !== undefined) return typeof value === "number" && value > Number(rule.NumericGreaterThan);
  if (rule.IsNull !== undefined) return (value === null) === rule.IsNull;
  throw new Error(`ASL interpreter: choice rule ${JSON.stringify(rule)} is not implemented`);
}

function errorMatches(equals: readonly string[], error: string): boolean {
  return equals.includes(error) || equals.includes("States.ALL") || (equals.includes("States.TaskFailed") && !error.startsWith("States."));
}

/** Runs a machine (or a Parallel branch) from its StartAt. */
function runMachine(machine: { StartAt: string; States: Record<string, State> }, input: Json, ctx: Context): { output: Json } {
  let name: string | undefined = machine.StartAt;
  let data = input;
  while (name !== undefined) {
    const state: State | undefined = machine.States[name];
    if (state === undefined) throw new Error(`ASL interpreter: no state ${name}`);
    ctx.path.push(name);
    const effective = state.InputPath === undefined ? data : readPath(String(state.InputPath), data, ctx.execution);
    const type = String(state.Type);
    try {
      switch (type) {
        case "Pass": {
          const result = state.Parameters !== undefined ? template(state.Parameters, effective, ctx.execution) : state.Result !== undefined ? state.Result : effective;
          data = output(state, data, result, ctx);
          break;
        }
        case "Wait":
          data = output(state, data, effective, ctx);
          break;
        case "Task":
          data = output(state, data, runTask(name, state, effective, ctx), ctx);
          break;
        case "Parallel": {
          const branches = (state.Branches as { StartAt: string; States: Record<string, State> }[]).map((b) => runMachine(b, effective, ctx).output);
          data = output(state, data, branches, ctx);
          break;
        }
        case "Choice": {
          const chosen: Record<string, Json> | undefined = (state.Choices as Record<string, Json>[]).find((c) => choiceMatches(c, effective, ctx.execution));
          const next: Json = chosen?.Next ?? state.Default;
          if (next === undefined) throw new StatesError("States.NoChoiceMatched", `no choice of ${name} matched`);
          data = state.OutputPath === undefined ? data : readPath(String(state.OutputPath), data, ctx.execution);
          name = String(next);
          continue;
        }
        case "Succeed":
          return { output: data };
        case "Fail": {
          const error = state.ErrorPath !== undefined ? String(evaluate(String(state.ErrorPath), data, ctx.execution)) : String(state.Error ?? "States.Failed");
          const cause = state.CausePath !== undefined ? String(evaluate(String(state.CausePath), data, ctx.execution)) : String(state.Cause ?? "");
          throw new StatesError(error, cause);
        }
        default:
          throw new Error(`ASL interpreter: state type ${type} is not implemented`);
      }
    } catch (err) {
      if (!(err instanceof StatesError) || type === "Fail") throw err;
      const handler: { ErrorEquals: string[]; Next: string; ResultPath?: string | null } | undefined = ((state.Catch as { ErrorEquals: string[]; Next: string; ResultPath?: string | null }[] | undefined) ?? []).find((c) => errorMatches(c.ErrorEquals, err.error));
      if (!handler) throw err;
      data = writePath(handler.ResultPath, data, { Error: err.error, Cause: err.cause });
      name = handler.Next;
      continue;
    }
    if (state.End === true) return { output: data };
    name = state.Next === undefined ? undefined : String(state.Next);
  }
  return { output: data };
}

function output(state: State, input: Json, result: Json, ctx: Context): Json {
  const selected = state.ResultSelector === undefined ? result : template(state.ResultSelector, result, ctx.execution);
  const placed = writePath(state.ResultPath as string | null | undefined, input, selected);
  return state.OutputPath === undefined ? placed : readPath(String(state.OutputPath), placed, ctx.execution);
}

function runTask(name: string, state: State, input: Json, ctx: Context): Json {
  const parameters = state.Parameters === undefined ? input : template(state.Parameters, input, ctx.execution);
  const retriers = (state.Retry as { ErrorEquals: string[]; MaxAttempts?: number }[] | undefined) ?? [];
  const attempts = new Map<number, number>();
  for (;;) {
    const call = { state: name, resource: String(state.Resource), parameters };
    ctx.calls.push(call);
    const answer = ctx.handler(call);
    if ("output" in answer) return answer.output;
    const index = retriers.findIndex((r) => errorMatches(r.ErrorEquals, answer.error));
    const used = attempts.get(index) ?? 0;
    if (index < 0 || used >= (retriers[index]!.MaxAttempts ?? 3)) throw new StatesError(answer.error, answer.cause);
    attempts.set(index, used + 1);
  }
}

/** Runs `definition` on `input`, Task states answered by `handler`. */
export function runStateMachine(definition: unknown, input: Json, handler: TaskHandler, execution: { Id: string; Name: string; StartTime: string } = { Id: "arn:aws:states:eu-west-1:123456789012:execution:test:run-1", Name: "run-1", StartTime: "2026-01-05T06:00:00.000Z" }): AslRun {
  const ctx: Context = { execution: { Execution: { ...execution, Input: input } }, handler, path: [], calls: [] };
  try {
    const { output: result } = runMachine(definition as { StartAt: string; States: Record<string, State> }, input, ctx);
    return { status: "SUCCEEDED", output: result, path: ctx.path, calls: ctx.calls };
  } catch (err) {
    if (!(err instanceof StatesError)) throw err;
    return { status: "FAILED", output: null, error: err.error, cause: err.cause, path: ctx.path, calls: ctx.calls };
  }
}
