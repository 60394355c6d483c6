// Preloaded by packaged-app.sh (`--import`): importing any package named in SYNCGEN_BANNED
// (comma-separated) fails, naming it, and the command exits non-zero. It proves what a command
// does NOT load (the generator's toolchain on `--help`, TypeScript on a no-op generate) without
// timing it. The resolve hook runs on Node's hooks thread, hence its own module (a data: URL).
import { register } from 'node:module';

const hooks = `
const banned = new Set((process.env.SYNCGEN_BANNED ?? '').split(',').filter(Boolean));
export async function resolve(specifier, context, next) {
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  if (banned.has(name)) throw new Error('ban-modules: ' + specifier + ' was imported');
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
