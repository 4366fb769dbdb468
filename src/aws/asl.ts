import { RuleSet } from "../model/rules";

/**
 * The load state machine (Amazon States Language) as a pure function of resource names, plus a
 * structural validator. One execution is one load date:
 *
 *   PlanLoad (report function: which load, which datasets; takes the load date's lock, waiting
 *   while another execution holds it) -> transforms level by level (a dataset after the datasets
 *   its references read, so their rows of this load are written when it is checked) -> Verify
 *   (report function: the Athena checks, Glue's outcomes beside them, the report's four files)
 *   -> Gate -> curate (the job registers the partitions it adds) -> Finalize (report function:
 *   curated counted, report rewritten, lock released).
 *
 * Every failure releases the lock and publishes to the alarm topic what happened and, for a
 * failed gate, the report's verdict line and where the report is.
 */

export interface LoadStateMachinePlan {
  /** Datasets by transform level: each level's datasets run in parallel, after every earlier level. */
  readonly levels: readonly (readonly string[])[];
  readonly transformJob: string;
  readonly curateJob: string;
  /** ARN of the report function (plan, verify, finalize, release). */
  readonly reportFunction: string;
  /** ARN of the SNS topic failures are published to. */
  readonly alarmTopic: string;
  /** Named in the alarm subjects, e.g. energy-lake-dev. */
  readonly lakeName: string;
  /** The longest a load may wait for another execution of its date before giving up. @default 3600 */
  readonly lockWaitSeconds?: number;
}

/** The error the report function raises while another execution holds the load date. */
export const LOAD_ALREADY_RUNNING = "LoadAlreadyRunning";
export const QUALITY_GATE_FAILED = "QualityGateFailed";

type State = Record<string, unknown>;
type States = Record<string, State>;

const pascal = (name: string): string => name.replace(/(^|_)([a-z0-9])/g, (_, __, ch: string) => ch.toUpperCase());

/** Retries of the Lambda service's own transient errors, as AWS recommends for lambda:invoke. */
const LAMBDA_RETRY = {
  ErrorEquals: ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
};

const ON_ERROR = (next: string): unknown[] => [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: next }];

function invoke(plan: LoadStateMachinePlan, action: string, extra: Record<string, string>, resultSelector: Record<string, string> | undefined, resultPath: string | null, next: string, onError: string | undefined): State {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: plan.reportFunction, Payload: { action, "execution.$": "$$.Execution.Id", ...extra } },
    ...(resultSelector === undefined ? {} : { ResultSelector: resultSelector }),
    ResultPath: resultPath,
    Retry: [LAMBDA_RETRY],
    ...(onError === undefined ? {} : { Catch: ON_ERROR(onError) }),
    Next: next,
  };
}

/** A Glue job run per selected dataset of a level, in parallel; datasets the load does not carry are skipped. */
function jobLevel(job: string, verb: string, datasets: readonly string[], next: string): State {
  const branch = (dataset: string): State => {
    const p = pascal(dataset);
    return {
      StartAt: `Select${verb}${p}`,
      States: {
        [`Select${verb}${p}`]: { Type: "Pass", Parameters: { "selected.$": `States.ArrayContains($.load.datasets, '${dataset}')` }, ResultPath: "$.selection", Next: `Selected${verb}${p}` },
        [`Selected${verb}${p}`]: { Type: "Choice", Choices: [{ Variable: "$.selection.selected", BooleanEquals: true, Next: `${verb}${p}` }], Default: `Skip${verb}${p}` },
        [`Skip${verb}${p}`]: { Type: "Succeed" },
        [`${verb}${p}`]: {
          Type: "Task",
          Resource: "arn:aws:states:::glue:startJobRun.sync",
          Parameters: { JobName: job, Arguments: { "--dataset": dataset, "--load_date.$": "$.load.load_date" } },
          ResultPath: null,
          Retry: [{ ErrorEquals: ["Glue.ConcurrentRunsExceededException"], IntervalSeconds: 60, MaxAttempts: 5, BackoffRate: 2 }],
          End: true,
        },
      },
    };
  };
  return { Type: "Parallel", Branches: datasets.map(branch), ResultPath: null, Catch: ON_ERROR("ReleaseAfterError"), Next: next };
}

