import { ACCESS_ROLES, policyOf } from "../aws/governance-plan";
import { PolicyStatement } from "../aws/iam";
import { LAYERS } from "../aws/naming";
import { DeclaredLake } from "./declared";
import { ObservedBucket, PUBLIC_ACCESS_BLOCK_SETTINGS, Violation } from "./types";

const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as T[])] : [v as T]);

const S3_READS = new Set(["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAcl", "s3:GetObjectAttributes", "s3:*", "s3:Get*", "s3:GetObject*", "*"]);

/** Whether an Allow statement reads objects under `objectArn` (a bucket's, with or without a prefix). */
export function readsObjects(s: PolicyStatement, objectArn: string): boolean {
  if (s.Effect !== "Allow" || !list(s.Action).some((a) => S3_READS.has(a))) return false;
  return list(s.Resource).some((r) => r === "*" || objectArn.startsWith(r.replace(/\*+$/, "")) || r.replace(/\*+$/, "").startsWith(objectArn));
}

/** The principals a statement of a resource policy names (`*` for anyone). */
function statementPrincipals(s: PolicyStatement): string[] {
  const p = (s as { Principal?: unknown }).Principal;
  if (p === undefined || p === "*") return ["*"];
  if (typeof p !== "object" || p === null) return [String(p)];
  return Object.values(p as Record<string, unknown>).flatMap((v) => list(v as string | string[]).map(String));
}

/**
 * The layer buckets' own policies and public access blocks, online (S3) or offline (the program):
 * no Allow lets anyone but the roles that read S3 by design (the Glue jobs, crawlers and state
 * machine, and Lake Formation's location role) read their objects, and every public access block
 * setting is on. Otherwise the bucket is a path around the grants.
 */
export function bucketFindings(declared: DeclaredLake, buckets: readonly ObservedBucket[]): Violation[] {
  const findings: Violation[] = [];
  const readers = new Set([
    ...ACCESS_ROLES.filter((r) => !policyOf(r).lakeFormationOnly).flatMap((role) => declared.principals[role].map((p) => p.arn)),
    declared.locationRoleArn,
    // The account itself delegates to IAM, which the offline audit checks role by role.
    declared.accountId,
    `arn:aws:iam::${declared.accountId}:root`,
  ]);
  for (const layer of LAYERS) {
    const observed = buckets.find((b) => b.layer === layer);
    if (observed === undefined) continue;
    const off = PUBLIC_ACCESS_BLOCK_SETTINGS.filter((k) => observed.publicAccessBlock?.[k] !== true);
    if (off.length > 0) {
      findings.push({
        kind: "direct-s3-read",
        message: `the ${layer} bucket ${observed.bucket} does not ${observed.publicAccessBlock === undefined ? "block public access" : `set ${off.join(", ")}`}: a public policy or ACL could open its objects`,
        fix: "run `pulumi up` (the model gives every layer bucket a public access block with all four settings on; components/lake-storage.ts)",
      });
    }
    for (const s of observed.policy ?? []) {
      if (!readsObjects(s, `arn:aws:s3:::${observed.bucket}/`)) continue;
      const outsiders = statementPrincipals(s).filter((p) => !readers.has(p));
      if (outsiders.length > 0) {
        findings.push({
          kind: "direct-s3-read",
          message: `the ${layer} bucket ${observed.bucket}'s policy (${observed.policyName}, statement ${s.Sid ?? "?"}) lets ${outsiders.join(", ")} read its objects from S3: Lake Formation's column grants do not apply there`,
          fix: "remove the statement (`pulumi up` restores the model's policy): readers go through Lake Formation (lakeformation:GetDataAccess)",
        });
      }
    }
  }
  return findings;
}
