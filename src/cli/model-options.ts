import * as path from "path";
import { Contract, DEFAULT_CONTRACTS_DIR, loadContracts } from "../model/contracts";
import { DEFAULT_RULES_DIR, loadRuleSets, RuleSet } from "../model/rules";

/**
 * `--contracts DIR` and `--rules DIR`: every command that reads the model takes them, through
 * this one helper, so a model kept outside the project (an ODCS import, a branch's copy, a
 * customer's own) runs through the same commands. Spread MODEL_OPTIONS into the command's
 * parseArgs options and append MODEL_USAGE to its usage line.
 */
export const MODEL_OPTIONS = {
  contracts: { type: "string" },
  rules: { type: "string" },
} as const;

export const MODEL_USAGE = "[--contracts DIR] [--rules DIR]";

/** The parsed values of MODEL_OPTIONS, as parseArgs returns them. */
export interface ModelOptionValues {
  readonly contracts?: string;
  readonly rules?: string;
}

export interface ModelDirs {
  /** Absolute; contracts/ of the project by default. */
  readonly contractsDir: string;
  /** Absolute; quality-rules/ of the project by default. */
  readonly rulesDir: string;
}

export interface Model extends ModelDirs {
  readonly contracts: readonly Contract[];
  readonly ruleSets: readonly RuleSet[];
}

export function modelDirs(values: ModelOptionValues): ModelDirs {
  return {
    contractsDir: path.resolve(values.contracts ?? DEFAULT_CONTRACTS_DIR),
    rulesDir: path.resolve(values.rules ?? DEFAULT_RULES_DIR),
  };
}

/** The contracts of --contracts, validated (LakeInputError naming every problem otherwise). */
export function loadModelContracts(values: ModelOptionValues): readonly Contract[] {
  return loadContracts(modelDirs(values).contractsDir);
}

/** Contracts and rules of --contracts and --rules, both validated, the rules against those contracts. */
export function loadModel(values: ModelOptionValues): Model {
  const dirs = modelDirs(values);
  const contracts = loadContracts(dirs.contractsDir);
  return { ...dirs, contracts, ruleSets: loadRuleSets(contracts, dirs.rulesDir) };
}
