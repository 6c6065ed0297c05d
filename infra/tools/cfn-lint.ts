/**
 * cfn-lint (the AWS CloudFormation Linter) on synthesized templates: what CloudFormation itself would refuse at
 * deploy (bad property values, wrong types, unknown attributes), beyond what CDK and cdk-nag check at synth.
 *
 *   npm run lint:cfn                     synthesizes the default stack (no bundling) and lints it
 *   npm run lint:cfn -- <template.json>  lints the given templates
 *
 * The pinned cfn-lint is installed once per machine (infra/tools/python-tool.ts). Exit 0 when no template has a
 * finding that EXPLAINED_CFN_LINT_FINDINGS does not explain.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePythonTool, type PythonTool } from './python-tool.js';

export const CFN_LINT: PythonTool = {
  name: 'cfn-lint',
  requirementsFile: fileURLToPath(new URL('./cfn-lint.requirements.txt', import.meta.url)),
};

/** The regions the templates are checked against (resource types and properties differ per region). */
export const CFN_LINT_REGIONS = ['us-east-1', 'eu-west-1'];

export interface CfnLintMatch {
  Rule: { Id: string; Description?: string };
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Filename: string;
  Location: { Path?: (string | number)[] };
}

/**
 * Findings that are expected, each narrowed to exactly what CDK itself writes and explained. Every other match,
 * warnings included, fails the check; nothing is ignored by rule id alone.
 */
export const EXPLAINED_CFN_LINT_FINDINGS: readonly {
  rule: string;
  matches: (match: CfnLintMatch) => boolean;
  reason: string;
}[] = [
  {
    rule: 'W3005',
    // "'<X>Role...' dependency already enforced by a 'GetAtt' at 'Resources/<X>/Properties/Role'" (or RoleArn).
    matches: (m) =>
      /dependency already enforced by a 'GetAtt' at 'Resources\/[^/]+\/Properties\/Role(Arn)?'$/.test(
        m.Message,
      ),
    reason:
      'CDK makes every Lambda function and state machine (and its bucket-notifications singleton) depend on its own role explicitly, beside the GetAtt of the role ARN; the redundant DependsOn changes nothing in the deployment order.',
  },
];

/** The matches no entry of EXPLAINED_CFN_LINT_FINDINGS explains. */
export function unexplained(matches: readonly CfnLintMatch[]): CfnLintMatch[] {
  return matches.filter(
    (m) => !EXPLAINED_CFN_LINT_FINDINGS.some((e) => e.rule === m.Rule.Id && e.matches(m)),
  );
}

/** Runs cfn-lint on the templates and returns every match (JSON output). */
export function lintTemplates(
  files: readonly string[],
  log: (line: string) => void = console.log,
): CfnLintMatch[] {
  const env = ensurePythonTool(CFN_LINT, log);
  const result = spawnSync(
    env.bin('cfn-lint'),
    ['--format', 'json', '--regions', ...CFN_LINT_REGIONS, '--', ...files],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  // Exit codes are a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 is a failure to run.
  if (result.status === null || result.status === 1 || (result.stdout.trim() === '' && result.status !== 0)) {
    throw new Error(
      `cfn-lint could not run (exit ${result.status ?? result.signal}): ${result.stderr.trim()}`,
    );
  }
  return result.stdout.trim() === '' ? [] : (JSON.parse(result.stdout) as CfnLintMatch[]);
}

/** One line per match: level, rule, where, what. */
export function describeMatches(matches: readonly CfnLintMatch[]): string {
  return matches
    .map((m) => `${m.Level} ${m.Rule.Id} ${m.Filename} ${(m.Location.Path ?? []).join('/')}: ${m.Message}`)
    .join('\n');
}

async function main(args: string[]): Promise<number> {
  let files = args;
  let outdir: string | undefined;
  if (files.length === 0) {
    const { createPipelineApp } = await import('../pipeline-app.js');
    outdir = mkdtempSync(join(tmpdir(), 'avatar-pipeline-cfn-lint-'));
    const { app } = createPipelineApp({ bundling: false, outdir });
    app.synth();
    files = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => join(outdir as string, f));
  }
  try {
    const all = lintTemplates(files);
    const matches = unexplained(all);
    if (matches.length > 0) console.error(describeMatches(matches));
    console.log(
      `cfn-lint: ${matches.length} unexplained finding(s) in ${files.length} template(s) (${all.length - matches.length} explained, see EXPLAINED_CFN_LINT_FINDINGS)`,
    );
    return matches.length === 0 ? 0 : 1;
  } finally {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error.message);
      process.exit(2);
    },
  );
}
