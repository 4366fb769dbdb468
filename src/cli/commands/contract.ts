import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { lakeNames } from "../../aws/naming";
import { StackOutputs } from "../../aws/stack-outputs";
import { readModelDocuments, writeModelDocuments } from "../../contract/documents";
import { diffModels, DiffFormat, renderDiff } from "../../contract/diff";
import { modelDocumentsAt } from "../../contract/git-model";
import { exportOdcs, stackServersFrom } from "../../contract/odcs-export";
import { importOdcs } from "../../contract/odcs-import";
import { Finding } from "../../contract/odcs-reader";
import { odcsSchemaProblems } from "../../contract/odcs-schema";
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_QUALITY_FAILURE, LakeInputError } from "../../errors";
import { Contract, loadContracts } from "../../model/contracts";
import { loadRuleSets } from "../../model/rules";
import { oneOf, parseCommandArgs, requireOption } from "../args";
import { loadModel, MODEL_OPTIONS, MODEL_USAGE, modelDirs } from "../model-options";
import { parse as parseYaml } from "yaml";

export const CONTRACT_EXPORT_USAGE = `lake contract export --format odcs [--dataset D]... [--out DIR] [--lake DIR] [--stack-outputs FILE] [--stack-prefix energy-lake-dev] ${MODEL_USAGE}`;
export const CONTRACT_IMPORT_USAGE = "lake contract import FILE.yaml... --out DIR [--contracts DIR] [--format text|json]";
export const CONTRACT_DIFF_USAGE = `lake contract diff (OLD_DIR NEW_DIR | --base REF) [--format text|md|json] ${MODEL_USAGE}`;
export const CONTRACT_VALIDATE_USAGE = "lake contract validate FILE.yaml...";

const YAML_OPTIONS = { lineWidth: 0 } as const;

/**
 * One ODCS v3.1.0 YAML document per dataset, checked against the official schema before it is
 * written: to DIR/<dataset>.odcs.yaml with --out, else to stdout (documents separated by ---).
 */
export async function contractExportCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("contract export", argv, {
    format: { type: "string" },
    dataset: { type: "string", multiple: true },
    out: { type: "string" },
    lake: { type: "string" },
    "stack-outputs": { type: "string" },
    "stack-prefix": { type: "string" },
    ...MODEL_OPTIONS,
  }, CONTRACT_EXPORT_USAGE);
  oneOf("contract export", "--format", values.format, ["odcs"] as const, "odcs");
  const model = loadModel(values);
  const documents = readModelDocuments(model.contractsDir, model.rulesDir);
  const unknown = (values.dataset ?? []).filter((d) => !documents.some((doc) => doc.dataset === d));
  if (unknown.length > 0) throw new LakeInputError(`lake contract export: no contract for ${unknown.map((d) => `"${d}"`).join(", ")}; datasets: ${documents.map((d) => d.dataset).join(", ")}`);
  const stack = values["stack-outputs"] === undefined ? undefined : StackOutputs.read(values["stack-outputs"]);
  const names = lakeNames(values["stack-prefix"] ?? "energy-lake-dev");
  const database = (layer: "processed" | "quarantine" | "curated"): string => (stack ? stack.entry("databases", layer) : names.database(layer));
  const athenaTables = { processedDatabase: database("processed"), quarantineDatabase: database("quarantine"), curatedDatabase: database("curated") };
  const options = { lakeDir: values.lake ?? ".lake", stack: stack ? stackServersFrom(stack) : undefined, athenaTables };
  const selected = documents.filter((d) => values.dataset === undefined || values.dataset.includes(d.dataset));
  const rendered = selected.map((d) => {
    const document = exportOdcs(d, model.contracts, model.ruleSets, options);
    const problems = odcsSchemaProblems(document);
    if (problems.length > 0) throw new Error(`the ODCS export of ${d.dataset} is not valid ODCS v3.1.0:\n${problems.join("\n")}`);
    const source = [path.relative(process.cwd(), path.join(model.contractsDir, `${d.dataset}.json`)), ...(d.rules ? [path.relative(process.cwd(), path.join(model.rulesDir, `${d.dataset}.json`))] : [])];
    return { dataset: d.dataset, yaml: `# ODCS v3.1.0 contract of ${d.dataset}, exported by \`lake contract export\` from ${source.join(" and ")}.\n# The mapping is explained field by field in docs/contracts.md.\n${stringify(document, YAML_OPTIONS)}` };
  });
  if (values.out === undefined) {
    process.stdout.write(rendered.map((r) => r.yaml).join("---\n"));
    return EXIT_OK;
  }
  fs.mkdirSync(values.out, { recursive: true });
  for (const r of rendered) {
    const file = path.join(values.out, `${r.dataset}.odcs.yaml`);
    fs.writeFileSync(file, r.yaml);
    process.stdout.write(`wrote ${file}\n`);
  }
  return EXIT_OK;
}

function findingLines(findings: readonly Finding[]): string[] {
  return findings.map((f) => `  ${f.kind.padEnd(12)} ${f.file}: ${f.path}: ${f.message}`);
}

/**
 * ODCS documents into DIR/contracts/ and DIR/quality-rules/, with every field that could not be
 * carried over named (file, JSON path, why). Exit 2 when a dataset or rule could not be imported.
 */
