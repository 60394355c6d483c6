/**
 * The models' dependency order: parents before children, ties broken by name, nullable references
 * set aside only where they close a cycle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dependencyOrder } from '../../generator/dependency-order.js';
import type { ModelSpec } from '../../generator/model-spec.js';
import { validateSchemas } from '../../generator/validate/validate-schemas.js';
import { REPO_DIR } from '../support/fixtures.js';

function model(name: string, references: [field: string, target: string, nullable: boolean][]): ModelSpec {
  return {
    name,
    fields: references.map(([field, target, nullable]) => ({ name: field, nullable, reference: { model: target, onDelete: 'cascade' } })),
  } as unknown as ModelSpec;
}

test('the example models: devices and volumes before locations, entries before what links to them', () => {
  const directory = path.join(REPO_DIR, 'schema');
  const models = validateSchemas(
    readdirSync(directory)
      .filter((name) => name.endsWith('.json'))
      .map((name) => ({ file: name, text: readFileSync(path.join(directory, name), 'utf8') })),
  );
  assert.equal(
    dependencyOrder(models).map((spec) => spec.name),
    ['Collection', 'Device', 'Tag', 'Volume', 'Location', 'Entry', 'Album', 'EntryInAlbum', 'EntryInCollection', 'TagOnEntry', 'UserMetadata'],
  );
});

test('ties are broken by name, whatever the input order', () => {
  const models = [model('Zeta', []), model('Alpha', []), model('Mid', [['alphaId', 'Alpha', false]])];
  assert.equal(
    dependencyOrder(models).map((spec) => spec.name),
    ['Alpha', 'Mid', 'Zeta'],
  );
  assert.equal(
    dependencyOrder([...models].reverse()).map((spec) => spec.name),
    ['Alpha', 'Mid', 'Zeta'],
  );
});

test('a cycle closed by a nullable reference: the model whose reference may be empty comes first', () => {
  const models = [model('Folder', [['pinnedNoteId', 'Note', true]]), model('Note', [['folderId', 'Folder', false]])];
  assert.equal(
    dependencyOrder(models).map((spec) => spec.name),
    ['Folder', 'Note'],
  );
  const reversed = [model('Folder', [['noteId', 'Note', false]]), model('Note', [['folderId', 'Folder', true]])];
  assert.equal(
    dependencyOrder(reversed).map((spec) => spec.name),
    ['Note', 'Folder'],
  );
});

test('self-references do not hold a model back', () => {
  assert.equal(
    dependencyOrder([model('Entry', [['parentId', 'Entry', true]])]).map((spec) => spec.name),
    ['Entry'],
  );
});

test.run();
