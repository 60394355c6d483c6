/**
 * Every command of `syncgen`, in the order the help lists them.
 */
import type { Command } from './command.js';
import { generateCommand } from './generate-command.js';
import { helpCommand } from './help-command.js';
import { initCommand } from './init-command.js';
import { inspectCommand } from './inspect-command.js';

export const COMMANDS: readonly Command[] = [generateCommand, initCommand, inspectCommand, helpCommand(() => COMMANDS)];
