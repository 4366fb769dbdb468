import * as path from "path";
import { PROJECT_ROOT } from "../model/contracts";
import { bareValues, LakeStackConfig, parseStackConfig, requiredUnsetKeys } from "./config";
import { LakeModel, MOCK_DEPLOYMENT_VALUES, MockRun, RecordedResource, runLakeUnderMocks } from "./mock-run";
import { readStackFile } from "./stack-file";

/** A node of the resource tree: a resource and the resources created under it. */
export interface PlanNode {
  readonly type: string;
  readonly name: string;
  readonly children: readonly PlanNode[];
}

export interface LakePlan {
  readonly stack: string;
  readonly resourceCount: number;
  readonly tree: PlanNode;
  /** Mermaid flowchart of the components, their resources and how data flows between them. */
  readonly mermaid: string;
  /** The tree as indented text, one resource per line. */
  readonly text: string;
  /** The stack outputs the program exports, resolved under mocks (placeholders where only AWS knows a value). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Keys the stack file leaves for the deployer to set, planned with the mocks' values. */
  readonly mockedKeys: readonly string[];
}

/** Nests the recorded resources under their parents; the stack is the root. */
export function resourceTree(resources: readonly RecordedResource[]): PlanNode {
  const key = (r: { type: string; name: string }): string => `${r.type}::${r.name}`;
  const children = new Map<string, RecordedResource[]>();
  for (const r of resources) {
    if (r.parent === undefined) continue;
    const list = children.get(key(r.parent)) ?? [];
    list.push(r);
    children.set(key(r.parent), list);
  }
  const build = (r: { type: string; name: string }): PlanNode => ({
    type: r.type,
    name: r.name,
    children: (children.get(key(r)) ?? []).sort((a, b) => Number(a.custom) - Number(b.custom) || a.name.localeCompare(b.name)).map(build),
  });
  const root = resources.find((r) => r.parent === undefined);
  if (root === undefined) throw new Error("the program registered no stack resource");
  return build(root);
}

export function renderTree(node: PlanNode, indent = ""): string {
  return [`${indent}${node.name}  (${node.type})`, ...node.children.map((c) => renderTree(c, `${indent}  `))].join("\n");
}

/** How data and control flow between the components (by component type). */
const FLOWS: readonly [from: string, to: string, label: string][] = [
  ["LakeStorage", "LakeOrchestration", "load marker arrived (EventBridge)"],
  ["LakeOrchestration", "LakeVerification", "plan, verify, finalize each load"],
  ["LakeOrchestration", "LakeProcessing", "startJobRun.sync per dataset, referenced ones first"],
  ["LakeProcessing", "LakeStorage", "processed, quarantine, curated"],
  ["LakeCatalog", "LakeStorage", "tables over the layers"],
  ["LakeProcessing", "LakeQuality", "EvaluateDataQuality"],
  ["LakeVerification", "LakeAnalytics", "Athena checks of the load"],
  ["LakeVerification", "LakeQuality", "Glue Data Quality results"],
  ["LakeVerification", "LakeStorage", "quality/<load_date>/ reports"],
  ["LakeQuality", "LakeCatalog", "rulesets on processed tables"],
  ["LakeAnalytics", "LakeCatalog", "insight queries"],
  ["LakeWarehouse", "LakeCatalog", "Spectrum schema on curated"],
  ["LakeAccess", "LakeCatalog", "Lake Formation settings before the databases"],
  ["LakeGovernance", "LakeCatalog", "LF-tags and grants"],
  ["LakeGovernance", "LakeAccess", "grants to the persona roles"],
];

