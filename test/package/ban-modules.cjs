// Preloaded by packaged-app.sh (`--require`): loading any package named in SYNCGEN_BANNED
// (comma-separated) ends the process with exit 3, naming it. It proves what a command does NOT
// load (the generator's toolchain on `--help`, TypeScript on a no-op generate) without timing it.
const Module = require('node:module');

const banned = new Set((process.env.SYNCGEN_BANNED ?? '').split(',').filter(Boolean));
const load = Module._load;
Module._load = function (request, ...rest) {
  const name = request.startsWith('@') ? request.split('/').slice(0, 2).join('/') : request.split('/')[0];
  if (banned.has(name)) {
    process.stderr.write(`ban-modules: ${name} was loaded (${request})\n`);
    process.exit(3);
  }
  return load.call(this, request, ...rest);
};
