#!/usr/bin/env node
import { failureOf, LakeInputError } from "../errors";
import { discardStagingOnSignal, parseFailPoint, setFailPoint } from "../pipeline/transaction";
import { COMMANDS } from "./commands";

const USAGE = `lake: the energy lake, locally on DuckDB and on AWS with Pulumi

usage: lake <command> [options]

${COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`).join("\n")}

exit codes: 0 success, 1 an error-severity quality rule failed (audit: a governance violation), 2 bad input or configuration (the message says the fix), 3 an internal error (a bug)`;

/** ENERGY_LAKE_FAILPOINT=kill@N|ENOSPC@N stops or fails commit step N, for the crash tests. */
function armFailPoint(): void {
  const spec = process.env.ENERGY_LAKE_FAILPOINT;
  if (spec === undefined || spec === "") return;
  const point = parseFailPoint(spec);
  if (point === undefined) throw new LakeInputError(`ENERGY_LAKE_FAILPOINT "${spec}": use kill@N or an error code at a step, e.g. ENOSPC@3`);
  setFailPoint(point);
}

async function main(argv: string[]): Promise<number> {
  armFailPoint();
  discardStagingOnSignal();
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name || (c.name.includes(" ") && `${name} ${rest[0]}` === c.name));
  if (!command) throw new LakeInputError(`unknown command "${name}"; run \`lake help\` for the list`);
  return command.run(command.name.includes(" ") ? rest.slice(1) : rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { exitCode, message } = failureOf(err);
    process.stderr.write(`${message}\n`);
    process.exitCode = exitCode;
  },
);
