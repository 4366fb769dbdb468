/**
 * The load state machine (Amazon States Language) as a pure function of resource names, plus a
 * structural validator. One execution is one load: it resolves the load date and the datasets
 * (from the S3 object that arrived, from a manual request, or from the schedule), crawls raw,
 * then per dataset transforms, gates on the Glue Data Quality outcome, runs the Athena
 * verification counts and curates, and finally crawls curated.
 */

export interface AslDataset {
  readonly name: string;
  /** Athena prepared statements of the dataset's verification, each with its number of `?` parameters. */
  readonly verification: readonly { readonly statement: string; readonly parameterCount: number }[];
}

export interface LoadStateMachinePlan {
  readonly datasets: readonly AslDataset[];
  readonly rawCrawler: string;
  readonly curatedCrawler: string;
  readonly transformJob: string;
  readonly curateJob: string;
  /** Bucket the transform job writes each dataset's Data Quality outcome to. */
  readonly qualityBucket: string;
  readonly workgroup: string;
  /** Seconds between two looks at a running crawler. */
  readonly crawlerPollSeconds?: number;
}

/** Where the transform job writes a dataset's Data Quality outcome of a load (read by the quality gate). */
export const QUALITY_OUTCOME_PREFIX = "_quality";
export const qualityOutcomeKey = (loadDate: string, dataset: string): string => `${QUALITY_OUTCOME_PREFIX}/load_date=${loadDate}/${dataset}.json`;

type State = Record<string, unknown>;
type States = Record<string, State>;

const pascal = (name: string): string => name.replace(/(^|_)([a-z0-9])/g, (_, __, ch: string) => ch.toUpperCase());

/** Start a crawler (an already running one is fine) and poll until it is READY again. */
function crawlStates(prefix: string, crawler: string, pollSeconds: number, next: string): States {
  return {
    [`${prefix}Start`]: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:glue:startCrawler",
      Parameters: { Name: crawler },
      ResultPath: null,
      Catch: [{ ErrorEquals: ["Glue.CrawlerRunningException"], ResultPath: null, Next: `${prefix}Wait` }],
      Next: `${prefix}Wait`,
    },
    [`${prefix}Wait`]: { Type: "Wait", Seconds: pollSeconds, Next: `${prefix}Status` },
    [`${prefix}Status`]: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:glue:getCrawler",
      Parameters: { Name: crawler },
      ResultSelector: { "state.$": "$.Crawler.State" },
      ResultPath: `$.crawler`,
      Next: `${prefix}Ready`,
    },
    [`${prefix}Ready`]: {
      Type: "Choice",
      Choices: [{ Variable: "$.crawler.state", StringEquals: "READY", Next: next }],
      Default: `${prefix}Wait`,
    },
  };
}

/** A Glue job run for one dataset and the load date, waited for; `next` undefined ends the branch. */
const jobRun = (job: string, dataset: string, next: string | undefined): State => ({
  Type: "Task",
  Resource: "arn:aws:states:::glue:startJobRun.sync",
  Parameters: { JobName: job, Arguments: { "--dataset": dataset, "--load_date.$": "$.load_date" } },
  ResultPath: null,
  Retry: [{ ErrorEquals: ["Glue.ConcurrentRunsExceededException"], IntervalSeconds: 60, MaxAttempts: 5, BackoffRate: 2 }],
  ...(next === undefined ? { End: true } : { Next: next }),
});

function datasetBranch(plan: LoadStateMachinePlan, dataset: AslDataset): State {
  const p = pascal(dataset.name);
  const verifyNames = dataset.verification.map((_, i) => `Verify${p}${i + 1}`);
  const states: States = {
    [`Select${p}`]: {
      Type: "Pass",
      Parameters: { "selected.$": `States.ArrayContains($.datasets, '${dataset.name}')` },
      ResultPath: "$.selection",
      Next: `Selected${p}`,
    },
    [`Selected${p}`]: {
      Type: "Choice",
      Choices: [{ Variable: "$.selection.selected", BooleanEquals: true, Next: `Transform${p}` }],
      Default: `Skip${p}`,
    },
    [`Skip${p}`]: { Type: "Succeed" },
    [`Transform${p}`]: jobRun(plan.transformJob, dataset.name, `ReadQuality${p}`),
    [`ReadQuality${p}`]: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:s3:getObject",
      Parameters: { Bucket: plan.qualityBucket, "Key.$": `States.Format('${QUALITY_OUTCOME_PREFIX}/load_date={}/${dataset.name}.json', $.load_date)` },
      ResultSelector: { "outcome.$": "States.StringToJson($.Body)" },
      ResultPath: "$.quality",
      Next: `QualityGate${p}`,
    },
    [`QualityGate${p}`]: {
      Type: "Choice",
      Choices: [{ Variable: "$.quality.outcome.rules_failed", NumericGreaterThan: 0, Next: `QualityFailed${p}` }],
      Default: verifyNames[0] ?? `Curate${p}`,
    },
    [`QualityFailed${p}`]: { Type: "Fail", Error: "QualityGateFailed", Cause: `Glue Data Quality rules failed for ${dataset.name}; see the Data Quality results of the transform run` },
  };
  dataset.verification.forEach((v, i) => {
    const parameters = Array.from({ length: v.parameterCount }, () => "$.sql.load_date_literal").join(", ");
    states[verifyNames[i]!] = {
      Type: "Task",
      Resource: "arn:aws:states:::athena:startQueryExecution.sync",
      Parameters: {
        QueryString: `EXECUTE ${v.statement}`,
        WorkGroup: plan.workgroup,
        ...(v.parameterCount > 0 ? { "ExecutionParameters.$": `States.Array(${parameters})` } : {}),
      },
      ResultSelector: { "query_execution_id.$": "$.QueryExecution.QueryExecutionId" },
      ResultPath: `$.verification.q${i + 1}`,
      Next: verifyNames[i + 1] ?? `Curate${p}`,
    };
  });
  states[`Curate${p}`] = jobRun(plan.curateJob, dataset.name, undefined);
  return { StartAt: `Select${p}`, States: states };
}

