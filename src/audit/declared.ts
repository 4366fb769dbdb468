import { AccessPrincipals, AccessRole, ACCESS_ROLES, DeclaredGrant, declaredGrants, declaredTables, LF_TAG_NAMES, LF_TAGS, LfTagName, StackFacts } from "../aws/governance-plan";
import { LfTable } from "../aws/lake-formation";
import { LAYERS, Layer, LakeNames, lakeNames } from "../aws/naming";
import { StackOutputs } from "../aws/stack-outputs";
import { LakeInputError } from "../errors";
import { Contract } from "../model/contracts";

/**
 * The lake as the model declares it, resolved with one stack's outputs: the governance plan's
 * grants given to the principals the stack exports, its tables and tags, its administrators.
 * Nothing here is a second description of the access: it is the plan, with the stack's names.
 */
export interface DeclaredLake {
  readonly prefix: string;
  readonly names: LakeNames;
  readonly accountId: string;
  readonly region: string;
  readonly contracts: readonly Contract[];
  readonly facts: StackFacts;
  readonly principals: AccessPrincipals<string>;
  readonly grants: readonly DeclaredGrant[];
  readonly tables: readonly LfTable[];
  readonly tagDefinitions: readonly { readonly key: string; readonly values: readonly string[] }[];
  /** Empty admin lists: another stack owns the account's settings. */
  readonly admins: { readonly managed: boolean; readonly admins: readonly string[]; readonly readOnlyAdmins: readonly string[] };
  /** The role Lake Formation reads the registered locations with. */
  readonly locationRoleArn: string;
  /** Roles that must not read the layers from S3 themselves, besides the Lake Formation-only access roles (the ingestion role). */
  readonly ingestionRoleArn: string;
  roleOf(principal: string): AccessRole | undefined;
  layerOf(database: string): Layer | undefined;
  contractOf(database: string, table: string): Contract | undefined;
}

/** The IAM role name of an ARN, for a principal's name in reports. */
export const principalName = (arn: string): string => /:(?:role|user)\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1] ?? arn;

export function declaredLake(outputs: StackOutputs, contracts: readonly Contract[]): DeclaredLake {
  const prefix = outputs.string("prefix");
  const names = lakeNames(prefix);
  for (const layer of LAYERS) {
    const exported = outputs.entry("databases", layer);
    if (exported !== names.database(layer)) {
      throw new LakeInputError(`${outputs.file}: output databases.${layer} is ${exported}, but stack ${prefix} names it ${names.database(layer)}; write the outputs file again from the stack`);
    }
  }
  const tagKeys = Object.fromEntries(LF_TAG_NAMES.map((k) => [k, outputs.entry("lfTagKeys", k)])) as Record<LfTagName, string>;
  const bucketArns = Object.fromEntries(LAYERS.map((l) => [l, outputs.entry("bucketArns", l)])) as Record<Layer, string>;
  const exported = outputs.listRecord("accessPrincipals");
  const principals = Object.fromEntries(
    ACCESS_ROLES.map((role) => {
      const arns = exported[role];
      if (arns === undefined) {
        throw new LakeInputError(`${outputs.file}: output accessPrincipals has no "${role}" (it has ${Object.keys(exported).join(", ")}); the model declares it: run \`pulumi up\`, then write the outputs again`);
      }
      return [role, arns.map((arn) => ({ name: principalName(arn), arn }))];
    }),
  ) as unknown as AccessPrincipals<string>;
  const facts = { tagKeys, bucketArns };
  const roleByPrincipal = new Map(ACCESS_ROLES.flatMap((role) => principals[role].map((p) => [p.arn, role] as const)));
  const layerByDatabase = new Map(LAYERS.map((l) => [names.database(l), l]));
  const admins = outputs.listRecord("lakeFormationAdmins");
  const adminList = admins.admins ?? [];
  return {
    prefix,
    names,
    accountId: outputs.string("accountId"),
    region: outputs.string("region"),
    contracts,
    facts,
    principals,
    grants: declaredGrants(principals, facts),
    tables: declaredTables(contracts, names, tagKeys),
    tagDefinitions: LF_TAG_NAMES.map((k) => ({ key: tagKeys[k], values: [...LF_TAGS[k]] })),
    admins: { managed: adminList.length > 0, admins: adminList, readOnlyAdmins: admins.readOnlyAdmins ?? [] },
    locationRoleArn: outputs.entry("roles", "lakeFormationLocation"),
    ingestionRoleArn: outputs.entry("roles", "ingestion"),
    roleOf: (principal) => roleByPrincipal.get(principal),
    layerOf: (database) => layerByDatabase.get(database),
    contractOf: (database, table) => (layerByDatabase.has(database) ? contracts.find((c) => names.table(c.name) === table) : undefined),
  };
}
