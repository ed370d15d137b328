import type { CxxSeries } from './elf-dependencies.js';

/**
 * The Amazon Linux a Lambda runtime runs on, and its glibc: compiled code
 * built against a newer glibc fails on Lambda at load ("version `GLIBC_2.38'
 * not found"). From the Lambda runtimes page of the AWS documentation.
 */
export interface LambdaOs {
  name: 'Amazon Linux 2' | 'Amazon Linux 2023';
  /** [major, minor] */
  glibc: readonly [number, number];
  /**
   * Its libstdc++ (/lib64/libstdc++.so.6): the GCC it comes with, and the
   * newest GLIBCXX_3.4.n and CXXABI_1.3.n it has. C++ code compiled with a
   * newer GCC fails at load ("version `GLIBCXX_3.4.30' not found").
   * Undefined where the runtime may bring a newer copy of its own.
   */
  libstdcxx?: Libstdcxx & {
    /**
     * A newer libstdc++ later releases of this Amazon Linux carry: whether
     * a runtime has it depends on its image's release, so a need up to it
     * is warned of, not refused.
     */
    updated?: Libstdcxx;
  };
}

/** A libstdc++: the GCC it comes with, and the newest GLIBCXX_3.4.n and CXXABI_1.3.n it has. */
export interface Libstdcxx {
  gcc: number;
  levels: Readonly<Record<CxxSeries, number>>;
}

// AL2's gcc 7 and AL2023's gcc 11 (the AL2023 guide's core toolchain, and the GCC manual's ABI history).
// AL2's is the Lambda images' too (aws/aws-lambda-base-images#87 asks for more than its GLIBCXX_3.4.24).
// No source shows an AL2 Python or AL2023 runtime bringing a libstdc++ of its own: the loader names
// /lib64/libstdc++.so.6 when it is too old (duckdb/duckdb-node#153: nodejs20.x, Vercel's Lambda).
const AL2: LambdaOs = {
  name: 'Amazon Linux 2',
  glibc: [2, 26],
  libstdcxx: { gcc: 7, levels: { GLIBCXX: 24, CXXABI: 11 } },
};
const AL2023: LambdaOs = {
  name: 'Amazon Linux 2023',
  glibc: [2, 34],
  libstdcxx: {
    gcc: 11,
    levels: { GLIBCXX: 29, CXXABI: 13 },
    // AL2023 releases since April 2025 replace it with GCC 14's, so gcc14-built code runs
    // (amazonlinux/container-images#132); a Lambda runtime's image may be older or newer.
    updated: { gcc: 14, levels: { GLIBCXX: 33, CXXABI: 15 } },
  },
};
/** nodejs18.x's Node (newer GCC than AL2's) may load a libstdc++ of its own from /var/lang/lib: not judged. */
const AL2_NODE: LambdaOs = { name: AL2.name, glibc: AL2.glibc };

/** python3.9-3.11 and nodejs18.x (and older) run on Amazon Linux 2; newer runtimes on Amazon Linux 2023. */
export function lambdaOs(runtime: string): LambdaOs {
  const python = /^python3\.(\d+)$/.exec(runtime);
  if (python) return Number(python[1]) >= 12 ? AL2023 : AL2;
  const node = /^nodejs(\d+)\.x$/.exec(runtime);
  return node && Number(node[1]) <= 18 ? AL2_NODE : AL2023;
}

export function glibcText(version: readonly [number, number]): string {
  return `${version[0]}.${version[1]}`;
}
