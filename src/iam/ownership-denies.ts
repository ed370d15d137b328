/** Both roles: nothing tagged for another project or repository, and no tag that would claim one. */
import type { PolicyStatement } from '../model/policy-document.js';
import { TagKeys } from '../model/tags.js';
import type { DeployPolicyOptions } from './deploy-policy-options.js';

/**
 * Reads, on the four services whose resources carry the stage tags: everything
 * else there (any write, now or added later) is what OtherRepositories refuses.
 * Reads stay: a deploy reads a same-named stage of another repository to say
 * whose it is (test/iam/role-grants.test.ts).
 */
export const STAGE_READS: readonly string[] = [
  'lambda:Get*',
  'lambda:List*',
  'apigateway:GET',
  'logs:Describe*',
  'logs:FilterLogEvents',
  'logs:Get*',
  'logs:List*',
  'events:Describe*',
  'events:List*',
];

/**
 * Resources tagged for another repository are never written; those tagged for
 * another project are not touched at all, reads included: no Allow reaches
 * them (every Allow on a tagged resource asks for this project's name), so the
 * Deny refuses nothing the role had, in as few characters as a Deny can
 * (room for NoApiImport under IAM's size limit).
 */
export function ownershipDenies(options: DeployPolicyOptions, p: string): PolicyStatement[] {
  const services = ['lambda', 'apigateway', 'logs', 'events'].map((s) => `arn:${p}:${s}:*`);
  const denyWhenTag = (
    sid: string,
    actions: Pick<PolicyStatement, 'Action' | 'NotAction'>,
    key: string,
    allowed: string[],
  ): PolicyStatement => ({
    Sid: sid,
    Effect: 'Deny',
    ...actions,
    Resource: services,
    Condition: {
      Null: { [`aws:ResourceTag/${key}`]: 'false' },
      StringNotEquals: { [`aws:ResourceTag/${key}`]: allowed.length === 1 ? allowed[0]! : allowed },
    },
  });
  const statements = [
    denyWhenTag('OtherProjects', { Action: '*' }, TagKeys.Name, [options.project]),
    noOtherOwnerTag('NotOurName', TagKeys.Name, [options.project]),
  ];
  // A stage deployed from a terminal carries an empty repository tag.
  if (options.repository)
    statements.push(
      denyWhenTag('OtherRepositories', { NotAction: [...STAGE_READS] }, TagKeys.Repository, [
        options.repository,
        '',
      ]),
      noOtherOwnerTag('NotOurRepo', TagKeys.Repository, [options.repository, '']),
    );
  return statements;
}

/**
 * No request may label anything, the role's own resources included, as another
 * project's or repository's: the production deploy of the project named finds
 * its front door by these tags (findHttpApi takes the oldest HTTP API tagged
 * for its stage), and would take one a pull request made, routes and all, for
 * a stage this policy does not protect. The Allow statements that demand the
 * project's name on a create reach neither TagResource on a function nor a
 * stage made under an API of ours, and none asks for the repository. A negated
 * operator is true on an absent key, ForAnyValue false: a request without the
 * tag stays allowed, with no Null test to pay for. Values as the action writes
 * them, case and all (OtherRepositories compares the created resource's so).
 */
function noOtherOwnerTag(sid: string, key: string, allowed: string[]): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: {
      'ForAnyValue:StringNotEquals': {
        [`aws:RequestTag/${key}`]: allowed.length === 1 ? allowed[0]! : allowed,
      },
    },
  };
}