const shortType = (type: string): string => type.split(":").pop() ?? type;
const mermaidId = (name: string): string => name.replace(/[^A-Za-z0-9_]/g, "_");
const mermaidText = (text: string): string => text.replace(/"/g, "#quot;");

/** A Mermaid flowchart: one box per component listing what it deploys, arrows for the flows between them. */
export function architectureDiagram(resources: readonly RecordedResource[]): string {
  const components = resources.filter((r) => !r.custom && r.parent !== undefined && r.parent.type !== "pulumi:pulumi:Stack");
  const lines = ["flowchart LR"];
  const idOf = new Map<string, string>();
  for (const component of components) {
    const counts = new Map<string, number>();
    for (const r of resources) {
      if (r.parent?.name === component.name && r.parent.type === component.type) counts.set(shortType(r.type), (counts.get(shortType(r.type)) ?? 0) + 1);
    }
    const id = mermaidId(component.name);
    idOf.set(shortType(component.type), id);
    const contents = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `${n} × ${type}`);
    lines.push(`  ${id}["<b>${mermaidText(shortType(component.type))}</b><br/>${mermaidText(contents.join("<br/>"))}"]`);
  }
  for (const [from, to, label] of FLOWS) {
    const a = idOf.get(from);
    const b = idOf.get(to);
    if (a !== undefined && b !== undefined) lines.push(`  ${a} -->|"${mermaidText(label)}"| ${b}`);
  }
  return lines.join("\n");
}

export function planFromRun(stack: string, run: MockRun, mockedKeys: readonly string[] = []): LakePlan {
  const tree = resourceTree(run.resources);
  return { stack, resourceCount: run.resources.filter((r) => r.custom).length, tree, mermaid: architectureDiagram(run.resources), text: renderTree(tree), outputs: run.outputs, mockedKeys };
}

/** Runs the program of a stack under mocks (offline, no credentials) and returns what it would deploy. */
export async function planLake(config: LakeStackConfig, model: LakeModel = {}, mockedKeys: readonly string[] = []): Promise<LakePlan> {
  return planFromRun(config.stack, await runLakeUnderMocks(config, model), mockedKeys);
}

export interface PlannedStackConfig {
  readonly config: LakeStackConfig;
  /** Required keys the stack file leaves unset (the deployer sets them), filled with the mocks' values. */
  readonly mockedKeys: readonly string[];
}

/**
 * The config of Pulumi.<stack>.yaml as the offline plan runs it: the keys only a deployer knows
 * (admins, network, on-call address), when the file leaves them unset, take the mocks' values
 * (MOCK_DEPLOYMENT_VALUES), and say so; every other key is validated as `pulumi up` would.
 */
export function plannedStackConfig(stack: string, projectDir: string = PROJECT_ROOT, project = "energy-lake"): PlannedStackConfig {
  const raw = readStackFile(path.join(projectDir, `Pulumi.${stack}.yaml`));
  const mockedKeys = requiredUnsetKeys(bareValues(raw, project));
  const filled = { ...raw, ...Object.fromEntries(mockedKeys.map((key) => [`${project}:${key}`, MOCK_DEPLOYMENT_VALUES[key]])) };
  return { config: parseStackConfig(filled, project, stack), mockedKeys };
}

/** `lake plan --stack <name>`: reads Pulumi.<stack>.yaml from the project and plans it (the shipped model unless one is given). */
export async function planStack(stack: string, model: LakeModel = {}, projectDir: string = PROJECT_ROOT, project = "energy-lake"): Promise<LakePlan> {
  const { config, mockedKeys } = plannedStackConfig(stack, projectDir, project);
  return planLake(config, model, mockedKeys);
}

/** The notice `lake plan` and `lake audit --offline` print when keys were mocked. */
export function mockedKeysNotice(stack: string, mockedKeys: readonly string[], project = "energy-lake"): string {
  if (mockedKeys.length === 0) return "";
  return `Pulumi.${stack}.yaml leaves ${mockedKeys.join(", ")} to the deployer; planned with the mocks' values. Before \`pulumi up\`: ${mockedKeys.map((k) => `\`pulumi config set ${project}:${k} …\``).join(", ")} (README: deploying prod)`;
}

/** The markdown with the diagram of `stack` put between its `<!-- plan:<stack>:start/end -->` markers (docs/aws.md). */
export function withEmbeddedDiagram(markdown: string, stack: string, mermaid: string): string {
  const block = new RegExp(`<!-- plan:${stack}:start -->[\\s\\S]*?<!-- plan:${stack}:end -->`);
  if (!block.test(markdown)) throw new Error(`no <!-- plan:${stack}:start --> ... <!-- plan:${stack}:end --> markers to put the diagram between`);
  return markdown.replace(block, `<!-- plan:${stack}:start -->\n\`\`\`mermaid\n${mermaid}\n\`\`\`\n<!-- plan:${stack}:end -->`);
}
