import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../model/contracts";
import { schemaProblems } from "../model/schema-validation";
import { reportFolder, writeAtomically, writeQualitySite } from "../report/history";
import { renderProfileHtml } from "./render";
import type { LakeProfile } from "./types";

export const PROFILE_FILES = { json: "profile.json", html: "profile.html" } as const;
export const PROFILE_SCHEMA_FILE = path.join(PROJECT_ROOT, "schemas", "profile.schema.json");

/** Every way a profile breaks schemas/profile.schema.json; empty when it is valid. */
export function profileProblems(profile: unknown, file = PROFILE_FILES.json): string[] {
  return schemaProblems(PROFILE_SCHEMA_FILE, file, profile);
}

/** The profile's place in the lake: beside the report of the window's last load. */
export function profileFolder(lakeDir: string, profile: LakeProfile): string {
  return reportFolder(lakeDir, profile.load_dates[profile.load_dates.length - 1]);
}

/** Keeps a profile as quality/<last load>/profile.json and profile.html (a new profile of that load replaces them) and relinks the quality site. */
export function saveProfile(lakeDir: string, profile: LakeProfile): string[] {
  // A profile that breaks its schema is a bug in the profiler: it is never kept.
  const problems = profileProblems(profile);
  if (problems.length > 0) throw new Error(`the profile of ${profile.load_dates.join(", ")} is not valid, so it was not written:\n${problems.join("\n")}`);
  const folder = profileFolder(lakeDir, profile);
  fs.mkdirSync(folder, { recursive: true });
  const files: [string, string][] = [
    [PROFILE_FILES.json, `${JSON.stringify(profile, null, 2)}\n`],
    [PROFILE_FILES.html, renderProfileHtml(profile)],
  ];
  const written = files.map(([name, content]) => {
    const file = path.join(folder, name);
    writeAtomically(file, content);
    return file;
  });
  // The site links the profile beside the load's report.
  return [...written, writeQualitySite(lakeDir)];
}