/** The ASL definition of the load state machine. */
export function loadStateMachineDefinition(plan: LoadStateMachinePlan): Record<string, unknown> {
  const poll = plan.crawlerPollSeconds ?? 30;
  const all = plan.datasets.map((d) => d.name);
  return {
    Comment: "One load: crawl raw, transform, Data Quality gate, Athena verification, curate, crawl curated.",
    StartAt: "ResolveLoad",
    States: {
      ResolveLoad: {
        Type: "Choice",
        Choices: [
          { Variable: "$.detail.object.key", IsPresent: true, Next: "FromArrival" },
          { Variable: "$.load_date", IsPresent: true, Next: "FromRequest" },
        ],
        Default: "FromSchedule",
      },
      FromArrival: {
        Type: "Pass",
        Comment: "raw keys are <dataset>/load_date=YYYY-MM-DD/<file>: load that dataset for that date",
        Parameters: {
          "load_date.$": "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.detail.object.key, '/'), 1), '='), 1)",
          "datasets.$": "States.Array(States.ArrayGetItem(States.StringSplit($.detail.object.key, '/'), 0))",
        },
        Next: "PrepareLoad",
      },
      FromRequest: { Type: "Pass", Parameters: { "load_date.$": "$.load_date", datasets: all }, Next: "PrepareLoad" },
      FromSchedule: {
        Type: "Pass",
        Comment: "scheduled runs load today's date (UTC) for every dataset",
        Parameters: { "load_date.$": "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)", datasets: all },
        Next: "PrepareLoad",
      },
      PrepareLoad: {
        Type: "Pass",
        Comment: "the load date as a SQL string literal, the value of the verification statements' parameters",
        Parameters: { "load_date_literal.$": "States.Format('\\'{}\\'', $.load_date)" },
        ResultPath: "$.sql",
        Next: "CrawlRawStart",
      },
      ...crawlStates("CrawlRaw", plan.rawCrawler, poll, "Datasets"),
      Datasets: {
        Type: "Parallel",
        Branches: plan.datasets.map((d) => datasetBranch(plan, d)),
        ResultPath: null,
        Next: "CrawlCuratedStart",
      },
      ...crawlStates("CrawlCurated", plan.curatedCrawler, poll, "LoadSucceeded"),
      LoadSucceeded: { Type: "Succeed" },
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

/** Every `Resource`/`JobName`/`Name`/`WorkGroup`/`Bucket` string the definition refers to, for cross-checking against deployed resources. */
export function aslReferences(definition: unknown): { jobs: Set<string>; crawlers: Set<string>; workgroups: Set<string>; buckets: Set<string>; statements: Set<string> } {
  const refs = { jobs: new Set<string>(), crawlers: new Set<string>(), workgroups: new Set<string>(), buckets: new Set<string>(), statements: new Set<string>() };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== "object" || node === null) return;
    const o = node as Record<string, unknown>;
    const params = o.Parameters as Record<string, unknown> | undefined;
    if (typeof o.Resource === "string" && params) {
      if (o.Resource.includes("glue:startJobRun")) refs.jobs.add(String(params.JobName));
      if (o.Resource.includes("Crawler")) refs.crawlers.add(String(params.Name));
      if (o.Resource.includes("athena:")) {
        refs.workgroups.add(String(params.WorkGroup));
        refs.statements.add(String(params.QueryString).replace(/^EXECUTE /, ""));
      }
      if (o.Resource.includes(":s3:")) refs.buckets.add(String(params.Bucket));
    }
    Object.values(o).forEach(visit);
  };
  visit(definition);
  return refs;
}