/** The ASL definition of the load state machine. */
export function loadStateMachineDefinition(plan: LoadStateMachinePlan): Record<string, unknown> {
  if (plan.levels.length === 0 || plan.levels.some((l) => l.length === 0)) throw new Error("a load state machine needs at least one dataset in every level");
  const lockWait = plan.lockWaitSeconds ?? 3600;
  const transformNames = plan.levels.map((_, i) => (plan.levels.length === 1 ? "Transform" : `TransformLevel${i + 1}`));
  const levels: States = Object.fromEntries(plan.levels.map((datasets, i) => [transformNames[i]!, jobLevel(plan.transformJob, "Transform", datasets, transformNames[i + 1] ?? "Verify")]));
  const loadDate = { "load_date.$": "$.load.load_date" };
  const publish = (subject: string, message: string, next: string): State => ({
    Type: "Task",
    Resource: "arn:aws:states:::sns:publish",
    Parameters: { TopicArn: plan.alarmTopic, "Subject.$": subject, "Message.$": message },
    ResultPath: null,
    // The alarm is the last word: failing to send it must not hide why the load failed.
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: null, Next: next }],
    Next: next,
  });
  return {
    Comment: `One load of ${plan.lakeName}: plan, transform (referenced datasets first), verify with Athena and Glue Data Quality, gate, curate, finalize.`,
    StartAt: "PlanLoad",
    States: {
      PlanLoad: {
        ...invoke(plan, "plan", { "trigger.$": "$" }, { "load_date.$": "$.Payload.load_date", "datasets.$": "$.Payload.datasets" }, "$.load", transformNames[0]!, undefined),
        Retry: [{ ErrorEquals: [LOAD_ALREADY_RUNNING], IntervalSeconds: 60, MaxAttempts: Math.max(1, Math.ceil(lockWait / 60)), BackoffRate: 1 }, LAMBDA_RETRY],
        Catch: ON_ERROR("NotifyNotStarted"),
      },
      ...levels,
      Verify: invoke(plan, "verify", loadDate, { "gate.$": "$.Payload.gate", "verdict.$": "$.Payload.verdict", "report.$": "$.Payload.report" }, "$.verdict", "Gate", "ReleaseAfterError"),
      Gate: { Type: "Choice", Choices: [{ Variable: "$.verdict.gate", StringEquals: "pass", Next: "Curate" }], Default: "ReleaseAfterGate" },
      Curate: jobLevel(plan.curateJob, "Curate", plan.levels.flat(), "Finalize"),
      Finalize: invoke(plan, "finalize", loadDate, undefined, null, "LoadSucceeded", "ReleaseAfterError"),
      LoadSucceeded: { Type: "Succeed" },
      ReleaseAfterGate: { ...invoke(plan, "release", loadDate, undefined, null, "NotifyGateFailed", undefined), Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: null, Next: "NotifyGateFailed" }] },
      NotifyGateFailed: publish(
        `States.Format('${plan.lakeName}: the load of {} failed its quality gate', $.load.load_date)`,
        `States.Format('{}\n\nReport: {}\nExecution: {}', $.verdict.verdict, $.verdict.report, $$.Execution.Id)`,
        "QualityGateFailed",
      ),
      QualityGateFailed: { Type: "Fail", Error: QUALITY_GATE_FAILED, CausePath: "States.Format('{} Report: {}', $.verdict.verdict, $.verdict.report)" },
      ReleaseAfterError: { ...invoke(plan, "release", loadDate, undefined, null, "NotifyFailed", undefined), Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: null, Next: "NotifyFailed" }] },
      NotifyFailed: publish(
        `States.Format('${plan.lakeName}: the load of {} failed', $.load.load_date)`,
        `States.Format('The load of {} stopped: {}\n{}\n\nExecution: {}', $.load.load_date, $.error.Error, $.error.Cause, $$.Execution.Id)`,
        "LoadFailed",
      ),
      LoadFailed: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
      NotifyNotStarted: publish(
        `States.Format('${plan.lakeName}: a load could not start ({})', $.error.Error)`,
        `States.Format('A load could not start: {}\n{}\n\nExecution: {}', $.error.Error, $.error.Cause, $$.Execution.Id)`,
        "LoadNotStarted",
      ),
      LoadNotStarted: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
    },
  };
}

const TERMINAL = new Set(["Succeed", "Fail"]);
const KNOWN_TYPES = new Set(["Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"]);

/**
 * Structural problems of an ASL definition: unknown state types, transitions to missing states,
 * states without a way out, unreachable states; recursing into Parallel branches. Empty = valid.
 */
