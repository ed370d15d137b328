/** Who and where a stage is: what every AWS and GitHub step of a stage needs. */
export interface StageContext {
  /** Project name (the `name` input). */
  project: string;
  stage: string;
  functionName: string;
  region: string;
  accountId: string;
  /** The four lambda-deploy:* tags (src/model/tags.ts). */
  tags: Record<string, string>;
}
