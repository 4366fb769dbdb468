import * as fs from "fs";
import * as path from "path";
import { profileLake } from "../../profile/profile";
import { PROFILE_FORMATS, renderProfile } from "../../profile/render";
import { saveProfile } from "../../profile/store";
import { parseFormat } from "../../report/render";
import { countOption, parseCommandArgs, requireOption } from "../args";
import { loadModel, MODEL_OPTIONS, MODEL_USAGE } from "../model-options";

export const PROFILE_USAGE = `lake profile --lake DIR [--load-date YYYY-MM-DD] [--loads N] [--dataset D]... [--format text|md|html|json] [--out FILE] ${MODEL_USAGE}`;

/**
 * Profiles a load (or the last --loads N loads up to it): kept in the lake as
 * quality/<load_date>/profile.json and profile.html, printed in the format asked.
 */
export async function profileCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("profile", argv, {
    lake: { type: "string" },
    "load-date": { type: "string" },
    loads: { type: "string" },
    dataset: { type: "string", multiple: true },
    format: { type: "string" },
    out: { type: "string" },
    ...MODEL_OPTIONS,
  }, PROFILE_USAGE);
  const lake = requireOption("profile", values.lake, "--lake", PROFILE_USAGE);
  const format = parseFormat(values.format ?? "text", PROFILE_FORMATS);
  const { contracts, ruleSets } = loadModel(values);
  const profile = await profileLake({ lakeDir: lake, contracts, ruleSets, loadDate: values["load-date"], loads: countOption("profile", "--loads", values.loads, 1), datasets: values.dataset });
  const kept = saveProfile(lake, profile);
  process.stderr.write(`profile kept in ${path.dirname(kept[0])}\n`);
  const rendered = renderProfile(profile, format);
  if (values.out !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
    fs.writeFileSync(values.out, rendered);
    process.stdout.write(`wrote ${values.out}\n`);
  } else {
    process.stdout.write(rendered);
  }
  return 0;
}
