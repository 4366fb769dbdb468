import { LakeStackConfig } from "../../src/aws/config";
import { MockRun, RecordedResource, runLakeUnderMocks } from "../../src/aws/mock-run";
import { plannedStackConfig } from "../../src/aws/plan";

export const STACKS = ["dev", "prod"] as const;
export type StackName = (typeof STACKS)[number];

/** A shipped stack's config as the offline plan runs it (keys left to the deployer take the mocks' values). */
export function stackConfig(stack: StackName): LakeStackConfig {
  return plannedStackConfig(stack).config;
}

const runs = new Map<StackName, Promise<MockRun>>();
let queue: Promise<unknown> = Promise.resolve();

/**
 * The program of a stack run once under mocks and shared by the test files. Mocks are
 * process-global, so runs are queued one after the other, never overlapping.
 */
export function mockRun(stack: StackName): Promise<MockRun> {
  let run = runs.get(stack);
  if (run === undefined) {
    run = queue.then(() => runLakeUnderMocks(stackConfig(stack)));
    queue = run.catch(() => undefined);
    runs.set(stack, run);
  }
  return run;
}

/** A one-off use of the mocks (e.g. a run with edited rules), queued behind the shared runs. */
export function queuedRun<T>(start: () => Promise<T>): Promise<T> {
  const run = queue.then(start);
  queue = run.catch(() => undefined);
  return run;
}

/** The resources of a run of one type. */
export const ofType = (run: MockRun, type: string): RecordedResource[] => run.resources.filter((r) => r.type === type);

/** The one resource of a type and name, or an error listing the names there are. */
export function one(run: MockRun, type: string, name: string): RecordedResource {
  const found = run.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}; have: ${ofType(run, type).map((r) => r.name).join(", ")}`);
  return found;
}
