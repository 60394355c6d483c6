/**
 * Kysely migration modules, one per version of the schema history, and the `MigrationProvider`
 * that lists them with the app's hand-written steps (`history/hand-migrations.ts`), which it
 * imports from their folder: one sequence, run by one `Migrator` in one transaction. Migration N
 * is the difference between versions N-1 and N; `down` undoes `up` step by step in reverse.
 */
import { diffLayouts } from '../history/layout-diff.js';
import { inverseStep, type MigrationStep } from '../history/migration-step.js';
import type { HandMigration } from '../history/hand-migrations.js';
import type { SchemaVersion } from '../history/version-file.js';
import { codeFile, type GeneratedFile } from './generated-file.js';
import { describeStep, stepView } from './migration-step-view.js';
import { templates } from './templates.js';

/**
 * Every migration of the history, plus the provider, which also lists the hand-written steps.
 * `historyDir` and `stepsDir` are only printed in headers.
 */
export function emitMigrations(history: readonly SchemaVersion[], historyDir: string, steps: readonly HandMigration[] = [], stepsDir = ''): GeneratedFile[] {
  const files = history.map((version, position) => {
    const steps = diffLayouts(history[position - 1]?.models ?? [], version.models).steps;
    const down = [...steps].reverse().flatMap(inverseStep);
    const view = {
      name: version.migration,
      summary: steps.map(describeStep),
      imports: runtimeImports([...steps, ...down]),
      up: steps.map(stepView),
      down: down.map(stepView),
    };
    return codeFile(`migrations/${version.migration}.ts`, `${historyDir}/${version.migration}.json`, templates.migration(view));
  });
  const generated = history.map((version) => ({ name: version.migration, binding: `migration${version.migration.slice(0, 4)}` }));
  const index = templates.migrationIndex({
    migrations: generated,
    steps,
    stepsDir,
    // Kysely runs them by name; listed in that order, the index reads as the sequence it is.
    entries: [...generated, ...steps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  });
  const origin = `the schema history in ${historyDir}/${steps.length === 0 ? '' : ` and the migration steps in ${stepsDir}/`}`;
  return [...files, codeFile('migrations/index.ts', origin, index)];
}

/** The values a migration imports from `syncgen/codegen` besides its types: `sql`, `renameLoggedField`. */
function runtimeImports(steps: readonly MigrationStep[]): string {
  const sql = steps.some((step) => step.op === 'createTable' || step.op === 'rebuildTable');
  const log = steps.some((step) => step.op === 'renameLoggedField');
  return [...(sql ? ['sql'] : []), ...(log ? ['renameLoggedField'] : [])].join(', ');
}
