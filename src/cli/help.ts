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
  setup      create the deploy roles, execution roles and artifact bucket, once (administrator credentials)
  init       write the GitHub workflow (.github/workflows/lambda-deploy.yml) and print the next steps

Run lambda-deploy <command> --help for a command's flags.`,
  serve: `Usage: lambda-deploy serve --name NAME [--path DIR] [--port 3000] [--app app:app | --handler app.handler]

Builds the same package a deploy would, runs it under a Lambda-compatible
runtime on this machine and serves it over HTTP, sending the events of
--gateway: API Gateway payload 2.0 at the root (http-api, the default, and
function-url), or 1.0 under /{stage} (rest-api). Stops on Ctrl-C.

${COMMON}
  --port PORT          local port (default 3000; 0 picks a free one)`,
  package: `Usage: lambda-deploy package --name NAME [--path DIR]

Builds the reproducible zip (dependencies for the Lambda platform), prints its
zipped and unzipped sizes and code-sha256, and fails over Lambda's limits.

${COMMON}
  --include GLOB / --exclude GLOB   repeat for several globs
  --requirements FILE / --pip-args ARGS`,
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
  setup: `Usage: lambda-deploy setup --name NAME --repository owner/repo [--aws-region REGION] [--dry-run | --cloudformation]

Run once, from an administrator's machine, with ordinary AWS credentials
(profile or environment). Creates or updates, and changes nothing that is
already right (a second run says so):
  - GitHub's OIDC provider, if the account has none;
  - the production deploy role (trusted for pushes to the protected branches
    and the GitHub environments) and the preview deploy role (pull requests and
    other branches; denied every write to a protected stage and every IAM write);
  - the production and preview execution roles, production's under a
    permissions boundary that no deploy can change;
  - the artifact bucket: public access blocked, encrypted, TLS only, old
    artifacts expiring.
Ends with the two role ARNs to put in the workflow.

${COMMON}
  --repository O/R     GitHub repository (owner/name)
  --owner-id N --repo-id N   numeric ids, to trust the immutable sub form too
  --protected-stages LIST    stages only production may change (default main,master,prod,production)
  --protected-branches LIST  branches whose pushes deploy production (default main,master)
  --github-environment LIST  environments the production role trusts (default production)
  --policy-statements JSON|FILE  extra statements for the execution roles (and the boundary)
  --gateway KIND       front doors the roles may manage (default all)
  --s3-bucket NAME     an artifact bucket of yours instead of lambda-deploy-{account}-{region}
  --dry-run            print every document and every change; change nothing
  --cloudformation     print the same resources as a CloudFormation template (JSON)
  --account ID         with --cloudformation: no AWS call at all`,
  init: `Usage: lambda-deploy init --name NAME --aws-region REGION [--production-role ARN --preview-role ARN]

Writes .github/workflows/lambda-deploy.yml: the reusable workflow with the
production role (its job in a GitHub environment) and the preview role, on
push, pull_request, delete and a nightly prune. Prints the next steps.

${COMMON}
  --production-role ARN / --preview-role ARN   from lambda-deploy setup (placeholders otherwise)
  --github-environment NAME  the production job's environment (default production)
  --protected-stages LIST    stages production deploys (default main,master,prod,production)
  --dir DIR            the repository's folder (default .)
  --force              replace an existing workflow file`,
};
