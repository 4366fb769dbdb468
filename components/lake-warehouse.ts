import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { catalogActions } from "../src/aws/governance-plan";
import { ArnContext, catalogResources, policy, serviceTrust } from "../src/aws/iam";
import { LakeNames } from "../src/aws/naming";
import { spectrumSchemaSql } from "../src/aws/warehouse-plan";

export interface LakeWarehouseArgs {
  readonly names: LakeNames;
  /** The curated database, declared by the catalog (the external schema maps it). */
  readonly curatedDatabase: aws.glue.CatalogDatabase;
  readonly keyArn: pulumi.Input<string>;
  readonly arnContext: pulumi.Input<ArnContext>;
  /** Redshift database the external schema is created in. @default "dev" */
  readonly database?: string;
  /** Base capacity in RPUs. @default 8 */
  readonly baseCapacity?: number;
  /** Private subnets of the workgroup (at least three, in three Availability Zones); the default VPC's when empty (config refuses that in production). @default [] */
  readonly subnetIds?: readonly string[];
  /** @default [] */
  readonly securityGroupIds?: readonly string[];
}

/**
 * Redshift Serverless over the curated layer: a private, KMS-encrypted namespace and workgroup
 * (admin password kept in Secrets Manager by Redshift, TLS required), a role Redshift assumes to
 * read curated data through Lake Formation only (its grants hide PII columns; it has no S3 read,
 * so Spectrum cannot bypass them), and the Spectrum external schema created idempotently.
 */
export class LakeWarehouse extends pulumi.ComponentResource {
  public readonly role: aws.iam.Role;
  public readonly namespace: aws.redshiftserverless.Namespace;
  public readonly workgroup: aws.redshiftserverless.Workgroup;
  public readonly externalSchema: aws.redshiftdata.Statement;

  constructor(name: string, args: LakeWarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeWarehouse", name, {}, opts);
    const { names } = args;
    const ctx = pulumi.output(args.arnContext);
    const database = args.database ?? "dev";
    const curated = names.database("curated");

    // Redshift Serverless assumes the role under either service principal.
    this.role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: JSON.stringify(serviceTrust(["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"])) }, { parent: this });
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: ctx.apply((c) =>
          JSON.stringify(
            policy(
              { Sid: "CuratedCatalog", Effect: "Allow", Action: catalogActions("warehouse"), Resource: catalogResources(c, [curated]) },
              { Sid: "LakeFormationData", Effect: "Allow", Action: "lakeformation:GetDataAccess", Resource: "*" },
            ),
          ),
        ),
      },
      { parent: this },
    );

    this.namespace = new aws.redshiftserverless.Namespace(
      `${name}-namespace`,
      {
        namespaceName: names.redshiftNamespace,
        dbName: database,
        adminUsername: "lake_admin",
        manageAdminPassword: true,
        adminPasswordSecretKmsKeyId: args.keyArn,
        kmsKeyId: args.keyArn,
        iamRoles: [this.role.arn],
        defaultIamRoleArn: this.role.arn,
        logExports: ["userlog", "connectionlog", "useractivitylog"],
      },
      { parent: this, dependsOn: [rolePolicy] },
    );
    const subnetIds = args.subnetIds ?? [];
    const securityGroupIds = args.securityGroupIds ?? [];
    this.workgroup = new aws.redshiftserverless.Workgroup(
      `${name}-workgroup`,
      {
        workgroupName: names.redshiftWorkgroup,
        namespaceName: this.namespace.namespaceName,
        baseCapacity: args.baseCapacity ?? 8,
        publiclyAccessible: false,
        configParameters: [{ parameterKey: "require_ssl", parameterValue: "true" }],
        ...(subnetIds.length > 0 ? { subnetIds: [...subnetIds] } : {}),
        ...(securityGroupIds.length > 0 ? { securityGroupIds: [...securityGroupIds] } : {}),
      },
      { parent: this },
    );

    this.externalSchema = new aws.redshiftdata.Statement(
      `${name}-spectrum-schema`,
      {
        workgroupName: this.workgroup.workgroupName,
        database,
        secretArn: this.namespace.adminPasswordSecretArn,
        sql: pulumi.all([this.role.arn, ctx]).apply(([role, c]) => spectrumSchemaSql(names.spectrumSchema, curated, role, c.region)),
      },
      { parent: this, dependsOn: [args.curatedDatabase] },
    );

    this.registerOutputs({
      namespace: this.namespace.namespaceName,
      workgroup: this.workgroup.workgroupName,
      roleArn: this.role.arn,
      externalSchema: names.spectrumSchema,
    });
  }
}
