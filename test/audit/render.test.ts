import { expect } from "chai";
import { LakeFormationClient, GetDataLakeSettingsCommand } from "@aws-sdk/client-lakeformation";
import { mockClient } from "aws-sdk-client-mock";
import { auditMockRun } from "../../src/audit/offline";
import { observeLakeFormation } from "../../src/audit/online";
import { accessMatrix, renderAudit } from "../../src/audit/render";
import { AuditReport } from "../../src/audit/types";
import { declaredLake } from "../../src/audit/declared";
import { StackOutputs } from "../../src/aws/stack-outputs";
import { LakeInputError } from "../../src/errors";
import { MockRun } from "../../src/aws/mock-run";
import { loadContracts } from "../../src/model/contracts";
import { mockRun } from "../pulumi/stacks";

const contracts = loadContracts();

describe("audit renderings (src/audit/render.ts)", () => {
  let report: AuditReport;
  before(async function () {
    this.timeout(120_000);
    const run = JSON.parse(JSON.stringify(await mockRun("dev"))) as MockRun & { resources: object[] };
    // A grant to a principal whose name needs escaping in every format.
    run.resources.push({
      type: "aws:lakeformation/permissions:Permissions",
      name: "odd",
      parent: undefined,
      dependsOn: [],
      replaceWith: [],
      protect: false,
      retainOnDelete: false,
      custom: true,
      id: "odd-id",
      state: {},
      props: { principal: "arn:aws:iam::123456789012:role/<b>x|y</b>", permissions: ["SELECT"], table: { databaseName: "energy_lake_dev_curated", name: "customers" } },
    });
    report = auditMockRun(run, "dev", contracts);
  });

  it("text: verdict first, violations with fixes, the matrix and the PII readers", () => {
    const text = renderAudit(report, "text");
    expect(text.split("\n")[0]).to.match(/^Governance audit of energy-lake-dev: .*: 2 violations$/);
    expect(text).to.include("[undeclared-principal]").and.include("      fix: revoke it: aws lakeformation revoke-permissions").and.include("Who can read what").and.include("PII columns and who can read them");
  });

  it("markdown and HTML escape what the grants contain", () => {
    const md = renderAudit(report, "md");
    expect(md).to.include("&lt;b&gt;x\\|y").and.not.include("<b>");
    const html = renderAudit(report, "html");
    expect(html).to.include("&lt;b&gt;x|y").and.not.include("<b>x");
    expect(html).to.match(/^<!DOCTYPE html>/).and.include('class="verdict dirty"').and.include('<td class="pii">');
  });

  it("folds the cells into principal x layer rows counting readable and PII columns", () => {
    const odd = accessMatrix(report).find((r) => r.principal.includes("<b>") && r.layer === "curated")!;
    expect(odd.cells.customers).to.deep.equal({ read: 9, total: 9, piiRead: 2 });
    expect(odd.cells.providers).to.deep.equal({ read: 0, total: odd.cells.providers!.total, piiRead: 0 });
  });
});

describe("online audit errors (one call, aws-sdk-client-mock)", () => {
  it("turns expired credentials into bad input that says what to set", async function () {
    this.timeout(120_000);
    const outputs = StackOutputs.parse("out.json", JSON.stringify((await mockRun("dev")).outputs));
    const mock = mockClient(LakeFormationClient);
    try {
      mock.on(GetDataLakeSettingsCommand).rejects(Object.assign(new Error("The security token included in the request is expired"), { name: "ExpiredTokenException" }));
      const failure = await observeLakeFormation(new LakeFormationClient({ region: "eu-west-1" }), declaredLake(outputs, contracts)).then(() => undefined, (e: unknown) => e);
      expect(failure).to.be.instanceOf(LakeInputError);
      expect((failure as Error).message).to.include("GetDataLakeSettings: no valid credentials (ExpiredTokenException").and.include("AWS_PROFILE");
    } finally {
      mock.restore();
    }
  });
});
