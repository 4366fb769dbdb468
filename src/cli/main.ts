#!/usr/bin/env node
import { EXIT_BAD_INPUT, LakeInputError } from "../errors";
import { COMMANDS } from "./commands";

const USAGE = `lake: the energy lake, locally on DuckDB and on AWS with Pulumi

usage: lake <command> [options]

${COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`).join("\n")}

exit codes: 0 success, 1 an error-severity quality rule failed (audit: a governance violation), 2 bad input or configuration`;

async function main(argv: string[]): Promise<number> {
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
    if (err instanceof LakeInputError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = EXIT_BAD_INPUT;
    } else {
      process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nplease report it with the command you ran\n`);
      process.exitCode = 3;
    }
  },
);
