import type { PolicyDocument } from "../../src/aws/iam";

/** An IAM wildcard pattern (`*`, `?`) as a regular expression. */
const glob = (pattern: string): RegExp => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);

/**
 * The requests a policy does not allow: no Allow statement whose actions match the request's
 * action and, when the request names its resource, whose resources match it. Conditions are not
 * evaluated (the statements they narrow still have to name the action and resource).
 */
export function deniedRequests(policy: PolicyDocument, requests: readonly { action: string; resource?: string }[]): string[] {
  const allows = (action: string, resource: string | undefined): boolean =>
    policy.Statement.some((s) => {
      if (s.Effect !== "Allow") return false;
      const actions = [s.Action ?? []].flat() as string[];
      const resources = [s.Resource ?? []].flat() as string[];
      return actions.some((a) => glob(a).test(action)) && (resource === undefined || resources.some((r) => glob(r).test(resource)));
    });
  return requests.filter((r) => !allows(r.action, r.resource)).map((r) => `${r.action} on ${r.resource ?? "(any)"}`);
}

/**
 * The IAM actions docs/aws.md ("IAM permissions each command needs") lists for a command, by the
 * start of its row's first cell; rows with an empty first cell continue the row above.
 */
export function documentedActions(markdown: string, command: string): string[] {
  const section = markdown.split("### IAM permissions each command needs")[1]?.split(/\n#{2,3} /)[0] ?? "";
  const actions: string[] = [];
  let current = "";
  for (const line of section.split("\n").filter((l) => l.startsWith("|"))) {
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    if (cells[0] !== "") current = cells[0]!;
    if (current.startsWith(command)) actions.push(...[...(cells[1] ?? "").matchAll(/`([a-z0-9]+:[A-Za-z0-9]+)`/g)].map((m) => m[1]!));
  }
  return actions;
}
