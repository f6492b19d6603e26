/**
 * The requirements and hints in force for one job, and the check that this runner can honour them.
 *
 * CWL v1.2 §Requirements and hints: a requirement the runner cannot fulfil is an error ("unsupported",
 * exit 33); a hint it does not know is ignored. A requirement overrides a hint of the same class.
 */
import { UnsupportedRequirementError } from '../errors.js';
import type { Requirement } from '../model.js';

/** Classes this runner implements (CommandLineTool.yml, Workflow.yml, Process.yml of v1.2). */
const SUPPORTED = new Set([
  'InlineJavascriptRequirement',
  'SchemaDefRequirement',
  'LoadListingRequirement',
  'SoftwareRequirement',
  'InitialWorkDirRequirement',
  'EnvVarRequirement',
  'ShellCommandRequirement',
  'ResourceRequirement',
  'WorkReuse',
  'NetworkAccess',
  'InplaceUpdateRequirement',
  'ToolTimeLimit',
  // Run in a container when an engine is found (src/cwl/containers decides, per job and node).
  'DockerRequirement',
  'SubworkflowFeatureRequirement',
  'ScatterFeatureRequirement',
  'MultipleInputFeatureRequirement',
  'StepInputExpressionRequirement',
]);

const CWL_PREFIXES = ['https://w3id.org/cwl/cwl#', 'http://commonwl.org/cwl#', 'cwl:'];

/** `cwl:DockerRequirement` and the full IRI name the same class as `DockerRequirement`. */
export function requirementClass(req: Requirement): string {
  for (const prefix of CWL_PREFIXES) if (req.class.startsWith(prefix)) return req.class.slice(prefix.length);
  return req.class;
}

export class RequirementSet {
  private readonly byClass = new Map<string, { req: Requirement; isRequirement: boolean }>();

  constructor(
    readonly requirements: readonly Requirement[],
    readonly hints: readonly Requirement[],
  ) {
    // Later entries win within a list (inheritance appends the more specific ones last);
    // requirements always win over hints.
    for (const hint of hints) this.byClass.set(requirementClass(hint), { req: hint, isRequirement: false });
    for (const req of requirements) this.byClass.set(requirementClass(req), { req, isRequirement: true });
  }

  /** One entry per class, the one in force (for readers that take the first entry of a class). */
  get inForce(): Requirement[] {
    return [...this.byClass.values()].map((v) => v.req);
  }

  /** The requirement (or, failing that, the hint) of this class. */
  get(cls: string): Requirement | undefined {
    return this.byClass.get(cls)?.req;
  }

  /** True when the class is listed under `requirements` (not only as a hint). */
  isRequired(cls: string): boolean {
    return this.byClass.get(cls)?.isRequirement === true;
  }

  /**
   * Throws UnsupportedRequirementError for a requirement this runner cannot honour; returns the
   * hints it ignores, for a debug log line.
   */
  checkSupported(): string[] {
    for (const req of this.requirements) {
      const cls = requirementClass(req);
      if (!SUPPORTED.has(cls)) {
        throw new UnsupportedRequirementError(cls, 'unknown requirement class; if it is optional, list it under `hints` instead');
      }
    }
    const ignored: string[] = [];
    for (const hint of this.hints) {
      const cls = requirementClass(hint);
      if (!SUPPORTED.has(cls)) ignored.push(cls);
    }
    return ignored;
  }
}
