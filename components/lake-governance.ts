import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Contract } from "../src/model/contracts";
import { AccessPrincipals, ACCESS_ROLES, LF_TAGS, LF_TAG_NAMES, LfTagName, lfTagKey, plannedGrants, principalNameProblems, TagAssignment, tagAssignments } from "../src/aws/governance-plan";
import { ArnContext, bucketStatements, kmsStatement, policy, serviceTrust } from "../src/aws/iam";
import { LAYERS, Layer, LakeNames } from "../src/aws/naming";

export interface LakeGovernanceArgs {
  readonly names: LakeNames;
  readonly contracts: readonly Contract[];
  readonly layerBuckets: Readonly<Record<Layer, aws.s3.Bucket>>;
  readonly keyArn: pulumi.Input<string>;
  readonly arnContext: pulumi.Input<ArnContext>;
  /** The principals each access role's grants go to (persona roles and the lake's service roles). */
  readonly principals: AccessPrincipals<pulumi.Input<string>>;
  /** The catalog's databases, per layer: their layer tag is replaced with them. */
  readonly databases: Readonly<Record<Layer, aws.glue.CatalogDatabase>>;
  /** The catalog's tables, per layer and dataset: their tags are replaced with them. */
  readonly tables: Readonly<Record<Layer, Readonly<Record<string, aws.glue.CatalogTable>>>>;
  /** The account's Lake Formation settings when this stack owns them: the first change of the chain. @default undefined */
  readonly settings?: aws.lakeformation.DataLakeSettings;
}

/**
 * Lake Formation governance of the layers, all from the governance plan: every layer bucket
 * registered (Lake Formation mode, no hybrid access) with a role of its own, the LF-tags, their
 * assignments (the singular ResourceLfTag, replaced with the database or table it is on, so a
 * replaced table never loses its PII tags), and the grants per role and principal. Every Lake
 * Formation change waits for the previous one: concurrent grants fail with ConcurrentModificationException.
 */
export class LakeGovernance extends pulumi.ComponentResource {
  /** The role Lake Formation reads and writes the registered locations with. */
  public readonly locationRole: aws.iam.Role;
  public readonly grants: readonly aws.lakeformation.Permissions[];
  public readonly tags: Readonly<Record<LfTagName, aws.lakeformation.LfTag>>;

  constructor(name: string, args: LakeGovernanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeGovernance", name, {}, opts);
    const { names, contracts, layerBuckets, principals } = args;
    const duplicates = principalNameProblems(principals);
    if (duplicates.length > 0) throw new Error(`${name}: ${duplicates.join("; ")}`);
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

    const catalogResources = LAYERS.flatMap((l) => [args.databases[l], ...Object.values(args.tables[l])]);
    let previous: pulumi.Resource[] = [...(args.settings === undefined ? [] : [args.settings]), ...catalogResources, locationPolicy];
    const chained = <T extends pulumi.Resource>(create: (dependsOn: pulumi.Resource[]) => T): T => {
      const resource = create(previous);
      previous = [resource];
      return resource;
    };

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

    this.tags = Object.fromEntries(
      LF_TAG_NAMES.map((key) => [
        key,
        chained((dependsOn) => new aws.lakeformation.LfTag(`${name}-tag-${key}`, { key: lfTagKey(names, key), values: [...LF_TAGS[key]] }, { parent: this, dependsOn })),
      ]),
    ) as Record<LfTagName, aws.lakeformation.LfTag>;

    const layerOf = new Map(LAYERS.map((l) => [names.database(l), l]));
    const datasetOf = new Map(contracts.map((c) => [names.table(c.name), c.name]));
    for (const assignment of tagAssignments(contracts, names)) {
      const t = assignment.target;
      const layer = layerOf.get(t.database)!;
      const taggedResource = t.kind === "database" ? args.databases[layer] : args.tables[layer][datasetOf.get(t.table)!]!;
      chained(
        (dependsOn) =>
          new aws.lakeformation.ResourceLfTag(assignmentId(name, assignment), assignmentArgs(assignment, this.tags[assignment.key]), {
            parent: this,
            dependsOn,
            replaceWith: [taggedResource],
          }),
      );
    }

    const grants: aws.lakeformation.Permissions[] = [];
    for (const grant of plannedGrants()) {
      for (const principal of principals[grant.role]) {
        const resource =
          grant.resource.kind === "data-location"
            ? { dataLocation: { arn: layerBuckets[grant.resource.layer].arn } }
            : { lfTagPolicy: { resourceType: grant.resource.resourceType, expressions: grant.resource.expression.map((e) => ({ key: this.tags[e.key].key, values: [...e.values] })) } };
        grants.push(
          chained(
            (dependsOn) =>
              new aws.lakeformation.Permissions(`${name}-grant-${principal.name}-${grant.id}`, { principal: principal.arn, permissions: [...grant.permissions], ...resource }, { parent: this, dependsOn }),
          ),
        );
      }
    }
    this.grants = grants;

    this.registerOutputs({
      locationRole: this.locationRole.arn,
      lfTags: Object.fromEntries(LF_TAG_NAMES.map((k) => [k, this.tags[k].key])),
      grantedRoles: ACCESS_ROLES.filter((r) => principals[r].length > 0),
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
