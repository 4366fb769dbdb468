import { expect } from "chai";
import { escapeXml, RECONCILIATION_CASE, renderJunit } from "../../src/report/render-junit";
import { hostileReport, sampleReport } from "./helpers";

interface Element {
  name: string;
  attributes: Record<string, string>;
  children: Element[];
  text: string;
}

/**
 * A strict little XML reader, enough to prove the document is well-formed: tags balance, attribute
 * values are quoted and free of `<`, text holds no raw `<` and only known entities.
 */
function parseXml(xml: string): Element {
  const token = /<\?xml[^?]*\?>|<(\/?)([A-Za-z][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  const root: Element = { name: "#document", attributes: {}, children: [], text: "" };
  const stack: Element[] = [root];
  for (const m of xml.matchAll(token)) {
    const [, closing, name, attrs, selfClosing, text, stray] = m;
    if (stray !== undefined) throw new Error(`stray "<" at ${m.index}`);
    if (text !== undefined) {
      const bad = text.match(/&(?!(amp|lt|gt|quot|apos);)/);
      if (bad) throw new Error(`raw "&" at ${m.index}`);
      stack[stack.length - 1].text += text;
      continue;
    }
    if (name === undefined) continue;
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const a of (attrs ?? "").matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(a[2])) throw new Error(`raw "&" in attribute ${a[1]}`);
      attributes[a[1]] = a[2];
    }
    const element: Element = { name, attributes, children: [], text: "" };
    stack[stack.length - 1].children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1].name}> is never closed`);
  if (root.children.length !== 1) throw new Error("a document has one root element");
  return root.children[0];
}

const all = (e: Element, name: string): Element[] => [...(e.name === name ? [e] : []), ...e.children.flatMap((c) => all(c, name))];

describe("JUnit rendering", () => {
  const report = sampleReport();
  const root = parseXml(renderJunit(report));
  const suites = all(root, "testsuite");

  it("is well-formed XML with a testsuite per dataset", () => {
    expect(root.name).to.equal("testsuites");
    expect(suites.map((s) => s.attributes.name)).to.deep.equal(["customers", "providers", "transactions"]);
  });

  it("has a testcase per rule (classname dataset, name rule id) plus one for the row reconciliation", () => {
    for (const [i, dataset] of report.datasets.entries()) {
      const cases = all(suites[i], "testcase");
      expect(cases.map((c) => c.attributes.name)).to.deep.equal([...dataset.rules.map((r) => r.id), RECONCILIATION_CASE]);
      expect(new Set(cases.map((c) => c.attributes.classname))).to.deep.equal(new Set([dataset.name]));
      expect(suites[i].attributes.tests).to.equal(String(cases.length));
    }
    expect(root.attributes.tests).to.equal(String(report.summary.rules + report.datasets.length));
  });

  it("reports fail as <failure>, an error-severity error as <error>, and warnings as passing notes", () => {
    const transactions = suites[2];
    expect(all(transactions, "failure").map((f) => f.attributes.message)).to.deep.equal(["4/1,188 rows failed (0.34%), threshold 0%", "17/1,188 rows failed (1.43%), threshold 0%"]);
    expect(transactions.attributes.failures).to.equal("2");
    const warned = all(transactions, "testcase").find((c) => c.attributes.name === "transactions_quantity_kwh_range")!;
    expect(warned.children.map((c) => c.name)).to.deep.equal(["system-out"]);
    expect(warned.children[0].text).to.match(/^WARN: quantity_kwh between 0 and 5,000,000 kWh/);
    // customers: the warn-severity error stays a note; the unreconciled counts are a failure.
    expect(suites[0].attributes.failures).to.equal("1");
    expect(suites[0].attributes.errors).to.equal("0");
    expect(all(suites[0], "failure")[0].attributes.message).to.equal("counts do not reconcile: 310 raw ≠ 305 processed + 3 quarantined");
    expect(root.attributes.failures).to.equal("3");
    expect(root.attributes.skipped).to.equal("0");
  });

  it("reports an error-severity rule that could not run as <error>", () => {
    const broken = sampleReport() as unknown as { datasets: { rules: { severity: string }[] }[] };
    broken.datasets[0].rules[4].severity = "error";
    const suite = all(parseXml(renderJunit(broken as never)), "testsuite")[0];
    expect(suite.attributes.errors).to.equal("1");
    expect(all(suite, "error")[0].attributes.message).to.match(/^processed\/customers has no column segment/);
  });

  it("stays well-formed with hostile text and control characters", () => {
    const hostile = hostileReport() as unknown as { datasets: { rules: { description: string }[] }[] };
    hostile.datasets[2].rules[1].description += "\u0001\u0007 ]]> \uD800";
    const xml = renderJunit(hostile as never);
    const cases = all(parseXml(xml), "testcase");
    expect(cases.some((c) => c.attributes.name === "key_unique&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")).to.equal(true);
    expect(xml).not.to.match(/[\u0001\u0007\uD800]/);
  });

  it("relies on a reader that does reject broken XML", () => {
    expect(() => parseXml("<a><b></a></b>")).to.throw("</a> closes <b>");
    expect(() => parseXml("<a>x & y</a>")).to.throw('raw "&"');
    expect(() => parseXml("<a>x < y</a>")).to.throw('stray "<"');
    expect(() => parseXml(`<a name="x"><b/>`)).to.throw("<a> is never closed");
  });

  it("escapes the five XML specials", () => {
    expect(escapeXml(`<a href="x">&'</a>`)).to.equal("&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  });
});
