/**
 * Renames across devices (`protocol/field-names.ts`), on the simulated network, with the golden
 * fixtures' apps: evolution-v2, evolution-v3 (Tag.color → hue, Note's perDevice lastReadAt →
 * lastOpenedAt, the model Folder → Collection) and evolution-v4 (a breaking change after v3).
 * - a v2 and a v3 device sync the renamed fields both ways, values and clocks alike;
 * - so they do through a relay of either version;
 * - a v2 device upgraded to v3 keeps its values under the new names with their clocks (and its
 *   sync log in the new names), and converges with both versions without an equivocation;
 * - a v4 device and a v3 device do not sync: each refuses the other's frames ('schema-mismatch').
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Library } from '../../runtime/library/library.js';
import type { SyncEvent } from '../../runtime/sync/options.js';
import { registry as v2 } from '../fixtures/evolution-v2/expected/generated/index.js';
import { registry as v3 } from '../fixtures/evolution-v3/expected/generated/index.js';
import { registry as v4 } from '../fixtures/evolution-v4/expected/generated/index.js';
import { DEVICE_A, DEVICE_B, DEVICE_C, heldEntries, NOW, readRows, syncedState } from '../support/libraries.js';
import { SimulatedFleet, type Device } from '../support/sync-harness.js';

type V2 = Library<typeof v2>;
type V3 = Library<typeof v3>;
const LATER = '2024-05-02T08:30:00Z';
const TAG = 1;
const NOTE = 3;

const asV2 = (device: Device) => device.library as unknown as V2;
const asV3 = (device: Device) => device.library as unknown as V3;

/** One column of a record, read from the device's file (undefined when the record is not there). */
function columnOf(device: Device, table: string, column: string, id: string): unknown {
  const [row] = readRows(device.library, `SELECT "${column}" AS value FROM "${table}" WHERE id = ?`, id) as { value: unknown }[];
  return row?.value;
}

/** A device's synced tables in version 2's names: version 3's renames undone. */
function inV2Names(state: Record<string, Record<string, unknown>[]>): Record<string, Record<string, unknown>[]> {
  const tables: Record<string, string> = { collection: 'folder' };
  const columns: Record<string, string> = { hue: 'color', _hlc_hue: '_hlc_color', lastOpenedAt: 'lastReadAt' };
  return Object.fromEntries(
    Object.entries(state).map(([table, rows]) => [
      tables[table] ?? table,
      rows.map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [columns[column] ?? column, value]))),
    ]),
  );
}

/** Every live device holds the same data (in version 2's names), and none refused anything. */
function assertSameData(fleet: SimulatedFleet): void {
  const [first, ...rest] = fleet.live();
  const expected = inV2Names(syncedState(first!.library));
  for (const device of rest) assert.equal(inV2Names(syncedState(device.library)), expected, `${device.id} differs from ${first!.id}`);
  for (const device of fleet.live()) assert.is(device.sync.metrics().total.refused, 0, `${device.id} refused something`);
}

/** Writes of both versions: tags with the renamed field, a model renamed, perDevice values. */
function writeBoth(old: Device, current: Device) {
  const tagOld = asV2(old).transact((tx) => tx.tag.create({ name: 'from v2', color: '#ff0000' }));
  const tagNew = asV3(current).transact((tx) => tx.tag.create({ name: 'from v3', hue: '#00ff00' }));
  const folder = asV2(old).transact((tx) => tx.folder.create({ name: 'folder of v2' }));
  asV3(current).transact((tx) => tx.collection.create({ name: 'collection of v3' }));
  const note = asV2(old).transact((tx) => tx.note.create({ title: 'read me', lastReadAt: NOW }));
  return { tagOld, tagNew, folder, note };
}

/** Each side edits the other's records: the renamed field, and its own perDevice value. */
function editAcross(old: Device, current: Device, { tagOld, tagNew, note }: ReturnType<typeof writeBoth>): void {
  asV2(old).transact((tx) => tx.tag.update(tagNew.id, { color: '#0000ff' }));
  asV3(current).transact((tx) => {
    tx.tag.update(tagOld.id, { hue: '#ffff00' });
    tx.note.update(note.id, { lastOpenedAt: LATER });
  });
}

