/**
 * The deploy sequence and package fixtures (in fakes/aws, which the bench
 * shares), with the deps tests hand to src/ code.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsDeps } from '../../src/aws/aws-call.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';

export {
  deployStageToAws,
  type AwsAccountClients,
  type StageDeploy,
  type StageDeployResult,
} from '../../fakes/aws/deploy-sequence.js';
export { writeZipFixture, type ZipFixture } from '../../fakes/aws/zip.js';

export function tempDir(prefix = 'lambda-deploy-aws-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function testDeps(): AwsDeps & { logger: RecordingLogger; sleep: ReturnType<typeof recordingSleep> } {
  return { logger: new RecordingLogger(), sleep: recordingSleep(), random: () => 1, now: () => new Date() };
}
