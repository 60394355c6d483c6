/**
 * Adding a script to an app's package.json the way `npm pkg set` does: the file keeps its
 * indentation (two spaces, four, a tab), its line endings, its final newline and its key order; a
 * missing `scripts` is added last.
 */

export type PackageManifest = Readonly<Record<string, unknown>>;

/** @throws SyntaxError when the text is not JSON, Error when it is not an object. */
export function parseManifest(text: string): PackageManifest {
  const manifest: unknown = JSON.parse(text);
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new Error('it is not a JSON object');
  return manifest as PackageManifest;
}

/** What stands in the way of the script, if anything, and how to clear it. */
export function scriptConflict(manifest: PackageManifest, name: string, command: string): { problem: string; fix: string } | undefined {
  const { scripts } = manifest;
  if (scripts === undefined) return undefined;
  if (!isObject(scripts)) return { problem: '"scripts" is not an object', fix: 'Make "scripts" in package.json an object, then run `syncgen init` again.' };
  const existing = scripts[name];
  if (existing === undefined || existing === command) return undefined;
  return {
    problem: `the "${name}" script is already ${JSON.stringify(existing)}`,
    fix: `Rename or remove the "${name}" script in package.json, then run \`syncgen init\` again.`,
  };
}

export function hasScript(manifest: PackageManifest, name: string): boolean {
  return isObject(manifest.scripts) && manifest.scripts[name] !== undefined;
}

/** The package.json text with the script added (it must not be there yet), in the file's own format. */
export function withScript(text: string, manifest: PackageManifest, name: string, command: string): string {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const scripts = isObject(manifest.scripts) ? manifest.scripts : {};
  // Spreading keeps every key where it was; a new `scripts` goes last.
  const updated = { ...manifest, scripts: { ...scripts, [name]: command } };
  const body = JSON.stringify(updated, null, indent).replace(/\n/g, newline);
  return text.endsWith('\n') ? body + newline : body;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
