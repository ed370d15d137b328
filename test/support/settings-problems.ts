import { SettingsError } from '../../src/settings/settings.js';

/** The problems a settings read reports; none when it succeeds. Any other error is thrown. */
export function settingsProblems(read: () => unknown): string[] {
  try {
    read();
    return [];
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
}
