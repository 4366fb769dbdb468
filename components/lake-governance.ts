import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Contract } from "../src/model/contracts";
import { AccessRole, LF_TAGS, lfTagKey, TagAssignment, tagAssignments, tagGrants } from "../src/aws/governance-plan";
import { accountTrust, arn, ArnContext, ATHENA_QUERY, bucketStatements, GLUE_CATALOG_READ, kmsStatement, policy, serviceTrust } from "../src/aws/iam";
import { LAYERS, Layer, LakeNames, PERSONA_ROLES, PersonaRole } from "../src/aws/naming";

export interface LakeGovernanceArgs {
  readonly names: LakeNames;
  readonly contracts: readonly Contract[];
  readonly layerBuckets: Readonly<Record<Layer, aws.s3.Bucket>>;
  readonly athenaResultsBucket: aws.s3.Bucket;
  readonly keyArn: pulumi.Input<string>;
  readonly arnContext: pulumi.Input<ArnContext>;
  /**
   * Deploy the account's Lake Formation settings (admins, IAMAllowedPrincipals revoked). One
   * resource per account, overwritten whole: only one stack may own it. @default false
   */
  readonly manageSettings?: boolean;
  /** Lake Formation administrators, when the settings are managed here. @default [] */
  readonly admins?: readonly string[];
  /** Role ARNs of the lake's own services: Glue jobs, crawlers, state machine (pipeline) and Redshift (warehouse). */
  readonly servicePrincipals: Readonly<Record<Extract<AccessRole, "pipeline" | "warehouse">, readonly pulumi.Input<string>[]>>;
  /** Resources the tags and grants need to exist first: the catalog's databases and tables. */
  readonly catalogResources: readonly pulumi.Resource[];
}

/**
 * Lake Formation governance: the registered locations, LF-tags (layer, sensitivity) on databases,
 * tables and PII columns (the singular ResourceLfTag, which leaves tags it does not manage alone),
 * and tag-based grants per role. Every Lake Formation change is chained after the previous one:
 * concurrent grants fail with ConcurrentModificationException.
 */
export class LakeGovernance extends pulumi.ComponentResource {
  /** The roles people assume: engineer, analyst, auditor. */
  public readonly personaRoles: Readonly<Record<PersonaRole, aws.iam.Role>>;
  public readonly locationRole: aws.iam.Role;
  public readonly settings: aws.lakeformation.DataLakeSettings | undefined;
  public readonly grants: readonly aws.lakeformation.Permissions[];
  /** The principals each access role's grants go to. */
  public readonly principals: Readonly<Record<AccessRole, readonly pulumi.Input<string>[]>>;

