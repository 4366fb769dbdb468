import * as path from "path";
import { parseArgs } from "util";
import { EXIT_OK, LakeInputError } from "../errors";
import { parseDefectSpec } from "./defects";
import { GENERATOR_STYLES, GenerateOptions, MANIFEST_FILE, generate } from "./generate";

export const GENERATE_USAGE = `usage: lake generate --rows N --seed S [--defects SPEC] [--style btg|canonical|company] --out DIR
  --rows N        transaction rows (providers = max(5, N/200), customers = max(10, N/20))
  --seed S        0..4294967295; the same options always write the same bytes
  --defects SPEC  none (default) | default | kind=N,kind=0.01,... (see the manifest's defects)
  --style         btg (Spanish export, every column, default) | canonical (contract names)
                  | company (the company's own shape: C001, P001, T0001, CC/TI/NIT/..., prices in pesos, fewer columns)
  --out DIR       folder for the three CSV files and manifest.json`;

function wholeNumber(option: string, text: string | undefined, problems: string[]): number {
  if (text === undefined) {
    problems.push(`--${option} is missing; add --${option} N`);
    return 0;
  }
  if (!/^\d+$/.test(text)) problems.push(`--${option} "${text}": give a whole number, e.g. --${option} 1000`);
  return Number(text);
}

/** Turns `lake generate` arguments into options; throws LakeInputError listing every problem. */
export function parseGenerateArgs(argv: string[]): GenerateOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        rows: { type: "string" },
        seed: { type: "string" },
        defects: { type: "string" },
        style: { type: "string" },
        out: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new LakeInputError(`lake generate: ${(error as Error).message}\n${GENERATE_USAGE}`);
  }
  const problems: string[] = [];
  const rows = wholeNumber("rows", values.rows, problems);
  const seed = wholeNumber("seed", values.seed, problems);
  if (values.style !== undefined && !(GENERATOR_STYLES as readonly string[]).includes(values.style)) {
    problems.push(`--style "${values.style}": use ${GENERATOR_STYLES.join(", ")}`);
  }
  if (values.out === undefined || values.out.trim() === "") problems.push("--out is missing; add --out DIR (the folder to write into)");
  if (problems.length > 0) throw new LakeInputError(`lake generate: invalid arguments\n${GENERATE_USAGE}`, problems);
  return {
    rows,
    seed,
    defects: parseDefectSpec(values.defects ?? "none"),
    outDir: values.out as string,
    style: values.style as GenerateOptions["style"],
  };
}

/** `lake generate`: writes the data set, a one-line summary to stderr and the manifest path to stdout. */
export async function generateCommand(argv: string[]): Promise<number> {
  const options = parseGenerateArgs(argv);
  const started = process.hrtime.bigint();
  const truth = await generate(options);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const defectRows = truth.defects.reduce((sum, d) => sum + d.count, 0);
  process.stderr.write(
    `generated ${truth.rows.transactions} transactions, ${truth.rows.customers} customers, ${truth.rows.providers} providers ` +
      `(${truth.style}, seed ${truth.seed}, ${defectRows} defective rows) in ${options.outDir} in ${seconds.toFixed(2)} s\n`,
  );
  process.stdout.write(`${path.join(options.outDir, MANIFEST_FILE)}\n`);
  return EXIT_OK;
}
