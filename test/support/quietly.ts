/** Runs a CLI command function in this process with its printing silenced (its reports go to --out files). */
export async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  try {
    return await work();
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}
