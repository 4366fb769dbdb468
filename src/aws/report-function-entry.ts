import { AthenaClient } from "@aws-sdk/client-athena";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { Contract, loadContracts } from "../model/contracts";
import { loadRuleSets, RuleSet } from "../model/rules";
import { handleReportEvent, lakeFromEnvironment, ReportFunctionEvent } from "./report-function";

/**
 * The Lambda handler of the report function (src/aws/report-function.ts), the entry point esbuild
 * bundles. The model (contracts, rules and their schemas) ships in the function's package at the
 * paths it has in the project, so it is loaded and validated exactly as the CLI loads it.
 */

/** Time kept back from the Lambda's own timeout: queries still running by then are stopped and reported. */
const MARGIN_MS = 30_000;

let model: { contracts: readonly Contract[]; ruleSets: readonly RuleSet[] } | undefined;

export async function handler(event: ReportFunctionEvent, context?: { getRemainingTimeInMillis?: () => number }): Promise<unknown> {
  if (model === undefined) {
    const contracts = loadContracts();
    model = { contracts, ruleSets: loadRuleSets(contracts) };
  }
  const clients = { athena: new AthenaClient({}), glue: new GlueClient({}), s3: new S3Client({}), sfn: new SFNClient({}) };
  try {
    const remaining = context?.getRemainingTimeInMillis?.() ?? 15 * 60_000;
    return await handleReportEvent(event, { lake: lakeFromEnvironment(process.env), clients, ...model, deadline: Date.now() + remaining - MARGIN_MS });
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}