export async function contractImportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("contract import", argv, { out: { type: "string" }, contracts: { type: "string" }, format: { type: "string" } }, CONTRACT_IMPORT_USAGE, true);
  const out = requireOption("contract import", values.out, "--out", CONTRACT_IMPORT_USAGE);
  const format = oneOf("contract import", "--format", values.format, ["text", "json"] as const, "text");
  if (positionals.length === 0) throw new LakeInputError(`lake contract import: name the ODCS files to import\nusage: ${CONTRACT_IMPORT_USAGE}`);
  const sources = positionals.map((file) => {
    if (!fs.existsSync(file)) throw new LakeInputError(`${file}: not found; name an ODCS YAML (or JSON) file`);
    return { file, text: fs.readFileSync(file, "utf8") };
  });
  const referenceDir = values.contracts ?? path.join(out, "contracts");
  const existing: readonly Contract[] = fs.existsSync(referenceDir) && fs.readdirSync(referenceDir).some((f) => f.endsWith(".json") && !f.endsWith(".schema.json")) ? loadContracts(referenceDir) : [];
  const result = importOdcs(sources, { outDir: out, existing });
  const written = writeModelDocuments(out, result.datasets);
  // What was written loads as a model (importOdcs validated it): checked again here as `lake run --contracts --rules` would.
  if (result.datasets.length > 0) {
    const contracts = loadContracts(path.join(out, "contracts"));
    const rulesDir = path.join(out, "quality-rules");
    if (fs.existsSync(rulesDir)) loadRuleSets([...existing.filter((e) => !contracts.some((c) => c.name === e.name)), ...contracts], rulesDir);
  }
  const errors = result.findings.filter((f) => f.kind === "error").length;
  if (format === "json") {
    process.stdout.write(`${JSON.stringify({ out, written, datasets: result.datasets.map((d) => d.dataset), findings: result.findings }, null, 2)}\n`);
  } else {
    const rules = result.datasets.reduce((n, d) => n + (Array.isArray(d.rules?.rules) ? d.rules.rules.length : 0), 0);
    const counts = ["not-imported", "changed", "invalid", "error"].map((k) => `${result.findings.filter((f) => f.kind === k).length} ${k}`).join(", ");
    const lines = [
      `imported ${result.datasets.length} dataset(s) (${rules} rule(s)) into ${out}: ${result.datasets.map((d) => d.dataset).join(", ") || "none"}`,
      ...written.map((f) => `  wrote ${f}`),
      result.findings.length === 0 ? "everything in the documents was carried over" : `${result.findings.length} finding(s) (${counts}): what was not carried over as it was`,
      ...findingLines(result.findings),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  return errors > 0 ? EXIT_BAD_INPUT : EXIT_OK;
}

/** Compares two models (folders holding contracts/ and quality-rules/, or a git revision of this one); exit 1 on an undeclared breaking change. */
export async function contractDiffCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("contract diff", argv, { base: { type: "string" }, format: { type: "string" }, ...MODEL_OPTIONS }, CONTRACT_DIFF_USAGE, true);
  const format = oneOf<DiffFormat>("contract diff", "--format", values.format, ["text", "md", "json"], "text");
  // A model folder holds contracts/ and quality-rules/ (as `lake contract import --out` writes); a folder of contract files alone has no rules.
  const folders = (dir: string): { contracts: string; rules: string | undefined } => {
    if (!fs.existsSync(dir)) throw new LakeInputError(`${dir}: not found; name a folder holding contracts/ (and quality-rules/)`);
    return fs.existsSync(path.join(dir, "contracts")) ? { contracts: path.join(dir, "contracts"), rules: path.join(dir, "quality-rules") } : { contracts: dir, rules: undefined };
  };
  let before, after, from: string, to: string;
  if (values.base !== undefined) {
    if (positionals.length > 0) throw new LakeInputError(`lake contract diff: --base compares the working tree with a revision; drop ${positionals.join(" ")}\nusage: ${CONTRACT_DIFF_USAGE}`);
    const dirs = modelDirs(values);
    loadModel(values);
    before = modelDocumentsAt(values.base, dirs.contractsDir, dirs.rulesDir);
    after = readModelDocuments(dirs.contractsDir, dirs.rulesDir);
    from = values.base;
    to = "working tree";
  } else {
    if (positionals.length !== 2) throw new LakeInputError(`lake contract diff: name the old and the new model folders, or --base REF\nusage: ${CONTRACT_DIFF_USAGE}`);
    const [a, b] = positionals.map(folders);
    // The new side must be a valid model; the old one is read as it was (it may predate today's schema).
    const contracts = loadContracts(b.contracts);
    if (b.rules !== undefined && fs.existsSync(b.rules)) loadRuleSets(contracts, b.rules);
    before = readModelDocuments(a.contracts, a.rules);
    after = readModelDocuments(b.contracts, b.rules);
    [from, to] = positionals;
  }
  const diff = diffModels(before, after);
  process.stdout.write(renderDiff(diff, format, from, to));
  return diff.undeclared > 0 ? EXIT_QUALITY_FAILURE : EXIT_OK;
}

/** Checks ODCS documents against the official v3.1.0 JSON Schema; exit 2 when one departs from it. */
export async function contractValidateCommand(argv: string[]): Promise<number> {
  const { positionals } = parseCommandArgs("contract validate", argv, {}, CONTRACT_VALIDATE_USAGE, true);
  if (positionals.length === 0) throw new LakeInputError(`lake contract validate: name the ODCS files to check\nusage: ${CONTRACT_VALIDATE_USAGE}`);
  let invalid = 0;
  for (const file of positionals) {
    if (!fs.existsSync(file)) throw new LakeInputError(`${file}: not found`);
    let document: unknown;
    try {
      document = parseYaml(fs.readFileSync(file, "utf8"));
    } catch (err) {
      throw new LakeInputError(`${file}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    const problems = odcsSchemaProblems(document);
    if (problems.length > 0) invalid++;
    process.stdout.write(problems.length === 0 ? `ok      ${file}\n` : `invalid ${file}\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  }
  return invalid > 0 ? EXIT_BAD_INPUT : EXIT_OK;
}
