import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyOf } from "../src/aws/governance-plan";
import { accountTrust, ArnContext, ingestionPolicy, personaPolicy } from "../src/aws/iam";
import { LakeNames, PERSONA_ROLES, PersonaRole } from "../src/aws/naming";

export interface LakeAccessArgs {
  readonly names: LakeNames;
  readonly arnContext: pulumi.Input<ArnContext>;
  readonly keyArn: pulumi.Input<string>;
  /** Where the ingestion role uploads exports. */
  readonly rawBucket: aws.s3.Bucket;
  /** Where each persona's Athena workgroup writes its results (under its own prefix). */
  readonly athenaResultsBucket: aws.s3.Bucket;
  /**
   * Deploy the account's Lake Formation settings: administrators, read-only administrators (the
   * auditor role among them) and empty default permissions (no IAMAllowedPrincipals on new
   * databases and tables). One resource per account, overwritten whole: only one stack may own it.
   * @default false
   */
  readonly manageSettings?: boolean;
  /** Lake Formation administrators, when the settings are managed here; must include the deploying identity. @default [] */
  readonly admins?: readonly string[];
  /** Read-only administrators besides the roles whose policy audits the grants, when the settings are managed here. @default [] */
  readonly readOnlyAdmins?: readonly string[];
  /** Protect the settings and keep them on delete (deleting them would restore IAMAllowedPrincipals defaults and empty the admin list). @default false */
  readonly protect?: boolean;
}

/**
 * Who may act on the lake: the roles people assume (engineer, analyst, auditor), each with the
 * IAM its grants need and no S3 read of the layers; the ingestion role that uploads exports to raw
 * and reads nothing; and, in the stack that owns them, the account's Lake Formation settings.
 * Created before the catalog, so that no database is created under the defaults that give
 * IAMAllowedPrincipals access.
 */
export class LakeAccess extends pulumi.ComponentResource {
  public readonly personaRoles: Readonly<Record<PersonaRole, aws.iam.Role>>;
  public readonly ingestionRole: aws.iam.Role;
  public readonly settings: aws.lakeformation.DataLakeSettings | undefined;

  constructor(name: string, args: LakeAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeAccess", name, {}, opts);
    const { names } = args;
    const ctx = pulumi.output(args.arnContext);
    const trust = ctx.apply((c) => JSON.stringify(accountTrust(c)));

    const personaRoles = {} as Record<PersonaRole, aws.iam.Role>;
    for (const persona of PERSONA_ROLES) {
      personaRoles[persona] = new aws.iam.Role(
        `${name}-${persona}`,
        { name: `${names.prefix}-${persona}`, description: `energy-lake ${persona}: ${policyOf(persona).description} (${names.prefix})`, assumeRolePolicy: trust },
        { parent: this },
      );
      new aws.iam.RolePolicy(
        `${name}-${persona}-policy`,
        {
          role: personaRoles[persona].id,
          policy: pulumi
            .all([ctx, args.keyArn, args.athenaResultsBucket.bucket])
            .apply(([c, keyArn, resultsBucket]) => JSON.stringify(personaPolicy(c, { names, persona, keyArn, resultsBucket }))),
        },
        { parent: this },
      );
    }
    this.personaRoles = personaRoles;

    this.ingestionRole = new aws.iam.Role(
      `${name}-ingestion`,
      { name: `${names.prefix}-ingestion`, description: `energy-lake ingestion: uploads exports to the raw bucket, reads nothing (${names.prefix})`, assumeRolePolicy: trust },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-ingestion-policy`,
      { role: this.ingestionRole.id, policy: pulumi.all([ctx, args.rawBucket.bucket, args.keyArn]).apply(([c, raw, key]) => JSON.stringify(ingestionPolicy(c, raw, key))) },
      { parent: this },
    );

    const protect = args.protect ?? false;
    const auditors = PERSONA_ROLES.filter((p) => policyOf(p).auditsGrants).map((p) => personaRoles[p].arn);
    this.settings = (args.manageSettings ?? false)
      ? new aws.lakeformation.DataLakeSettings(
          `${name}-settings`,
          {
            admins: [...(args.admins ?? [])],
            readOnlyAdmins: [...auditors, ...(args.readOnlyAdmins ?? [])],
            // Empty defaults: new databases and tables are governed by Lake Formation only (no IAMAllowedPrincipals).
            createDatabaseDefaultPermissions: [],
            createTableDefaultPermissions: [],
          },
          { parent: this, protect, retainOnDelete: protect },
        )
      : undefined;

    this.registerOutputs({
      personaRoles: Object.fromEntries(PERSONA_ROLES.map((p) => [p, personaRoles[p].arn])),
      ingestionRole: this.ingestionRole.arn,
      managesSettings: this.settings !== undefined,
    });
  }
}
