/**
 * The Amazon Linux a Lambda runtime runs on, and its glibc: compiled code
 * built against a newer glibc fails on Lambda at load ("version `GLIBC_2.38'
 * not found"). From the Lambda runtimes page of the AWS documentation.
 */
export interface LambdaOs {
  name: 'Amazon Linux 2' | 'Amazon Linux 2023';
  /** [major, minor] */
  glibc: readonly [number, number];
}

const AL2: LambdaOs = { name: 'Amazon Linux 2', glibc: [2, 26] };
const AL2023: LambdaOs = { name: 'Amazon Linux 2023', glibc: [2, 34] };

/** python3.9-3.11 and nodejs18.x (and older) run on Amazon Linux 2; newer runtimes on Amazon Linux 2023. */
export function lambdaOs(runtime: string): LambdaOs {
  const python = /^python3\.(\d+)$/.exec(runtime);
  if (python) return Number(python[1]) >= 12 ? AL2023 : AL2;
  const node = /^nodejs(\d+)\.x$/.exec(runtime);
  return node && Number(node[1]) <= 18 ? AL2 : AL2023;
}

export function glibcText(version: readonly [number, number]): string {
  return `${version[0]}.${version[1]}`;
}
