import { parseArgs } from "util";
import { benchPipeline, pipelineTable, PipelineFigures } from "./pipeline";
import { benchRules } from "./rules";

/**
 * `npm run bench`: throughput figures, never assertions. Defaults are the sizes the issues ask
 * for; pass smaller ones for a quick look: npm run bench -- --rows 100000 --rule-rows 100000
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: "string", default: "1000000,5000000" }, "rule-rows": { type: "string", default: "5000000" } },
  });
  const sizes = values.rows.split(",").map(Number);
  const figures: PipelineFigures[] = [];
  for (const rows of sizes) {
    process.stderr.write(`pipeline: ${rows} transaction rows...\n`);
    figures.push(await benchPipeline(rows));
  }
  process.stdout.write(`## CSV to processed Parquet (lake run)\n\n${pipelineTable(figures)}\n\n`);
  process.stderr.write(`rules: ${values["rule-rows"]} transaction rows...\n`);
  process.stdout.write(`## Quality rules\n\n${await benchRules(Number(values["rule-rows"]))}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
