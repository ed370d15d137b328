import { describe, expect, it } from '@jest/globals';
import { decideExtra } from '../../src/packaging/extra-marker.js';

describe('decideExtra', () => {
  it.each([
    ['python_version < "3.8" or extra == "s3"', undefined],
    ['python_version < "3.8" or extra == "gcs"', 'python_version < "3.8"'],
    ['python_version < "3.8" and extra == "s3"', 'python_version < "3.8"'],
    ['extra == "gcs"', false],
    ["extra == 'S3'", undefined],
    ['extra != "s3" and os_name == "nt"', false],
    [
      '(extra == "gcs" or os_name == "nt") and (sys_platform == "linux" or python_version >= "3.9")',
      'os_name == "nt" and (sys_platform == "linux" or python_version >= "3.9")',
    ],
    ['platform_machine == "x86_64"', 'platform_machine == "x86_64"'],
    ['"linux" in sys_platform or extra == "gcs"', '"linux" in sys_platform'],
    ['python_version not in "3.8, 3.9" or extra == "gcs"', 'python_version not in "3.8, 3.9"'],
    // Unreadable: left as it was, for pip to judge.
    ['extra == "s3" or (', 'extra == "s3" or ('],
  ])('%s, reached through the extra s3: %s', (marker, decided) => {
    expect(decideExtra(marker, 's3')).toBe(decided);
  });
});
