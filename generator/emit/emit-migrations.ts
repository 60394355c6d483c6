/**
 * Kysely migration modules, one per version of the schema history, and the `MigrationProvider`
 * that lists them. Migration N is the difference between versions N-1 and N; `down` undoes `up`
 * step by step in reverse.
 */
import { diffLayouts } from '../history/layout-diff.js';
import { inverseStep } from '../history/migration-step.js';
import type { SchemaVersion } from '../history/version-file.js';
import { codeFile, type GeneratedFile } from './generated-file.js';
import { describeStep, stepView } from './migration-step-view.js';
import { templates } from './templates.js';

/** Every migration of the history, plus the provider. `historyDir` is only printed in headers. */
export function emitMigrations(history: readonly SchemaVersion[], historyDir: string): GeneratedFile[] {
  const files = history.map((version, position) => {
    const steps = diffLayouts(history[position - 1]?.models ?? [], version.models).steps;
    const down = [...steps].reverse().flatMap(inverseStep);
    const view = {
      name: version.migration,
      summary: steps.map(describeStep),
      usesSql: [...steps, ...down].some((step) => step.op === 'createTable' || step.op === 'rebuildTable'),
      up: steps.map(stepView),
      down: down.map(stepView),
    };
    return codeFile(`migrations/${version.migration}.ts`, `${historyDir}/${version.migration}.json`, templates.migration(view));
  });
  const index = templates.migrationIndex({
    migrations: history.map((version) => ({ name: version.migration, number: version.migration.slice(0, 4) })),
  });
  return [...files, codeFile('migrations/index.ts', `the schema history in ${historyDir}/`, index)];
}
