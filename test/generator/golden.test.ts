/**
 * Golden fixtures: each case's generated files must equal its expected files byte for byte, and
 * two runs must give identical output. `UPDATE_GOLDEN=1` rewrites the expected files instead.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expectedFiles, fixtureCases, generateFixture, writeExpected } from './golden-fixtures.js';

const cases = fixtureCases();

test('the fixture cases are the four the generator promises', () => {
  assert.equal(cases, ['hybrid', 'log-based-references', 'schema-change', 'state-based']);
});

for (const name of cases) {
  test(`${name}: generated files equal the expected ones exactly`, async () => {
    const files = await generateFixture(name);
    if (process.env.UPDATE_GOLDEN === '1') writeExpected(name, files);
    const expected = expectedFiles(name);
    const code = new Map(files.filter((file) => file.kind === 'code').map((file) => [file.path, file.content]));
    const history = new Map(files.filter((file) => file.kind === 'history').map((file) => [file.path, file.content]));
    assert.equal([...code.keys()].sort(), [...expected.code.keys()].sort(), 'the same set of generated files');
    for (const [path, content] of code) assert.fixture(content, expected.code.get(path)!, path);
    assert.equal([...history.keys()], [...expected.history.keys()], 'the same new history files');
    for (const [path, content] of history) assert.fixture(content, expected.history.get(path)!, path);
  });

  test(`${name}: two runs give byte-identical output`, async () => {
    const first = await generateFixture(name);
    const second = await generateFixture(name);
    assert.equal(second, first);
  });
}

test('schema-change: the changed schema appends migration 0002 and its history file', async () => {
  const files = await generateFixture('schema-change');
  assert.equal(
    files.filter((file) => file.kind === 'history' || file.path.startsWith('migrations/')).map((file) => file.path),
    ['migrations/0001_initial.ts', 'migrations/0002_add_tag_icon_and_more.ts', 'migrations/index.ts', '0002_add_tag_icon_and_more.json'],
  );
});

test.run();
