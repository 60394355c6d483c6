/**
 * The in-memory type-check: generated code that does not fit the runtime's types is a generator
 * error, naming file, line and the compiler's message, before anything is written.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GeneratedCodeError, GeneratorError } from '../../generator/errors.js';
import { typecheckGenerated } from '../../generator/typecheck.js';
import { REPO_DIR } from '../support/fixtures.js';
import { generateFixture } from './golden-fixtures.js';

test('generated code that type-checks passes, and a template bug is caught with its location', async () => {
  const files = await generateFixture('state-based');
  await typecheckGenerated(files, REPO_DIR);

  const broken = files.map((file) =>
    file.path === 'adapters/bookmark.ts' ? { ...file, content: file.content.replace("kind: 'uuid'", "kind: 'guid'") } : file,
  );
  const error = await typecheckGenerated(broken, REPO_DIR).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.instance(error, GeneratedCodeError);
  const diagnostics = (error as GeneratedCodeError).diagnostics;
  assert.is(diagnostics.length, 1);
  assert.match(diagnostics[0]!, /^adapters\/bookmark\.ts\(\d+,\d+\): error TS2322: Type '"guid"' is not assignable to type 'FieldKind'\.$/);
});

test('an app without the syncgen runtime gets a typed error that says what to install', async () => {
  const app = mkdtempSync(path.join(tmpdir(), 'syncgen-no-runtime-'));
  writeFileSync(path.join(app, 'package.json'), '{"name":"app"}');
  const error = await typecheckGenerated(await generateFixture('state-based'), path.join(app, 'src')).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.instance(error, GeneratorError);
  assert.is((error as GeneratorError).code, 'runtime-missing');
  assert.is(
    (error as GeneratorError).message,
    `the syncgen runtime package is not installed in ${app}: generated code imports it. Run \`npm install syncgen\`.`,
  );
});

test.run();
