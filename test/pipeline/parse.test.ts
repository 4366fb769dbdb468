import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parseSource } from "../../src/pipeline/parse";
import { MAX_RECORD_BYTES } from "../../src/pipeline/records";
import { tempDir } from "../support/lake";

/** parse.ts writes each accepted record as `line<delimiter>record`: exactly, whatever the line number or record size. */
describe("parse: the accepted records file", () => {
  it("writes each clean record after its source line, byte for byte, line numbers of any width, records up to the limit", async () => {
    const dir = tempDir("parse");
    const big = `B;${"x".repeat(MAX_RECORD_BYTES - 10)}`;
    // Blank lines are not records, so line numbers run past one digit; a record near the size limit goes through the writer's unbuffered path.
    const source = `id;name\na;1\n${"\n".repeat(12)}b;Ñandú\r\n${big}\nc;"x;y"\nd;2`;
    const file = path.join(dir, "in.csv");
    fs.writeFileSync(file, source);
    const accepted = path.join(dir, "accepted.csv");
    const result = await parseSource({ file, delimiter: ";", headers: ["id", "name"], byteLayout: "8-bit" }, accepted, path.join(dir, "refused.csv"));
    expect(result.records).to.equal(5);
    expect(result.rejected).to.equal(0);
    expect(fs.readFileSync(accepted, "utf8")).to.equal(`2;a;1\n15;b;Ñandú\n16;${big}\n17;c;"x;y"\n18;d;2\n`);
  });
});
