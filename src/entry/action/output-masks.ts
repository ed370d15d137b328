import { printedForms } from '../../settings/secret-values.js';

/**
 * Warnings for the outputs GitHub will drop: at the end of a job the runner
 * leaves out every job output that holds a value masked in the job
 * (`Skip output 'url' since it may contain secret.`), so `needs.<job>.outputs`
 * is empty in later jobs and nothing fails. Each warning names the output and
 * the `environment` variables whose masked value it holds, never the value.
 * Pure: `masked` is what the step registered with the runner.
 */
export function maskedOutputWarnings(
  outputs: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string>>,
  masked: readonly string[],
): string[] {
  const maskedSet = new Set(masked.filter(Boolean));
  const variables = Object.entries(environment).map(([name, value]) => ({
    name,
    forms: printedForms(value).filter((form) => maskedSet.has(form)),
  }));
  return Object.entries(outputs).flatMap(([output, value]) => {
    if (!value || ![...maskedSet].some((secret) => value.includes(secret))) return [];
    const names = variables
      .filter(({ forms }) => forms.some((form) => value.includes(form)))
      .map(({ name }) => name);
    const holds = names.length
      ? `holds the value of environment variable${names.length > 1 ? 's' : ''} ${names.join(', ')}, masked as a possible secret`
      : 'holds a value this step masked as a secret';
    return [
      `Output '${output}' ${holds}: GitHub leaves it out of the job's outputs ("Skip output '${output}' since it may contain secret."), ` +
        `so a later job reading needs.<job>.outputs.${output} gets an empty value. ` +
        `Steps of this job still read it (steps.<id>.outputs.${output}). ` +
        `A value that is no secret need not be in environment: the function can read its account and region from its own ARN ` +
        `(the invoked function ARN in its context) and its host from each request; the account ID is not masked when ` +
        `role-to-assume or execution-role-arn names it.`,
    ];
  });
}
