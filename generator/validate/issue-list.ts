/**
 * The problems found so far: validation goes on after each one, so the author sees every problem
 * of every file in one run, in file and pointer order.
 */
import type { SchemaIssue, SchemaIssueCode } from '../errors.js';
import { compareText } from '../naming.js';

/** Records one problem of the file being read: where, what is wrong, how to fix it. */
export type Report = (code: SchemaIssueCode, pointer: string, problem: string, fix: string) => void;

export class IssueList {
  readonly #issues: SchemaIssue[] = [];

  get length(): number {
    return this.#issues.length;
  }

  add(code: SchemaIssueCode, file: string, pointer: string, problem: string, fix: string): void {
    this.#issues.push({ code, file, pointer, problem, fix });
  }

  /** A `Report` for one file. */
  reporter(file: string): Report {
    return (code, pointer, problem, fix) => this.add(code, file, pointer, problem, fix);
  }

  sorted(): SchemaIssue[] {
    return [...this.#issues].sort((a, b) => compareText(a.file, b.file) || compareText(a.pointer, b.pointer));
  }
}
