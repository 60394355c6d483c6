/**
 * Every command of `syncgen`, in the order the help lists them.
 */
import type { Command } from './command.js';
import { generateCommand } from './generate-command.js';
import { helpCommand } from './help-command.js';
import { initCommand } from './init-command.js';

export const COMMANDS: readonly Command[] = [generateCommand, initCommand, helpCommand(() => COMMANDS)];