async function fleetOf(registries: Record<string, typeof v2 | typeof v3 | typeof v4>, links?: string[][], logs?: Map<string, SyncEvent[]>) {
  const fleet = await SimulatedFleet.create(0, {
    seed: 13,
    ...(logs ? { logFor: (device: string) => (event: SyncEvent) => logs.get(device)?.push(event) } : {}),
  });
  if (links) fleet.network.partition(...links);
  for (const [id, registry] of Object.entries(registries)) {
    logs?.set(id, []);
    await fleet.add(id, undefined, { registry });
  }
  return fleet;
}

test('a v2 and a v3 device sync the renamed fields both ways, values and clocks alike', async () => {
  const fleet = await fleetOf({ [DEVICE_A]: v2, [DEVICE_B]: v3 });
  const [a, b] = [fleet.device(DEVICE_A), fleet.device(DEVICE_B)];
  const written = writeBoth(a, b);
  assert.ok(await fleet.settle());
  editAcross(a, b, written);
  assert.ok(await fleet.settle());

  assert.equal([columnOf(a, 'tag', 'color', written.tagOld.id), columnOf(a, 'tag', 'color', written.tagNew.id)], ['#ffff00', '#0000ff']);
  assert.equal([columnOf(b, 'tag', 'hue', written.tagOld.id), columnOf(b, 'tag', 'hue', written.tagNew.id)], ['#ffff00', '#0000ff']);
  assert.is(columnOf(b, 'collection', 'name', written.folder.id), 'folder of v2');
  assertSameData(fleet);
  // Each holds the entries in its own names.
  assert.ok(heldEntries(a.library).every((entry) => entry.data === null || !('hue' in entry.data || 'lastOpenedAt' in entry.data)));
  assert.ok(heldEntries(b.library).every((entry) => entry.data === null || !('color' in entry.data || 'lastReadAt' in entry.data)));
  await fleet.close();
});

for (const [version, relay] of [
  ['v2', v2],
  ['v3', v3],
] as const) {
  test(`a v2 and a v3 device sync the renamed fields through a relay of ${version}`, async () => {
    const fleet = await fleetOf({ [DEVICE_A]: v2, [DEVICE_B]: relay, [DEVICE_C]: v3 }, [
      [DEVICE_A, DEVICE_B],
      [DEVICE_B, DEVICE_C],
    ]);
    const [a, c] = [fleet.device(DEVICE_A), fleet.device(DEVICE_C)];
    assert.not.ok(fleet.network.linked(DEVICE_A, DEVICE_C));
    const written = writeBoth(a, c);
    assert.ok(await fleet.settle());
    editAcross(a, c, written);
    assert.ok(await fleet.settle());
    assert.is(columnOf(a, 'tag', 'color', written.tagOld.id), '#ffff00');
    assert.is(columnOf(c, 'tag', 'hue', written.tagNew.id), '#0000ff');
    assertSameData(fleet);
    await fleet.close();
  });
}

