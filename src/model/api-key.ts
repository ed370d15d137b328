/**
 * The command the owner of a stage's API key runs to read its value: the
 * deploy never shows the value (masked in logs, outputs, summary and comment),
 * only the key's id.
 */
export function apiKeyValueCommand(apiKeyId: string): string {
  return `aws apigateway get-api-key --api-key ${apiKeyId} --include-value --query value --output text`;
}
