/**
 * The SQL that maps the curated Glue database into Redshift as an external (Spectrum) schema.
 * redshiftdata.Statement may run it again on any update, so it must be idempotent: IF NOT EXISTS.
 */
export function spectrumSchemaSql(schema: string, glueDatabase: string, roleArn: string, region: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Spectrum schema name "${schema}" must be a lower-case identifier`);
  for (const [what, value] of [["database", glueDatabase], ["role ARN", roleArn], ["region", region]] as const) {
    if (/['\\]/.test(value)) throw new Error(`Spectrum ${what} ${JSON.stringify(value)} must not contain quotes or backslashes`);
  }
  return `CREATE EXTERNAL SCHEMA IF NOT EXISTS ${schema} FROM DATA CATALOG DATABASE '${glueDatabase}' IAM_ROLE '${roleArn}' REGION '${region}'`;
}