export function aslProblems(definition: unknown, path = "$"): string[] {
  const problems: string[] = [];
  const machine = definition as { StartAt?: unknown; States?: Record<string, Record<string, unknown>> };
  if (typeof machine.StartAt !== "string" || typeof machine.States !== "object" || machine.States === null) {
    return [`${path}: needs StartAt (string) and States (object)`];
  }
  const states = machine.States;
  if (!(machine.StartAt in states)) problems.push(`${path}.StartAt: "${machine.StartAt}" is not a state`);
  const targets = new Map<string, string[]>();
  for (const [name, state] of Object.entries(states)) {
    const where = `${path}.States.${name}`;
    const type = state.Type as string;
    if (!KNOWN_TYPES.has(type)) problems.push(`${where}: unknown Type "${String(type)}"`);
    const next: string[] = [];
    if (typeof state.Next === "string") next.push(state.Next);
    if (type === "Choice") {
      for (const choice of (state.Choices as { Next?: string }[] | undefined) ?? []) if (choice.Next) next.push(choice.Next);
      if (typeof state.Default === "string") next.push(state.Default);
      if (next.length === 0) problems.push(`${where}: Choice without Choices`);
    }
    for (const c of (state.Catch as { Next?: string }[] | undefined) ?? []) if (c.Next) next.push(c.Next);
    if (!TERMINAL.has(type) && type !== "Choice" && state.Next === undefined && state.End !== true) problems.push(`${where}: needs Next or End`);
    if (type === "Task" && typeof state.Resource !== "string") problems.push(`${where}: Task without Resource`);
    if (type === "Fail" && state.Error === undefined && state.ErrorPath === undefined) problems.push(`${where}: Fail without Error or ErrorPath`);
    for (const n of next) if (!(n in states)) problems.push(`${where}: transition to missing state "${n}"`);
    if (type === "Parallel") {
      if (((state.Branches as unknown[] | undefined) ?? []).length === 0) problems.push(`${where}: Parallel without Branches`);
      ((state.Branches as unknown[] | undefined) ?? []).forEach((b, i) => problems.push(...aslProblems(b, `${where}.Branches[${i}]`)));
    }
    targets.set(name, next);
  }
  const reached = new Set<string>();
  const queue = [machine.StartAt];
  while (queue.length > 0) {
    const s = queue.pop()!;
    if (reached.has(s) || !(s in states)) continue;
    reached.add(s);
    queue.push(...(targets.get(s) ?? []));
  }
  for (const name of Object.keys(states)) if (!reached.has(name)) problems.push(`${path}.States.${name}: unreachable from StartAt`);
  return problems;
}

/** The Glue jobs, Lambda functions and SNS topics the definition refers to, for cross-checking against deployed resources. */
export function aslReferences(definition: unknown): { jobs: Set<string>; functions: Set<string>; topics: Set<string> } {
  const refs = { jobs: new Set<string>(), functions: new Set<string>(), topics: new Set<string>() };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== "object" || node === null) return;
    const o = node as Record<string, unknown>;
    const params = o.Parameters as Record<string, unknown> | undefined;
    if (typeof o.Resource === "string" && params) {
      if (o.Resource.includes("glue:startJobRun")) refs.jobs.add(String(params.JobName));
      if (o.Resource.includes("lambda:invoke")) refs.functions.add(String(params.FunctionName));
      if (o.Resource.includes("sns:publish")) refs.topics.add(String(params.TopicArn));
    }
    Object.values(o).forEach(visit);
  };
  visit(definition);
  return refs;
}

/**
 * The datasets in transform levels: a dataset comes after every dataset its reference rules read
 * (so its Glue Data Quality references and its Athena reference checks see them), datasets of a
 * level run in parallel. A cycle of references cannot be ordered and is refused, naming it.
 */
export function referenceLevels(datasets: readonly string[], ruleSets: readonly RuleSet[]): string[][] {
  const needs = new Map(datasets.map((d) => [d, new Set<string>()]));
  for (const ruleSet of ruleSets) {
    for (const rule of ruleSet.rules) {
      if (rule.kind !== "references") continue;
      for (const t of rule.targets) if (t.dataset !== ruleSet.dataset && needs.has(t.dataset)) needs.get(ruleSet.dataset)?.add(t.dataset);
    }
  }
  const levels: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < datasets.length) {
    const ready = datasets.filter((d) => !placed.has(d) && [...(needs.get(d) ?? [])].every((n) => placed.has(n)));
    if (ready.length === 0) {
      const stuck = datasets.filter((d) => !placed.has(d));
      throw new Error(`reference rules form a cycle among ${stuck.join(", ")}: no order transforms each after what it references; break the cycle in quality-rules/`);
    }
    levels.push(ready);
    for (const d of ready) placed.add(d);
  }
  return levels;
}
