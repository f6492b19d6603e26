/**
 * The tool's environment (CWL v1.2 §Runtime environment): a new, empty environment with only HOME
 * (the designated output directory), TMPDIR (the designated temporary directory), PATH inherited
 * from this process (not in a container: the image's own PATH applies there), and the variables
 * of EnvVarRequirement. Variables the runner was told to pass on (`--preserve-environment`,
 * JobOptions.environment) come first: HOME, TMPDIR and EnvVarRequirement override them, as in
 * cwltool; on the host their PATH wins over this process's, in a container the image's PATH does.
 */
import { stringifyJson } from '../../util/index.js';
import { DocumentInvalidError } from '../errors.js';
import type { Requirement } from '../model.js';
import { isExpression, type EvalContext, type Evaluate } from './evaluation.js';

export async function buildEnvironment(
  envVar: Requirement | undefined,
  paths: { outdir: string; tmpdir: string },
  evaluate: Evaluate,
  context: EvalContext,
  inContainer = false,
  preserved?: Record<string, string>,
): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...preserved, HOME: paths.outdir, TMPDIR: paths.tmpdir };
  if (inContainer) delete env.PATH;
  else if (preserved?.PATH === undefined && process.env.PATH !== undefined) env.PATH = process.env.PATH;
  for (const { envName, envValue } of envDefs(envVar)) {
    const value = isExpression(envValue) ? evaluate(envValue, context, { field: `EnvVarRequirement.envDef.${envName}` }) : envValue;
    env[envName] = typeof value === 'string' ? value : stringifyJson(value);
  }
  return env;
}

/** envDef as a list of {envName, envValue}, whether the document used the list or the map form. */
function envDefs(req: Requirement | undefined): Array<{ envName: string; envValue: string }> {
  const defs = req?.envDef;
  if (defs === undefined || defs === null) return [];
  if (Array.isArray(defs)) {
    return defs.map((d, i) => {
      const def = d as { envName?: unknown; envValue?: unknown };
      if (typeof def.envName !== 'string') throw new DocumentInvalidError({ field: `EnvVarRequirement.envDef[${i}].envName` }, 'expected a string');
      return { envName: def.envName, envValue: String(def.envValue ?? '') };
    });
  }
  if (typeof defs === 'object') {
    return Object.entries(defs as Record<string, unknown>).map(([envName, v]) => ({
      envName,
      envValue: typeof v === 'object' && v !== null && 'envValue' in v ? String((v as { envValue: unknown }).envValue) : String(v),
    }));
  }
  throw new DocumentInvalidError({ field: 'EnvVarRequirement.envDef' }, 'expected a list of {envName, envValue} or a map of names to values');
}
