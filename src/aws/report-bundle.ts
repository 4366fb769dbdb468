import { buildSync } from "esbuild";
import * as path from "path";
import { CONTRACT_SCHEMA_FILE, Contract, PROJECT_ROOT } from "../model/contracts";
import { RULES_SCHEMA_FILE, RuleSet } from "../model/rules";
import { REPORT_SCHEMA_FILE } from "../report/validate";

/**
 * The report function's package, built when the Pulumi program runs (also under mocks, offline):
 * esbuild bundles src/aws/report-function-entry.ts with everything it imports from this library
 * (the check compiler, the Athena engine, the report builder and renderers) and the AWS SDK
 * clients into one file, deterministic for the same sources; DuckDB's native module is refused
 * outright. Beside it go the model's files at their project paths, which is where the bundled
 * loaders look: the bundle sits two folders down, as src/model/ does, so PROJECT_ROOT resolves to
 * the package root.
 */

export const REPORT_FUNCTION_DIR = "lambda/quality-report";
export const REPORT_FUNCTION_HANDLER = `${REPORT_FUNCTION_DIR}/index.handler`;
const ENTRY = path.join(PROJECT_ROOT, "src", "aws", "report-function-entry.ts");

/** Native modules the function must run without: kept out of the bundle, and refused if anything imports them. */
const NATIVE = "@duckdb/*";

let bundled: { code: string; inputs: string[] } | undefined;

/** The bundled handler (built once per process) and the source files it holds. */
export function reportFunctionBundle(): { code: string; inputs: string[] } {
  if (bundled === undefined) {
    const result = buildSync({
      entryPoints: [ENTRY],
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      write: false,
      outfile: "index.js",
      metafile: true,
      legalComments: "none",
      logLevel: "silent",
      absWorkingDir: PROJECT_ROOT,
      external: [NATIVE],
    });
    const native = Object.entries(result.metafile.inputs).flatMap(([file, input]) => input.imports.filter((i) => i.external && i.path.startsWith("@duckdb/")).map((i) => `${file} imports ${i.path}`));
    if (native.length > 0) throw new Error(`the report function bundles no native module: ${native.join("; ")}; keep DuckDB out of what src/aws/report-function-entry.ts imports`);
    bundled = { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs).sort() };
  }
  return bundled;
}

/** A file of the package: text, or the path of a project file to copy. */
export type PackageFile = { readonly text: string } | { readonly file: string };

/** The function's package, path -> content: the bundle, the model it checks with, and the schemas that validate it. */
export function reportFunctionPackage(contracts: readonly Contract[], ruleSets: readonly RuleSet[]): Record<string, PackageFile> {
  const files: Record<string, PackageFile> = {
    [`${REPORT_FUNCTION_DIR}/index.js`]: { text: reportFunctionBundle().code },
    "contracts/contract.schema.json": { file: CONTRACT_SCHEMA_FILE },
    "quality-rules/rules.schema.json": { file: RULES_SCHEMA_FILE },
    "schemas/report.schema.json": { file: REPORT_SCHEMA_FILE },
  };
  for (const c of contracts) files[`contracts/${path.basename(c.file)}`] = { file: c.file };
  for (const r of ruleSets) files[`quality-rules/${path.basename(r.file)}`] = { file: r.file };
  return files;
}
