import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { STACK_CONFIG_KEYS } from "../../src/aws/config";
import { planStack, withEmbeddedDiagram } from "../../src/aws/plan";
import { queuedRun } from "./stacks";

const DOC = path.join(PROJECT_ROOT, "docs", "aws.md");

describe("docs/aws.md", () => {
  const text = fs.readFileSync(DOC, "utf8");

  it("embeds the architecture diagram `lake plan --stack dev` generates", async function () {
    this.timeout(120_000);
    const plan = await queuedRun(() => planStack("dev"));
    expect(plan.stack).to.equal("dev");
    expect(withEmbeddedDiagram(text, "dev", plan.mermaid)).to.equal(text, "the diagram is out of date: regenerate it with withEmbeddedDiagram (src/aws/plan.ts)");
  });

  it("docs/architecture.md embeds the same generated diagram", async function () {
    this.timeout(120_000);
    const plan = await queuedRun(() => planStack("dev"));
    const architecture = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "architecture.md"), "utf8");
    expect(withEmbeddedDiagram(architecture, "dev", plan.mermaid)).to.equal(architecture, "the diagram is out of date: run npm run plan -- --write-docs");
  });

  it("documents every config key", () => {
    for (const key of Object.keys(STACK_CONFIG_KEYS)) expect(text).to.include(`| \`${key}\` |`);
  });
});
