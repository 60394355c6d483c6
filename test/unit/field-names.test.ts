/**
 * Field names across schema versions (`protocol/field-names.ts`): the translations to and from an
 * older peer's names, chained renames and a name used again, entries and snapshot records
 * translated in place (same order, the same object when nothing is renamed), and the registry's
 * check of its renames (`contract/field-renames.ts`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RegistryDefinition } from '../../runtime/contract/registry.js';
import { defineRegistry, RegistryError } from '../../runtime/contract/registry.js';
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import type { SnapshotRecord } from '../../runtime/core/snapshot-record.js';
import { FieldNames, type WireRename } from '../../runtime/protocol/field-names.js';
import { registry as v3 } from '../fixtures/evolution-v3/expected/generated/index.js';

const CLOCK = new Uint8Array(24).fill(1);

function entry(model: number, data: Record<string, string | null> | null): ChangeEntry {
  return { origin: 'o', seq: 1, hlc: CLOCK, model, record: 'r', kind: data ? 'update' : 'delete', data };
}

/** Names in version order: what `field` becomes from `from` to `to` by a translation. */
function names(translation: ReturnType<FieldNames['inward']>, model: number, fields: string[]): string[] {
  if (translation === null) return fields;
  return Object.keys(translation.entry(entry(model, Object.fromEntries(fields.map((field) => [field, null])))).data!);
}

test('no renames, or a peer of this version or newer: nothing to translate', () => {
  assert.is(FieldNames.of([]), null);
  assert.is(FieldNames.of(undefined), null);
  const renames = FieldNames.of([{ version: 3, model: 1, from: 'color', to: 'hue' }])!;
  assert.is(renames.inward(3), null);
  assert.is(renames.outward(5), null);
  assert.ok(renames.inward(2) !== null);
  assert.is(renames.inward(2), renames.inward(2), 'a translation is made once per version');
});

test('chained renames apply one after another, per model, both ways', () => {
  const renames = FieldNames.of([
    { version: 4, model: 1, from: 'b', to: 'c' },
    { version: 3, model: 1, from: 'a', to: 'b' },
    { version: 4, model: 2, from: 'x', to: 'y' },
  ])!;
  assert.equal(names(renames.inward(2), 1, ['id', 'a', 'z']), ['id', 'c', 'z']);
  assert.equal(names(renames.inward(3), 1, ['a', 'b']), ['a', 'c'], 'at version 3, a is no longer a name of model 1');
  assert.equal(names(renames.inward(2), 2, ['x', 'a']), ['y', 'a'], "another model's names are its own");
  assert.equal(names(renames.outward(2), 1, ['c', 'z']), ['a', 'z']);
  assert.equal(names(renames.outward(3), 1, ['c']), ['b']);
});

test('a name used again after a rename: each version reads its own', () => {
  // Version 3 renames b to c; version 4 renames a to b: a peer of version 2 means a by a and c by b.
  const renames = FieldNames.of([
    { version: 3, model: 1, from: 'b', to: 'c' },
    { version: 4, model: 1, from: 'a', to: 'b' },
  ])!;
  assert.equal(names(renames.inward(2), 1, ['a', 'b']), ['b', 'c']);
  assert.equal(names(renames.outward(2), 1, ['b', 'c']), ['a', 'b']);
  assert.equal(names(renames.inward(3), 1, ['a', 'c']), ['b', 'c']);
});

test('entries and snapshot records: translated in order; untouched ones are the same objects', () => {
  const translation = FieldNames.of([{ version: 3, model: 1, from: 'color', to: 'hue' } satisfies WireRename])!.inward(2)!;
  const update = entry(1, { name: 'n', color: '#fff', icon: null });
  assert.equal(translation.entry(update), { ...update, data: { name: 'n', hue: '#fff', icon: null } });
  assert.equal(Object.keys(translation.entry(update).data!), ['name', 'hue', 'icon']);
  const untouched = entry(1, { name: 'n' });
  assert.is(translation.entry(untouched), untouched);
  const deleted = entry(1, null);
  assert.is(translation.entry(deleted), deleted);
  const otherModel = entry(2, { color: 'kept' });
  assert.is(translation.entry(otherModel), otherModel);

  const record: SnapshotRecord = {
    model: 1,
    record: 'r',
    deleted: false,
    deleteClock: null,
    values: { name: 'n', color: '#fff' },
    clocks: { color: CLOCK },
    version: CLOCK,
    devices: [{ device: 'd', values: { color: 'device value' }, version: CLOCK }],
  };
  assert.equal(translation.record(record), {
    ...record,
    values: { name: 'n', hue: '#fff' },
    clocks: { hue: CLOCK },
    devices: [{ device: 'd', values: { hue: 'device value' }, version: CLOCK }],
  });
  const message = translation.message({ type: 'SharedChangeBatch', entries: [update, untouched] });
  assert.equal(message, { type: 'SharedChangeBatch', entries: [translation.entry(update), untouched] });
  const heartbeat = { type: 'Heartbeat', watermark: new Map(), sentAt: 1, floor: new Map() } as const;
  assert.is(translation.message(heartbeat), heartbeat);
});

test('the registry checks its renames: versions, models, and where the renames after compatibleFrom lead', () => {
  const definition = (renames: RegistryDefinition<typeof v3.models>['renames'], compatibleFrom = 1): RegistryDefinition<typeof v3.models> => ({
    schemaHash: v3.schemaHash,
    schemaVersion: 3,
    compatibleFrom,
    renames,
    models: v3.models,
    dependencyOrder: ['collection', 'note', 'profile', 'tag'],
    migrations: v3.migrations,
  });
  assert.equal(v3.renames, [
    { version: 3, model: 'Note', from: 'lastReadAt', to: 'lastOpenedAt' },
    { version: 3, model: 'Tag', from: 'color', to: 'hue' },
  ]);
  assert.equal(defineRegistry(definition(undefined)).renames, []);
  const refused = (renames: RegistryDefinition<typeof v3.models>['renames'], message: string, compatibleFrom = 1) => {
    try {
      defineRegistry(definition(renames, compatibleFrom));
    } catch (error) {
      assert.instance(error, RegistryError);
      assert.is((error as Error).message.replace(/ \(run `npx syncgen generate`.*$/, ''), message);
      return;
    }
    assert.unreachable('the registry was accepted');
  };
  refused([{ version: 4, model: 'Tag', from: 'color', to: 'hue' }], 'the rename of Tag.color to hue (version 4) is not at a schema version from 2 to 3');
  refused([{ version: 3, model: 'Label', from: 'color', to: 'hue' }], 'the rename of Label.color to hue (version 3) names an unknown model');
  refused([{ version: 3, model: 'Tag', from: 'color', to: 'shade' }], 'the rename of Tag.color to shade (version 3) leads to Tag.shade, which is not a field');
  refused(
    [
      { version: 3, model: 'Tag', from: 'a', to: 'hue' },
      { version: 2, model: 'Tag', from: 'b', to: 'a' },
    ],
    'the rename of Tag.b to a (version 2) is listed after a later one',
  );
  // Before the oldest compatible version, a rename may lead to a field removed since.
  assert.is(defineRegistry(definition([{ version: 2, model: 'Tag', from: 'colour', to: 'gone' }], 3)).renames.length, 1);
});

test.run();
