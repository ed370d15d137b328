/** `n` policy statements of about 175 characters each (one DynamoDB table each): to fill IAM's size quotas. */
export function tableStatements(n: number, region = 'eu-west-1', accountId = '123456789012'): object[] {
  return Array.from({ length: n }, (_, i) => ({
    Sid: `Table${i}`,
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
    Resource: `arn:aws:dynamodb:${region}:${accountId}:table/shop-orders-${i}`,
  }));
}
