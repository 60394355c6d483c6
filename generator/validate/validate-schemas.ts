/**
 * Reads schema files (JSON text) into validated `ModelSpec`s, or reports every problem at once:
 * the first stage of the generator (schema files → `ModelSpec`).
 *
 * Each problem names its file, the JSON pointer of the offending value, what is wrong and how to fix
 * it. The validator never throws on bad input except the one `SchemaValidationError` at the end,
 * and it reads no files: sources come in as text. Each model is read on its own
 * (`model-rules.ts`), then the models are checked together (`across-models.ts`).
 */
import { SchemaValidationError } from '../errors.js';
import type { ModelSpec } from '../model-spec.js';
import { compareText } from '../naming.js';
import { checkAcrossModels } from './across-models.js';
import { IssueList } from './issue-list.js';
import { parseModel } from './model-rules.js';

/** One schema file: its name as the user sees it, and its text. */
export interface SchemaSource {
  readonly file: string;
  readonly text: string;
}

/**
 * Validates every source; returns the models sorted by name, or throws `SchemaValidationError`.
 *
 * @example
 * const [tag] = validateSchemas([{ file: 'schema/tag.json', text: readFileSync('schema/tag.json', 'utf8') }]);
 */
export function validateSchemas(sources: readonly SchemaSource[]): ModelSpec[] {
  const issues = new IssueList();
  const sorted = [...sources].sort((a, b) => compareText(a.file, b.file));
  // Titles of every file, valid or not: a reference to a model whose own file has problems is not
  // reported again as a reference to an unknown model.
  const declared = new Set<string>();
  const models = sorted.flatMap((source) => parseModel(source.file, source.text, issues, declared) ?? []);
  checkAcrossModels(models, declared, issues);
  if (issues.length > 0) throw new SchemaValidationError(issues.sorted());
  return models.sort((a, b) => compareText(a.name, b.name));
}
