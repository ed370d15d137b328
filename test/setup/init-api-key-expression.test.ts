/**
 * The `api-key` expression `init --api-key` writes, evaluated by GitHub's own
 * expression library: true exactly for pushes (and manual runs) of the
 * protected stages' branches, where the reusable workflow routes to the
 * production job. GitHub compares strings ignoring case (==, contains(),
 * even an object's keys), so no expression can tell `Main` from `main`: that
 * limit is shown here and said in the workflow itself.
 */
import { describe, expect, test } from '@jest/globals';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { parse } from 'yaml';
import { callerWorkflow } from '../../src/setup/init-workflow.js';

function apiKeyExpression(protectedStages?: string[]): string {
  const text = callerWorkflow({ name: 'shop', awsRegion: 'eu-west-1', apiKey: true, protectedStages });
  const workflow = parse(text) as { jobs: { lambda: { with: Record<string, string> } } };
  const value = workflow.jobs.lambda.with['api-key'] as string;
  return /^\$\{\{(.*)\}\}$/s.exec(value)?.[1] as string;
}

/** What GitHub makes of the expression on a run of `eventName` for `refName`. */
function evaluate(expression: string, eventName: string, refName: string): boolean {
  const github = new data.Dictionary();
  github.add('event_name', new data.StringData(eventName));
  github.add('ref_name', new data.StringData(refName));
  const contexts = new data.Dictionary();
  contexts.add('github', github);
  const parsed = new Parser(new Lexer(expression).lex().tokens, ['github'], []).parse();
  return truthy(new Evaluator(parsed, contexts).evaluate());
}

/** The reusable workflow's route (bash, `==` on strings): the production job exactly for these. */
const routesToProduction = (stages: string[], eventName: string, refName: string) =>
  eventName !== 'pull_request' && stages.includes(refName);

describe('init --api-key: the expression it writes', () => {
  const stages = ['main', 'master', 'prod', 'production', 'release-1'];
  const expression = apiKeyExpression(stages);

  test.each([
    ['push', 'main'],
    ['workflow_dispatch', 'main'],
    ['push', 'release-1'],
    ['push', 'feature'],
    ['push', 'mainline'],
    ['push', 'prod-like'],
    ['pull_request', 'main'],
    ['pull_request', '12/merge'],
  ])('on a %s of %s: true exactly where the production job deploys', (eventName, refName) => {
    expect(evaluate(expression, eventName, refName)).toBe(routesToProduction(stages, eventName, refName));
  });

  test('a branch that differs from a protected stage only in case (Main): true, though it is routed to the preview job (GitHub compares strings ignoring case)', () => {
    expect(routesToProduction(stages, 'push', 'Main')).toBe(false);
    expect(evaluate(expression, 'push', 'Main')).toBe(true);
    // No exact comparison exists in GitHub's expressions: == and object keys ignore case too.
    expect(evaluate("github.ref_name == 'main'", 'push', 'MAIN')).toBe(true);
    expect(evaluate(`fromJSON('{"main": true}')[github.ref_name]`, 'push', 'MAIN')).toBe(true);
  });

  test('the workflow says so above the line, and names the way out', () => {
    const text = callerWorkflow({ name: 'shop', awsRegion: 'eu-west-1', apiKey: true });
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.trimStart().startsWith('api-key:'));
    const comment = lines
      .slice(0, at)
      .reverse()
      .filter((_, i, all) => all.slice(0, i + 1).every((l) => l.trimStart().startsWith('#')))
      .reverse()
      .map((l) => l.trim().replace(/^# ?/, ''))
      .join(' ');
    expect(comment).toContain('GitHub compares branch names ignoring case');
    expect(comment).toContain('a branch such as Main is not the protected stage main');
    expect(comment).toContain('its preview deploy fails: the preview role may make no API key');
  });
});
