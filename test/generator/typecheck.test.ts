/**
 * The in-memory type-check: generated code that does not fit the runtime's types is a generator
 * error, naming file, line and the compiler's message, before anything is written.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GeneratedCodeError } from '../../generator/errors.js';
import { typecheckGenerated } from '../../generator/typecheck.js';
import { scratchDir } from '../support/fixtures.js';
import { generateFixture } from './golden-fixtures.js';

test('generated code that type-checks passes, and a template bug is caught with its location', async () => {
  const outDir = path.join(scratchDir('typecheck'), 'generated');
  const files = await generateFixture('state-based');
  typecheckGenerated(files, outDir);

  const broken = files.map((file) =>
    file.path === 'adapters/bookmark.ts' ? { ...file, content: file.content.replace("kind: 'uuid'", "kind: 'guid'") } : file,
  );
  const error = (() => {
    try {
      typecheckGenerated(broken, outDir);
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  assert.instance(error, GeneratedCodeError);
  const diagnostics = (error as GeneratedCodeError).diagnostics;
  assert.is(diagnostics.length, 1);
  assert.match(diagnostics[0]!, /^adapters\/bookmark\.ts\(\d+,\d+\): error TS2322: Type '"guid"' is not assignable to type 'FieldKind'\.$/);
});

test.run();
