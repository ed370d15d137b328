import type { GitHubContext } from '../../model/github-context.js';
import type { PipelineDeps } from '../../pipelines/pipeline-deps.js';
import type { InputName } from '../../settings/names.js';
import type { Settings } from '../../model/settings.js';
import type { RuntimeClock } from '../../settings/runtime-schedule-check.js';
import type { SourceRoot } from '../../settings/source-folder.js';
import type { Logger } from '../../util/logger.js';
import type { Sleep } from '../../util/sleep.js';
import type { Flag, ParsedFlags } from './flags.js';

/** Where a command reads and writes: results on `out`, progress and errors on `err`. */
export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (Ctrl-C): serve and logs --follow wait for it. */
  interrupted(): Promise<void>;
  sleep: Sleep;
  /** HTTP for the few calls a command makes outside AWS (setup reads the repository's ids from GitHub). */
  fetch: typeof fetch;
  /** Today, and the runtime deprecation schedule to judge by (tests fix both; default: the clock and AWS's schedule). */
  runtimeClock?: () => RuntimeClock;
}

/** A command's result: `key: value` lines on stdout, or one JSON object with --json. */
export type CommandResult = Record<string, unknown>;

export interface CommandOutcome {
  /** 0 done; 1 the command ran and failed (usage errors never get here: they exit 2). */
  exitCode: 0 | 1;
  result?: CommandResult;
  /** The result for a terminal, instead of `key: value` lines (a table, policies, log lines). */
  text?: string;
  /** Why it failed: on stderr, and as `error` (and `problems`, itself alone) in the JSON object. */
  error?: string;
}

export interface CommandContext {
  flags: ParsedFlags;
  io: CliIo;
  logger: Logger;
  /** Debug output is shown (--verbose or LAMBDA_DEPLOY_DEBUG=1): the local function's lines among it. */
  verbose: boolean;
  /** The event-less context of a terminal: the stage comes from --stage or the current git branch. */
  github: GitHubContext;
  /** Settings from the flags, every other input at its default; `fixed` are the inputs the command decides. */
  settings(fixed?: Partial<Record<InputName, string>>): Settings;
  /** pipelineDeps() building into a folder of this run's, removed when the command ends. */
  buildDeps(): Promise<PipelineDeps>;
  /**
   * What a pipeline needs from a terminal: its logger and environment, the
   * AWS clients of the credential chain, and denials worded for the user's
   * own credentials (the action's name the deploy role).
   */
  pipelineDeps(): PipelineDeps;
  /** Prints a result now (serve, once it is serving), the way the final one would be. */
  emit(result: CommandResult, text?: string): void;
}

/** One CLI command: its help and its flags in one table, and what it does. */
export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** What follows `lambda-stage-deploy <name>` in its usage line. */
  usage: string;
  /** A paragraph for its help. */
  description: string;
  /** Every flag it reads (the global ones come on top). */
  flags: readonly Flag[];
  /** It calls AWS (credentials and region are needed). */
  usesAws: boolean;
  /** The folder --path starts from, when not the checkout (or this directory): init's --dir. */
  codeRoot?(flags: ParsedFlags): SourceRoot;
  run(ctx: CommandContext): Promise<CommandOutcome>;
}
