/**
 * The in-memory type-check: generated code that does not fit the runtime's types is a generator
 * error, naming file, line and the compiler's message, before anything is written.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { GeneratedFile } from '../../generator/emit/generated-file.js';
import { GeneratedCodeError, GeneratorError } from '../../generator/errors.js';
import { typecheckGenerated } from '../../generator/typecheck.js';
import { readTree, REPO_DIR } from '../support/fixtures.js';
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

/** App code over the generated `Database` of the example schema, and type assertions on its rows. */
const TYPED_READS = `import type { Kysely } from 'syncgen/codegen';
import type { Database } from './database.js';
import type { Collection } from './types/collection.js';
import type { UserMetadata } from './types/user-metadata.js';
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type Row<F extends () => Promise<unknown>> = Awaited<ReturnType<F>>;
export type Records = [Collection, UserMetadata];
declare const db: Kysely<Database>;
export const tag = () => db.selectFrom('tag as t').select(['t.isPinned', 'name']).where('t.isPinned', '=', true).executeTakeFirstOrThrow();
export const collection = () => db.selectFrom('collection').selectAll().where('filter', '=', { text: 'trip' }).executeTakeFirstOrThrow();
export const metadata = () => db.selectFrom('user_metadata').select(['favorite', 'customFields', '_hlc']).executeTakeFirstOrThrow();
`;

function typedReads(name: string, assertions: readonly string[]): GeneratedFile {
  return { path: name, kind: 'code', content: `${TYPED_READS}export type Checks = [\n${assertions.map((line) => `  ${line},`).join('\n')}\n];\n` };
}

test("typed reads have the models' types: booleans, JSON fields as the record type's, clocks as bytes", async () => {
  const generated = [...readTree(path.join(REPO_DIR, 'generated'))].map(([file, content]): GeneratedFile => ({ path: file, content, kind: 'code' }));
  const right = typedReads('typed-reads.ts', [
    "Expect<Equal<Row<typeof tag>['isPinned'], boolean>>",
    "Expect<Equal<Row<typeof collection>['filter'], Collection['filter']>>",
    "Expect<Equal<Row<typeof collection>['filter'], { text?: string; kinds?: ('file' | 'directory' | 'symlink')[]; tagIds?: string[]; minSizeBytes?: number } | null>>",
    "Expect<Equal<Row<typeof collection>['kind'], 'manual' | 'smart'>>",
    "Expect<Equal<Row<typeof metadata>['favorite'], boolean>>",
    "Expect<Equal<Row<typeof metadata>['customFields'], UserMetadata['customFields']>>",
    "Expect<Equal<Row<typeof metadata>['_hlc'], Uint8Array | null>>",
  ]);
  // The same assertions with the stored types fail: the check above is not vacuous.
  const stored = typedReads('stored-reads.ts', [
    "Expect<Equal<Row<typeof tag>['isPinned'], number>>",
    "Expect<Equal<Row<typeof collection>['filter'], string | null>>",
  ]);
  const error = await typecheckGenerated([...generated, right, stored], REPO_DIR).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.instance(error, GeneratedCodeError);
  const diagnostics = (error as GeneratedCodeError).diagnostics.map((line) => line.replace(/\(\d+,\d+\)/, ''));
  assert.equal(diagnostics, [
    "stored-reads.ts: error TS2344: Type 'false' does not satisfy the constraint 'true'.",
    "stored-reads.ts: error TS2344: Type 'false' does not satisfy the constraint 'true'.",
  ]);
});

test.run();
