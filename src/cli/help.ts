import type { CliCommand } from './args.js';

const COMMON = `Flags are the action's input names (see action.yml), e.g.
  --name NAME          project name (required)
  --path DIR           folder with the function code (default .)
  --runtime RUNTIME    python3.12 (default), python3.9-3.14, nodejs20.x/22.x/24.x
  --handler MOD.FN     handler (default app.handler)
  --app MOD:ATTR       a WSGI/ASGI app (Flask, FastAPI) instead of a handler
  --stage STAGE        stage (default: the current git branch)
  --environment K=V    repeat for several variables
  --aws-region REGION  (default AWS_REGION); credentials come from the AWS chain (profile, env)
  --verbose            show debug output`;

export const HELP: Record<CliCommand, string> = {
  help: `lambda-deploy: Python and Node.js functions, Flask and FastAPI apps on AWS Lambda, one stage per branch.

Usage: lambda-deploy <command> [--flag value ...]

Commands:
  serve      build the package and serve it locally (no AWS account, no Docker)
  package    build the zip and check it against Lambda's size limits
  deploy     build and deploy a stage (--target local runs the deploy path locally)
  undeploy   remove a stage (only resources tagged for it)
  logs       show a stage's CloudWatch logs (--follow to keep tailing)
  status     list the project's stages: function, version, URL, last deploy
  policy     print the deploy roles' least-privilege policies and their OIDC trust policies

Run lambda-deploy <command> --help for a command's flags.`,
  serve: `Usage: lambda-deploy serve --name NAME [--path DIR] [--port 3000] [--app app:app | --handler app.handler]

Builds the same package a deploy would, runs it under a Lambda-compatible
runtime on this machine and serves it over HTTP (API Gateway payload 2.0
events). Stops on Ctrl-C.

${COMMON}
  --port PORT          local port (default 3000; 0 picks a free one)`,
  package: `Usage: lambda-deploy package --name NAME [--path DIR]

Builds the reproducible zip (dependencies for the Lambda platform), prints its
zipped and unzipped sizes and code-sha256, and fails over Lambda's limits.

${COMMON}
  --include GLOB / --exclude GLOB   repeat for several globs
  --requirements FILE / --pip-args ARGS
  --package-cache DIR  keep compressed files there and reuse the unchanged ones next time`,
  deploy: `Usage: lambda-deploy deploy --name NAME [--stage STAGE] [--gateway http-api|rest-api|function-url|none]

Builds, uploads and deploys a stage, smoke-tests its URL and rolls back on
failure. --target local runs the same path on this machine.

${COMMON}
  --gateway KIND       front door (default http-api)
  (credentials: the AWS chain, e.g. AWS_PROFILE; --role-to-assume is for the action's OIDC sign-in)
  --smoke-path PATH / --smoke-status 200-399 / --no-smoke-test / --no-rollback`,
  undeploy: `Usage: lambda-deploy undeploy --name NAME --stage STAGE [--dry-run] [--remove-logs]

Removes the stage's front door and function; only resources tagged for this
project and stage. Protected stages (--protected-stages) are refused.

${COMMON}`,
  logs: `Usage: lambda-deploy logs --name NAME [--stage STAGE] [--since 10m] [--follow]

Prints the stage function's CloudWatch logs; --follow keeps polling.

${COMMON}
  --since DURATION     how far back: 30s, 10m, 2h, 1d (default 10m)
  --follow             keep tailing until Ctrl-C`,
  status: `Usage: lambda-deploy status --name NAME

Lists the project's stages found by their tags: function, live version, URL
and last deploy time.

${COMMON}`,
  policy: `Usage: lambda-deploy policy --name NAME --account 123456789012 --repository owner/repo [--aws-region REGION]

Prints the least-privilege IAM policies of the two deploy roles (production:
the only one that may change a protected stage; preview: pull requests and
other branches, denied every write to protected stages and every IAM write),
and the OIDC trust policies that let the repository's workflows assume them.
lambda-deploy setup creates all of it.

${COMMON}
  --account ID         AWS account id
  --repository O/R     GitHub repository (owner/name)
  --owner-id N --repo-id N   numeric ids, to trust the immutable sub form too
                       (gh api repos/OWNER/REPO --jq '.owner.id, .id')
  --role ROLE          production, preview, or single (one role for everything); default both
  --protected-branches LIST  branches whose pushes deploy production (default main,master)
  --github-environment LIST  environments the production role trusts (default production)
  --protected-stages LIST    stages only the production role may change
  --gateway KIND       or all (default http-api)
  --s3-bucket NAME / --execution-role-arn ARN / --keep-warm / --dependencies-layer`,
};
