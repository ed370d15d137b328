/** What a runtime reports for a failed invocation or a failed init. */
export interface LambdaError {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
}