  constructor(name: string, args: LakeGovernanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeGovernance", name, {}, opts);
    const { names, contracts, layerBuckets } = args;
    const ctx = pulumi.output(args.arnContext);
    const bucketNames = pulumi.all(LAYERS.map((l) => layerBuckets[l].bucket));

    this.locationRole = new aws.iam.Role(`${name}-location-role`, { assumeRolePolicy: JSON.stringify(serviceTrust("lakeformation.amazonaws.com")) }, { parent: this });
    const locationPolicy = new aws.iam.RolePolicy(
      `${name}-location-policy`,
      {
        role: this.locationRole.id,
        policy: pulumi.all([ctx, args.keyArn, bucketNames]).apply(([c, key, buckets]) =>
          JSON.stringify(policy(...bucketStatements(c, buckets.map((b) => ({ bucket: b, write: true }))), kmsStatement(key))),
        ),
      },
      { parent: this },
    );

    const personaPolicy = pulumi.all([ctx, args.keyArn, args.athenaResultsBucket.bucket]).apply(([c, key, results]) =>
      JSON.stringify(
        policy(
          { Sid: "QueryThroughTheWorkgroup", Effect: "Allow", Action: ATHENA_QUERY, Resource: arn.athenaWorkgroup(c, names.workgroup) },
          // Lake Formation decides which tables and columns: the catalog calls only list what it allows.
          { Sid: "Catalog", Effect: "Allow", Action: GLUE_CATALOG_READ, Resource: [arn.glueCatalog(c), ...LAYERS.flatMap((l) => [arn.glueDatabase(c, names.database(l)), arn.glueTables(c, names.database(l))])] },
          { Sid: "LakeFormationData", Effect: "Allow", Action: "lakeformation:GetDataAccess", Resource: "*" },
          ...bucketStatements(c, [{ bucket: results, prefix: "results/", write: true }]),
          kmsStatement(key),
        ),
      ),
    );
    const personaRoles = {} as Record<PersonaRole, aws.iam.Role>;
    for (const persona of PERSONA_ROLES) {
      personaRoles[persona] = new aws.iam.Role(
        `${name}-${persona}`,
        { name: `${names.prefix}-${persona}`, description: `energy-lake ${persona} (${names.prefix})`, assumeRolePolicy: ctx.apply((c) => JSON.stringify(accountTrust(c))) },
        { parent: this },
      );
      new aws.iam.RolePolicy(`${name}-${persona}-policy`, { role: personaRoles[persona].id, policy: personaPolicy }, { parent: this });
    }
    this.personaRoles = personaRoles;

    // Every Lake Formation change waits for the previous one (ConcurrentModificationException otherwise).
    let previous: pulumi.Resource[] = [...args.catalogResources, locationPolicy];
    const chained = <T extends pulumi.Resource>(create: (dependsOn: pulumi.Resource[]) => T): T => {
      const resource = create(previous);
      previous = [resource];
      return resource;
    };

    this.settings = (args.manageSettings ?? false)
      ? chained(
          (dependsOn) =>
            new aws.lakeformation.DataLakeSettings(
              `${name}-settings`,
              {
                admins: [...(args.admins ?? [])],
                // Empty defaults revoke IAMAllowedPrincipals: new databases and tables are governed by Lake Formation only.
                createDatabaseDefaultPermissions: [],
                createTableDefaultPermissions: [],
              },
              { parent: this, dependsOn },
            ),
        )
      : undefined;

    for (const layer of LAYERS) {
      chained(
        (dependsOn) =>
          new aws.lakeformation.Resource(
            `${name}-location-${layer}`,
            { arn: layerBuckets[layer].arn, roleArn: this.locationRole.arn, hybridAccessEnabled: false },
            { parent: this, dependsOn },
          ),
      );
    }

    const tags = Object.fromEntries(
      (Object.keys(LF_TAGS) as (keyof typeof LF_TAGS)[]).map((key) => [
        key,
        chained((dependsOn) => new aws.lakeformation.LfTag(`${name}-tag-${key}`, { key: lfTagKey(names, key), values: [...LF_TAGS[key]] }, { parent: this, dependsOn })),
      ]),
    ) as Record<keyof typeof LF_TAGS, aws.lakeformation.LfTag>;

    for (const assignment of tagAssignments(contracts, names)) {
      chained((dependsOn) => new aws.lakeformation.ResourceLfTag(assignmentId(name, assignment), assignmentArgs(assignment, tags[assignment.key]), { parent: this, dependsOn }));
    }

    const principals: Record<AccessRole, readonly pulumi.Input<string>[]> = {
      engineer: [personaRoles.engineer.arn],
      analyst: [personaRoles.analyst.arn],
      auditor: [personaRoles.auditor.arn],
      pipeline: args.servicePrincipals.pipeline,
      warehouse: args.servicePrincipals.warehouse,
    };
    this.principals = principals;
    const grants: aws.lakeformation.Permissions[] = [];
    for (const grant of tagGrants()) {
      principals[grant.role].forEach((principal, i) => {
        grants.push(
          chained(
            (dependsOn) =>
              new aws.lakeformation.Permissions(
                `${name}-grant-${grant.role}${principals[grant.role].length > 1 ? `-${i + 1}` : ""}-${grant.resourceType.toLowerCase()}`,
                {
                  principal,
                  permissions: [...grant.permissions],
                  lfTagPolicy: { resourceType: grant.resourceType, expressions: grant.expressions.map((e) => ({ key: tags[e.key].key, values: [...e.values] })) },
                },
                { parent: this, dependsOn },
              ),
          ),
        );
      });
    }
    // The pipeline creates partitions and tables over the registered locations.
    args.servicePrincipals.pipeline.forEach((principal, i) => {
      for (const layer of LAYERS) {
        grants.push(
          chained(
            (dependsOn) =>
              new aws.lakeformation.Permissions(
                `${name}-grant-pipeline-${i + 1}-location-${layer}`,
                { principal, permissions: ["DATA_LOCATION_ACCESS"], dataLocation: { arn: layerBuckets[layer].arn } },
                { parent: this, dependsOn },
              ),
          ),
        );
      }
    });
    this.grants = grants;

    this.registerOutputs({
      personaRoles: Object.fromEntries(PERSONA_ROLES.map((p) => [p, personaRoles[p].arn])),
      lfTags: Object.fromEntries(Object.entries(tags).map(([k, t]) => [k, t.key])),
    });
  }
}

function assignmentId(name: string, a: TagAssignment): string {
  const t = a.target;
  const where = t.kind === "database" ? t.database : `${t.database}-${t.table}${t.kind === "columns" ? "-columns" : ""}`;
  return `${name}-tag-${a.key}-${where.replace(/_/g, "-")}`;
}

function assignmentArgs(a: TagAssignment, tag: aws.lakeformation.LfTag): aws.lakeformation.ResourceLfTagArgs {
  const lfTag = { key: tag.key, value: a.value };
  const t = a.target;
  switch (t.kind) {
    case "database":
      return { lfTag, database: { name: t.database } };
    case "table":
      return { lfTag, table: { databaseName: t.database, name: t.table } };
    case "columns":
      return { lfTag, tableWithColumns: { databaseName: t.database, name: t.table, columnNames: [...t.columns] } };
  }
}
