import * as fs from "fs";
import * as path from "path";
import { mockedKeysNotice, planStack, withEmbeddedDiagram } from "../../aws/plan";
import { formatStackOutputs } from "../../aws/stack-outputs";
import { EXIT_OK } from "../../errors";
import { PROJECT_ROOT } from "../../model/contracts";
import { parseCommandArgs } from "../args";
import { loadModel, MODEL_OPTIONS, MODEL_USAGE } from "../model-options";

export const PLAN_USAGE = `lake plan [--stack dev|prod] [--write-docs] [--outputs FILE] ${MODEL_USAGE}`;

/** Documents that embed the generated diagram between <!-- plan:<stack>:start/end --> markers. */
export const DIAGRAM_DOCS = [path.join(PROJECT_ROOT, "docs", "aws.md"), path.join(PROJECT_ROOT, "docs", "architecture.md")];

/**
 * Runs the Pulumi program of a stack under mocks: no AWS, no Pulumi CLI. Prints the resource tree
 * and a Mermaid diagram; `--outputs FILE` also writes the stack outputs shaped like
 * `pulumi stack output --json`, so the commands that work against a stack can be tried offline.
 */
export async function planCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("plan", argv, { stack: { type: "string" }, "write-docs": { type: "boolean" }, outputs: { type: "string" }, ...MODEL_OPTIONS }, PLAN_USAGE);
  const stack = values.stack ?? "dev";
  const { contracts, ruleSets } = loadModel(values);
  const plan = await planStack(stack, { contracts, ruleSets });
  process.stdout.write(`stack ${plan.stack}: ${plan.resourceCount} resources\n\n${plan.text}\n\n\`\`\`mermaid\n${plan.mermaid}\n\`\`\`\n`);
  if (plan.mockedKeys.length > 0) process.stderr.write(`${mockedKeysNotice(stack, plan.mockedKeys)}\n`);
  if (values.outputs !== undefined) {
    fs.writeFileSync(values.outputs, formatStackOutputs(plan.outputs));
    process.stderr.write(`wrote the ${stack} stack outputs (mocked: placeholder account and ids) to ${values.outputs}\n`);
  }
  if (values["write-docs"] === true) {
    for (const doc of DIAGRAM_DOCS) {
      fs.writeFileSync(doc, withEmbeddedDiagram(fs.readFileSync(doc, "utf8"), stack, plan.mermaid));
      process.stderr.write(`updated the ${stack} diagram in ${path.relative(process.cwd(), doc)}\n`);
    }
  }
  return EXIT_OK;
}
