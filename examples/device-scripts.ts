/**
 * The changes the example devices make, step by step. Each script runs in one device's process and
 * returns the ids it created, so that later steps on other devices can refer to them.
 */
import type { registry } from '../generated/index.js';
import type { Library } from 'syncgen';

type ExampleLibrary = Library<typeof registry>;
type Ids = Record<string, string>;

const now = () => new Date().toISOString();

export const scripts = {
  /** Each device registers itself and indexes a folder of its own files. */
  setup(library: ExampleLibrary): Ids {
    return library.transact((tx) => {
      const name = library.deviceId.slice(0, 8);
      tx.device.create({ name, os: 'linux', hardwareModel: 'example', createdAt: now() });
      const volume = tx.volume.create({ name: 'Disk', mountPoint: '/', fileSystem: 'ext4', totalBytes: 512e9, availableBytes: 200e9 });
      const location = tx.location.create({ name: 'Photos', path: `/home/${name}/Photos`, volumeId: volume.id, createdAt: now() });
      const folder = tx.entry.create({ locationId: location.id, name: '2024', kind: 'directory', sizeBytes: 0, modifiedAt: now() });
      const ids: Ids = { [`${name}.location`]: location.id, [`${name}.folder`]: folder.id };
      for (let index = 0; index < 8; index += 1) {
        const file = tx.entry.create({
          locationId: location.id,
          parentId: folder.id,
          name: `IMG_${index}.jpg`,
          kind: 'file',
          extension: 'jpg',
          sizeBytes: 1_000_000 + index,
          modifiedAt: now(),
        });
        ids[`${name}.file${index}`] = file.id;
      }
      return ids;
    });
  },

  /** The first device creates the shared tags. */
  tags(library: ExampleLibrary): Ids {
    return library.transact((tx) => ({
      holidays: tx.tag.create({ name: 'Holidays', createdAt: now() }).id,
      work: tx.tag.create({ name: 'Work', color: '#0000ff', createdAt: now() }).id,
      family: tx.tag.create({ name: 'Family', createdAt: now() }).id,
    }));
  },

  /** All devices at once: edits of the same tag (same and different fields), tags, an album, notes. */
  concurrent(library: ExampleLibrary, ids: Ids): Ids {
    const name = library.deviceId.slice(0, 8);
    const others = Object.keys(ids).filter((key) => key.includes('.file') && !key.startsWith(name));
    return library.transact((tx) => {
      tx.tag.update(ids.holidays!, { name: `Holidays (${name})`, description: `edited on ${name}` });
      if (name.endsWith('a')) tx.tag.update(ids.holidays!, { color: '#ff8800' });
      else tx.tag.update(ids.holidays!, { icon: `icon-${name}` });
      for (let index = 0; index < 3; index += 1) {
        tx.tagOnEntry.create({ tagId: ids.family!, entryId: ids[`${name}.file${index}`]!, addedAt: now() });
      }
      const album = tx.album.create({ name: `Best of ${name}`, coverEntryId: ids[others[0]!]!, createdAt: now(), updatedAt: now() });
      others.slice(0, 4).forEach((key, position) => {
        tx.entryInAlbum.create({ albumId: album.id, entryId: ids[key]!, position, addedAt: now() });
      });
      const notes = tx.userMetadata.create({ entryId: ids[others[1]!]!, notes: `seen on ${name}`, rating: 4, lastOpenedAt: now(), openCount: 1 });
      return { [`${name}.album`]: album.id, [`${name}.notes`]: notes.id };
    });
  },

  /** A device that is offline keeps working: its changes wait in its log. */
  offline(library: ExampleLibrary, ids: Ids): Ids {
    const name = library.deviceId.slice(0, 8);
    return library.transact((tx) => {
      tx.tag.update(ids.work!, { name: 'Office' });
      tx.entry.delete(ids[`${name}.file7`]!);
      tx.collection.create({ name: 'Made offline', kind: 'manual', createdAt: now() });
      return { offlineCollection: 'created' };
    });
  },

  /** A new folder of many files, indexed while the phone is away: the phone's catch-up draws a progress bar. */
  index(library: ExampleLibrary, ids: Ids): Ids {
    const name = library.deviceId.slice(0, 8);
    return library.transact((tx) => {
      const folder = tx.entry.create({ locationId: ids[`${name}.location`]!, name: 'scans', kind: 'directory', sizeBytes: 0, modifiedAt: now() });
      for (let index = 0; index < 3000; index += 1) {
        tx.entry.create({
          locationId: ids[`${name}.location`]!,
          parentId: folder.id,
          name: `scan-${index}.pdf`,
          kind: 'file',
          sizeBytes: 4096 + index,
          modifiedAt: now(),
        });
      }
      return { scans: folder.id };
    });
  },

  /** Meanwhile, on the devices still online: deletes with cascades, edits of shared data. */
  meanwhile(library: ExampleLibrary, ids: Ids): Ids {
    const name = library.deviceId.slice(0, 8);
    library.transact((tx) => {
      tx.entry.delete(ids[`${name}.file0`]!);
      tx.tag.update(ids.work!, { color: '#00aa00' });
      if (name.endsWith('b')) tx.tag.delete(ids.family!);
      tx.album.update(ids[`${name}.album`]!, { name: `Best of ${name}, revised`, updatedAt: now() });
    });
    return {};
  },
};

export type Script = keyof typeof scripts;
