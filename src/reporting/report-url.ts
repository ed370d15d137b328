/**
 * The URLs a report job accepts from a job that ran pull-request code: only those the deploy makes,
 * in the region this run deploys to (the report job's own aws-region, never the report's). A
 * well-shaped execute-api host of another region or partition is someone else's API. Pure.
 */
import { dnsSuffix, isChinaRegion } from '../model/aws-hosts.js';
import { Inputs } from '../settings/names.js';

/** Where the deploy ran: this run's stage, the deploy's target, the report job's region (none: unknown). */
export interface UrlScope {
  stage: string;
  target: 'aws' | 'local';
  region?: string | undefined;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The regular expressions of the URLs a deploy to `scope` makes, besides none (''). */
function shapes(scope: UrlScope & { region: string }): RegExp[] {
  const stage = escape(scope.stage);
  if (scope.target === 'local') return [new RegExp(String.raw`^http://127\.0\.0\.1:\d{1,5}(?:/${stage})?$`)];
  const region = escape(scope.region);
  const suffix = escape(dnsSuffix(scope.region));
  const api = new RegExp(
    String.raw`^https://[a-z0-9]{1,63}\.execute-api\.${region}\.${suffix}(?:/${stage})?$`,
  );
  // AWS documents Lambda function URLs as not available in the China regions: no host of theirs is trusted.
  if (isChinaRegion(scope.region)) return [api];
  return [api, new RegExp(String.raw`^https://[a-z0-9]{1,63}\.lambda-url\.${region}\.on\.aws$`)];
}

/**
 * What is expected instead of `url` ('' when it is a URL the deploy makes in `scope`): the forms
 * with this run's region filled in, for an error that quotes the bad value beside them.
 */
export function reportUrlProblem(url: string, scope: UrlScope): string {
  if (url === '') return '';
  if (scope.target === 'aws' && !scope.region)
    return `a URL of the region the deploy ran in, and this step has none: set its ${Inputs.AwsRegion} input to the deploy's`;
  const region = scope.region ?? '';
  if (shapes({ ...scope, region }).some((shape) => shape.test(url))) return '';
  if (scope.target === 'local')
    return `a URL the local deploy makes: http://127.0.0.1:{port} (REST API: /${scope.stage} after it), or empty`;
  const api = `https://{id}.execute-api.${region}.${dnsSuffix(region)} (REST API: /${scope.stage} after it)`;
  const where = `a URL the deploy makes in this run's region ${region} (${Inputs.AwsRegion})`;
  return isChinaRegion(region)
    ? `${where}: ${api}, or empty (Lambda function URLs are not available in the China regions)`
    : `${where}: ${api}, https://{id}.lambda-url.${region}.on.aws, or empty`;
}

/** Whether `url` is one the deploy makes in `scope` (none included). */
export function isReportUrl(url: string, scope: UrlScope): boolean {
  return reportUrlProblem(url, scope) === '';
}
