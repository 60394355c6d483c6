/**
 * Paths as the user sees them: relative to the working directory, with forward slashes.
 */
import path from 'node:path';

export function displayPath(cwd: string, absolute: string): string {
  return path.relative(cwd, absolute).split(path.sep).join('/') || '.';
}
