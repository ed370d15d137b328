import { describe, expect, it } from '@jest/globals';
import { secretValues } from '../../src/settings/secret-values.js';
import { redact } from '../../src/util/redact.js';

const base = { name: 'shop', awsRegion: 'eu-west-1', githubToken: '', pipArgs: [] as string[] };

describe('secretValues', () => {
  it('is every environment value, the token and a pip index password', () => {
    const values = secretValues({
      ...base,
      environment: { DB_PASSWORD: 'Pg-Secret-771', API_URL: 'https://api.example.com' },
      githubToken: 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
      pipArgs: ['--index-url', 'https://ci:p%40ss-word9@pypi.example.com/simple'],
    });
    expect(values.sort()).toEqual(
      [
        'Pg-Secret-771',
        'https://api.example.com',
        'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
        'p%40ss-word9',
        'p@ss-word9',
      ].sort(),
    );
  });

  it("adds the function's own values (set outside the workflow), filtered the same way", () => {
    const values = secretValues(
      { ...base, environment: { DB_PASSWORD: 'Pg-Secret-771' } },
      { stage: 'pr-12', functionName: 'shop-pr-12' },
      ['pk9f2Qm7Zr4Lw8Xb', 'pr-12', 'eu-west-1', 'on', 'Pg-Secret-771'],
    );
    expect(values.sort()).toEqual(['Pg-Secret-771', 'pk9f2Qm7Zr4Lw8Xb']);
  });

  it('leaves out values too short to mask and the names every URL shows anyway', () => {
    const values = secretValues(
      {
        ...base,
        environment: {
          DEBUG: '1',
          LEVEL: 'info',
          APP: 'shop',
          STAGE: 'pr-12',
          REGION: 'eu-west-1',
          K: 'Pg-Secret-771',
        },
      },
      { stage: 'pr-12', functionName: 'shop-pr-12' },
    );
    expect(values).toEqual(['Pg-Secret-771']);
  });

  it('finds the password in --index-url=URL and keeps a password that is not valid percent-encoding as it is', () => {
    const values = secretValues({
      ...base,
      environment: {},
      pipArgs: [
        '--index-url=https://ci:Idx-pass-2024@pypi.example.com/simple',
        '--extra-index-url',
        'https://u:50%zz-off@x.example/simple',
      ],
    });
    expect(values.sort()).toEqual(['50%zz-off', 'Idx-pass-2024'].sort());
  });

  it('a value is also hidden as a function prints it: without the blanks around it, and escaped in JSON', () => {
    const quoted = 'Pw"7\\x-é-9';
    const values = secretValues({ ...base, environment: { A: ' Pg-Secret-771 ', B: quoted } });
    const lines = [
      // Python: os.environ['A'].strip(); a structured logger's JSON line (json.dumps escapes é too).
      'connecting with Pg-Secret-771.',
      `{"message": "config", "b": ${JSON.stringify(quoted)}}`,
      `{"message": "config", "b": "Pw\\"7\\\\x-\\u00e9-9"}`,
    ];
    expect(lines.map((line) => redact(line, values))).toEqual([
      'connecting with ***.',
      '{"message": "config", "b": "***"}',
      '{"message": "config", "b": "***"}',
    ]);
  });
});
