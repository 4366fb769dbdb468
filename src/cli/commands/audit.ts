import * as fs from "fs";
import * as path from "path";
import { offlineAudit } from "../../audit/offline";
import { onlineAudit } from "../../audit/online";
import { AUDIT_FORMATS, renderAudit } from "../../audit/render";
import { StackOutputs } from "../../aws/stack-outputs";
import { EXIT_OK, EXIT_QUALITY_FAILURE, LakeInputError } from "../../errors";
import { parseFormat } from "../../report/render";
import { parseCommandArgs } from "../args";
import { loadModel, MODEL_OPTIONS, MODEL_USAGE } from "../model-options";

export const AUDIT_USAGE = `lake audit (--stack-outputs FILE [--used-since YYYY-MM-DD] | --offline [--stack dev|prod]) [--format text|json|md|html] [--out FILE] ${MODEL_USAGE}`;

/**
 * The governance audit: the grants in force (`--stack-outputs`, read from Lake Formation) or the
 * ones the program would create (`--offline`, under Pulumi mocks) compared with the governance
 * plan, and who can read what. Exit 0 clean, 1 a violation, 2 bad input.
 */
export async function auditCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    "audit",
    argv,
    { "stack-outputs": { type: "string" }, offline: { type: "boolean" }, stack: { type: "string" }, "used-since": { type: "string" }, format: { type: "string" }, out: { type: "string" }, ...MODEL_OPTIONS },
    AUDIT_USAGE,
  );
  const format = parseFormat(values.format ?? "text", AUDIT_FORMATS);
  const offline = values.offline === true;
  const outputsFile = values["stack-outputs"];
  if (offline === (outputsFile !== undefined)) throw new LakeInputError(`lake audit: give either --stack-outputs FILE (the grants in force) or --offline (the program under mocks)\nusage: ${AUDIT_USAGE}`);
  if (offline && values["used-since"] !== undefined) throw new LakeInputError("lake audit: --used-since reads CloudTrail: use it with --stack-outputs FILE, not --offline");
  if (!offline && values.stack !== undefined) throw new LakeInputError("lake audit: --stack names a stack file for --offline; with --stack-outputs the file says which stack");
  const { contracts, ruleSets } = loadModel(values);
  const report = offline
    ? await offlineAudit(values.stack ?? "dev", { contracts, ruleSets })
    : await onlineAudit(StackOutputs.read(outputsFile!), contracts, { usedSince: values["used-since"] });
  const rendered = renderAudit(report, format);
  if (values.out !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
    fs.writeFileSync(values.out, rendered);
    process.stdout.write(`${format === "text" ? "" : renderAudit(report, "text")}wrote ${values.out}\n`);
  } else {
    process.stdout.write(rendered);
  }
  return report.violations.length === 0 ? EXIT_OK : EXIT_QUALITY_FAILURE;
}