test('a v2 device upgraded to v3 keeps its values under the new names with their clocks, and converges', async () => {
  const fleet = await fleetOf({ [DEVICE_A]: v2, [DEVICE_B]: v2, [DEVICE_C]: v3 });
  const [a, b, c] = [fleet.device(DEVICE_A), fleet.device(DEVICE_B), fleet.device(DEVICE_C)];
  const written = writeBoth(b, c);
  assert.ok(await fleet.settle());
  asV2(a).transact((tx) => tx.tag.update(written.tagOld.id, { color: '#123456' }));
  editAcross(b, c, written);
  assert.ok(await fleet.settle());
  const before = syncedState(b.library);
  assert.ok(
    before.tag!.some((row) => row._hlc_color !== null),
    'an updated color has its own clock',
  );

  await fleet.crash(DEVICE_B);
  // Frames in flight to the crashed app are lost with its connections (the simulated network would
  // hand them to the restarted one, which a real connection never does).
  await fleet.network.scheduler.advance(100);
  const upgraded = await fleet.restart(DEVICE_B, v3);
  assert.equal(inV2Names(syncedState(upgraded.library)), before);
  const logged = heldEntries(upgraded.library).filter((entry) => entry.data !== null && (entry.model === TAG || entry.model === NOTE));
  assert.ok(logged.some((entry) => 'hue' in entry.data! || 'lastOpenedAt' in entry.data!));
  assert.ok(
    logged.every((entry) => !('color' in entry.data!) && !('lastReadAt' in entry.data!)),
    'the log is in the new names',
  );

  asV2(a).transact((tx) => tx.tag.update(written.tagNew.id, { color: '#abcdef' }));
  asV3(upgraded).transact((tx) => tx.tag.update(written.tagOld.id, { hue: '#fedcba', name: 'after the upgrade' }));
  asV3(c).transact((tx) => tx.note.update(written.note.id, { lastOpenedAt: NOW }));
  assert.ok(await fleet.settle());
  assert.is(columnOf(a, 'tag', 'color', written.tagOld.id), '#fedcba');
  assert.is(columnOf(upgraded, 'tag', 'hue', written.tagNew.id), '#abcdef');
  assertSameData(fleet);
  await fleet.close();
});

for (const [server, joiner] of [
  ['v2', 'v3'],
  ['v3', 'v2'],
] as const) {
  test(`a new ${joiner} device catches up from a snapshot served by a ${server} device: records, clocks and perDevice values`, async () => {
    const events: SyncEvent[] = [];
    const registries = { v2, v3 };
    const fleet = await SimulatedFleet.create(0, { seed: 17, sync: { snapshotLag: 3, log: (event) => events.push(event) } });
    const a = await fleet.add(DEVICE_A, undefined, { registry: registries[server] });
    const field = server === 'v2' ? 'color' : 'hue';
    const perDevice = server === 'v2' ? 'lastReadAt' : 'lastOpenedAt';
    const library = a.library as unknown as Library<typeof v2 | typeof v3>;
    for (let index = 0; index < 12; index += 1) {
      const tx = (write: (tx: any) => void) => library.transact(write as never);
      let id = '';
      tx((t) => (id = t.tag.create({ name: `tag ${index}`, [field]: `#00000${index % 10}` }).id));
      if (index % 2 === 0) tx((t) => t.tag.update(id, { [field]: `#ffffff` }));
      tx((t) => t.note.create({ title: `note ${index}`, [perDevice]: NOW }));
    }
    const b = await fleet.add(DEVICE_B, undefined, { registry: registries[joiner] });
    assert.ok(await fleet.settle());
    assert.ok(
      events.some((event) => event.event === 'snapshot merged'),
      'a snapshot was pulled',
    );
    assert.equal(inV2Names(syncedState(b.library)), inV2Names(syncedState(a.library)));
    assert.is(b.sync.metrics().total.refused + a.sync.metrics().total.refused, 0);
    await fleet.close();
  });
}

test("a v4 device and a v3 device do not sync: each refuses the other's frames ('schema-mismatch')", async () => {
  const logs = new Map<string, SyncEvent[]>();
  const fleet = await fleetOf({ [DEVICE_A]: v3, [DEVICE_B]: v4 }, undefined, logs);
  const [a, b] = [fleet.device(DEVICE_A), fleet.device(DEVICE_B)];
  const tag = asV3(a).transact((tx) => tx.tag.create({ name: 'from v3', hue: '#00ff00' }));
  const other = (b.library as unknown as Library<typeof v4>).transact((tx) => tx.tag.create({ name: 'from v4', icon: 7 }));
  await fleet.network.scheduler.advance(5000);
  assert.is(columnOf(a, 'tag', 'name', other.id), undefined);
  assert.is(columnOf(b, 'tag', 'name', tag.id), undefined);
  for (const id of [DEVICE_A, DEVICE_B]) {
    const refusals = logs.get(id)!.filter((event) => event.event === 'refused (schema-mismatch)');
    assert.ok(refusals.length > 0, `${id} refused the other's frames`);
    assert.match(refusals[0]!.detail, /incompatible schemas: schema version [34] here/);
  }
  await fleet.close();
});

test.run();
