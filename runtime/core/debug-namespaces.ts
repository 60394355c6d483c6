/**
 * The `DEBUG` environment switch, read as the `debug` package reads it: names separated by commas
 * or spaces, `*` for any run of characters, a leading `-` to leave a name out (that wins). One
 * addition: a name without `*` also covers the names below it, so `DEBUG=syncgen` turns on
 * `syncgen:sync`, `syncgen:tcp` and `syncgen:library` as `DEBUG=syncgen:*` does.
 */

/**
 * Which namespaces a `DEBUG` value turns on.
 *
 * @example
 * const on = debugNamespaces('syncgen:*,-syncgen:tcp');
 * on('syncgen:sync'); // true
 * on('syncgen:tcp'); // false
 */
export function debugNamespaces(value: string | undefined): (namespace: string) => boolean {
  const names: RegExp[] = [];
  const skips: RegExp[] = [];
  for (const part of (value ?? '').split(/[\s,]+/)) {
    if (part === '' || part === '-') continue;
    if (part.startsWith('-')) skips.push(pattern(part.slice(1)));
    else names.push(pattern(part));
  }
  return (namespace) => !skips.some((skip) => skip.test(namespace)) && names.some((name) => name.test(namespace));
}

/** A name as a whole-string pattern: `*` matches anything; a name without `*` matches itself and what is below it. */
function pattern(name: string): RegExp {
  const escaped = name
    .split('*')
    .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(name.includes('*') ? `^${escaped}$` : `^${escaped}(:.*)?$`);
}
