import { generateCommand, GENERATE_USAGE } from "../../generator/cli";
import { auditCommand, AUDIT_USAGE } from "./audit";
import { checkCommand, CHECK_USAGE } from "./check";
import { compileCommand, COMPILE_USAGE } from "./compile";
import {
  contractDiffCommand,
  contractExportCommand,
  contractImportCommand,
  contractValidateCommand,
  CONTRACT_DIFF_USAGE,
  CONTRACT_EXPORT_USAGE,
  CONTRACT_IMPORT_USAGE,
  CONTRACT_VALIDATE_USAGE,
} from "./contract";
import { demoCommand, DEMO_USAGE } from "./demo";
import { planCommand, PLAN_USAGE } from "./plan";
import { profileCommand, PROFILE_USAGE } from "./profile";
import { reportCommand, REPORT_USAGE } from "./report";
import { rulesSuggestCommand, rulesValidateCommand, RULES_SUGGEST_USAGE, RULES_VALIDATE_USAGE } from "./rules";
import { runCommand, RUN_USAGE } from "./run";

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}

export const COMMANDS: readonly Command[] = [
  { name: "demo", usage: DEMO_USAGE, summary: "load the bundled sample exports into ./.lake and show the quality report (npm start)", run: demoCommand },
  { name: "run", usage: RUN_USAGE, summary: "load CSV exports into the lake (raw, processed, quarantine, curated), then check the load", run: runCommand },
  { name: "check", usage: CHECK_USAGE, summary: "run the quality rules on a load already in the lake", run: checkCommand },
  { name: "report", usage: REPORT_USAGE, summary: "show a kept quality report, or the trend over every load", run: reportCommand },
  { name: "profile", usage: PROFILE_USAGE, summary: "profile a load: per column nulls, blanks, distinct values, ranges, top values, shapes, type conformity; key and reference candidates", run: profileCommand },
  { name: "generate", usage: GENERATE_USAGE.replace(/^usage: /, "").split("\n")[0], summary: "write synthetic exports with known injected defects and their manifest", run: generateCommand },
  { name: "rules validate", usage: RULES_VALIDATE_USAGE, summary: "validate quality rule files against the schema and the contracts", run: rulesValidateCommand },
  { name: "rules suggest", usage: RULES_SUGGEST_USAGE, summary: "suggest rule files from what the lake's loads hold, each rule with its evidence", run: rulesSuggestCommand },
  { name: "compile", usage: COMPILE_USAGE, summary: "print the rules compiled to DuckDB SQL, Athena SQL or Glue DQDL", run: compileCommand },
  { name: "contract export", usage: CONTRACT_EXPORT_USAGE, summary: "write each dataset's contract and rules as an Open Data Contract Standard (ODCS v3.1.0) YAML document", run: contractExportCommand },
  { name: "contract import", usage: CONTRACT_IMPORT_USAGE, summary: "turn ODCS documents into contracts and rule files, naming everything that could not be carried over", run: contractImportCommand },
  { name: "contract diff", usage: CONTRACT_DIFF_USAGE, summary: "classify contract and rule changes as breaking or compatible; exit 1 on a breaking change not declared by a major version", run: contractDiffCommand },
  { name: "contract validate", usage: CONTRACT_VALIDATE_USAGE, summary: "check ODCS documents against the official v3.1.0 JSON Schema", run: contractValidateCommand },
  { name: "audit", usage: AUDIT_USAGE, summary: "governance audit: the grants in force (or the program's, offline) against the access model, and who can read what", run: auditCommand },
  { name: "plan", usage: PLAN_USAGE, summary: "preview the AWS stack offline (Pulumi mocks): resource tree and architecture diagram", run: planCommand },
];
