import * as path from "path";
import { PROJECT_ROOT } from "../../model/contracts";
import { reportFolder } from "../../report/history";
import { parseCommandArgs } from "../args";
import { MODEL_OPTIONS, MODEL_USAGE, modelDirs } from "../model-options";
import { runAndCheck } from "./run";

export const DEMO_USAGE = `lake demo [--lake DIR] ${MODEL_USAGE}`;

/** The bundled sample: generated with known defects (data/sample/manifest.json), exported early in January 2026. */
export const SAMPLE_INPUT = path.join(PROJECT_ROOT, "data", "sample");
export const SAMPLE_LOAD_DATE = "2026-01-05";

/**
 * `npm start`: the whole local lake on the bundled sample. The sample carries defects on purpose,
 * so the report fails; the demo itself succeeds (exit 0) and says what `lake run` would return.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("demo", argv, { lake: { type: "string" }, ...MODEL_OPTIONS }, DEMO_USAGE);
  const lake = path.resolve(values.lake ?? ".lake");
  const code = await runAndCheck({
    input: SAMPLE_INPUT,
    lake,
    loadDate: SAMPLE_LOAD_DATE,
    format: "text",
    ...modelDirs(values),
    checks: true,
  });
  const folder = reportFolder(lake, SAMPLE_LOAD_DATE);
  const shown = path.relative(process.cwd(), lake) || ".";
  process.stdout.write(
    [
      "",
      `The sample has defects injected on purpose (see ${path.relative(process.cwd(), path.join(SAMPLE_INPUT, "manifest.json"))}): ` +
        `\`lake run\` on it exits ${code}${code === 1 ? " (an error-severity rule failed)" : ""}.`,
      `Lake:    ${lake}  (raw/, processed/, quarantine/, curated/, quality/)`,
      `Report:  ${path.join(folder, "report.html")}  (also report.md, report.json)`,
      `Site:    ${path.join(lake, "quality", "index.html")}  (every load, its status, failed rules and trend)`,
      `Next:    bin/lake check --lake ${shown} --format md   |   bin/lake report --lake ${shown} --history   |   bin/lake profile --lake ${shown}`,
      "",
    ].join("\n"),
  );
  return 0;
}
