/**
 * The generator's errors. Each has a stable `code`; schema problems carry the file, the JSON
 * pointer, what is wrong and how to fix it, and all of them are reported at once.
 */

/** Codes of schema problems, with what each means. */
export const SCHEMA_ISSUE_CODES = {
  'invalid-json': 'the file is not valid JSON',
  'unknown-keyword': 'a keyword that syncgen does not know (often a typo)',
  'missing-keyword': 'a keyword that the model or field needs is absent',
  'invalid-value': 'a keyword has a value of the wrong shape',
  'invalid-name': 'a model or field name that cannot be used',
  'missing-primary-key': 'no primary key, or one that names no field',
  'primary-key-not-uuid': 'the primary key is not a non-null string with format uuid',
  'missing-owner': 'a stateBased model without the field that holds its owning device',
  'invalid-owner': 'an owner on a model that is not stateBased, or an owner field that is not a uuid',
  'unknown-reference': 'a reference to a model that no schema declares',
  'invalid-reference': 'a reference on a field that cannot hold one',
  'reference-cycle': 'models that reference each other in a cycle where every reference is required',
  'duplicate-model-id': 'two models with the same numeric id',
  'duplicate-model-name': 'two schema files with the same model title',
  'unstorable-type': 'a field type that syncgen cannot store in a SQLite column',
  'invalid-default': 'a default value that the field cannot hold',
  'optional-without-default': 'a field that a create may omit but that has neither a default nor null',
  'per-device-not-hybrid': 'a perDevice field in a model whose strategy is not hybrid',
  'hybrid-without-per-device': 'a hybrid model with no perDevice field',
  'unknown-field': 'a keyword names a field that the model does not have',
  'unsafe-unique-index': 'a unique index that devices writing concurrently could violate',
  'invalid-rename': 'a renamedFrom that names the element itself, a current field or model, or an old name another element claims',
} as const;

export type SchemaIssueCode = keyof typeof SCHEMA_ISSUE_CODES;

/** One problem in one schema file. */
export interface SchemaIssue {
  readonly code: SchemaIssueCode;
  /** The schema file as the user names it, e.g. `schema/tag.json`. */
  readonly file: string;
  /** JSON pointer to the offending value, e.g. `/properties/color`; empty for the whole file. */
  readonly pointer: string;
  /** What is wrong. */
  readonly problem: string;
  /** How to fix it. */
  readonly fix: string;
}

/** `schema/tag.json#/x-sync/strategi: unknown keyword "strategi". Did you mean "strategy"?` */
export function formatIssue(issue: SchemaIssue): string {
  return `${issue.file}#${issue.pointer}: ${issue.problem}. ${issue.fix}`;
}

/** Base class of everything the generator throws on purpose. */
export class GeneratorError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The schemas have problems; `issues` lists every one of them. */
export class SchemaValidationError extends GeneratorError {
  constructor(readonly issues: readonly SchemaIssue[]) {
    super('invalid-schema', `${issues.length} schema problem${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }
}

/** A schema change that existing databases cannot take without losing or rewriting data. */
export interface BreakingChange {
  readonly code:
    | 'model-removed'
    | 'model-id-changed'
    | 'strategy-changed'
    | 'primary-key-changed'
    | 'owner-changed'
    | 'field-removed'
    | 'field-changed'
    | 'field-moved';
  readonly model: string;
  readonly field?: string;
  readonly description: string;
}

/** Breaking changes were found and `allowBreaking` was not given. */
export class BreakingChangeError extends GeneratorError {
  constructor(readonly changes: readonly BreakingChange[]) {
    super(
      'breaking-change',
      `the schema change is breaking:\n${changes.map((c) => `  ${c.code}: ${c.description}`).join('\n')}\n` +
        'Existing databases would lose or misread data, and devices on the old schema can no longer sync with new ones. ' +
        'Undo the change, or re-run with --allow-breaking to generate a migration that rebuilds the affected tables ' +
        '(every device must then upgrade).',
    );
  }
}

/** A change that no migration can make, even with `allowBreaking`. */
export class ImpossibleMigrationError extends GeneratorError {
  constructor(readonly descriptions: readonly string[]) {
    super('impossible-migration', `the schema change cannot be migrated:\n${descriptions.map((d) => `  ${d}`).join('\n')}`);
  }
}

/** A file of the schema history (the record of every migration) that cannot be read. */
export class HistoryError extends GeneratorError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super('invalid-history', `${file}: ${problem}. The schema history is the migration record: restore it from version control.`);
  }
}

/** A file in the folder of hand-written migration steps that is not a step the generator can number. */
export class HandMigrationError extends GeneratorError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super('invalid-hand-migration', `${file}: ${problem}`);
  }
}

/** Generated code that does not type-check: a bug in a template or in the runtime's types. */
export class GeneratedCodeError extends GeneratorError {
  constructor(readonly diagnostics: readonly string[]) {
    super('generated-code-invalid', `the generated code does not type-check (nothing was written):\n${diagnostics.map((d) => `  ${d}`).join('\n')}`);
  }
}
