/**
 * The logger: the `DEBUG` switch read as the `debug` package reads it (commas and spaces, `*`,
 * `-` to leave out; a bare name also covers the names below it), the console logger's levels
 * (warnings and errors only, unless `DEBUG` names its namespace), children by component, and
 * `componentLogger` over a logger without `child`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { consoleLogger } from '../../runtime/core/console-logger.js';
import { debugNamespaces } from '../../runtime/core/debug-namespaces.js';
import { componentLogger, type LogFields, type Logger, type LogLevel } from '../../runtime/core/logger.js';

const NAMESPACES = ['syncgen', 'syncgen:sync', 'syncgen:tcp', 'syncgen:library', 'syncgenx', 'other', 'other:syncgen'];
const on = (value: string | undefined) => NAMESPACES.filter(debugNamespaces(value));

test('DEBUG: syncgen, syncgen:*, comma and space lists, wildcards, exclusions', () => {
  assert.equal(on(undefined), []);
  assert.equal(on(''), []);
  assert.equal(on('syncgen'), ['syncgen', 'syncgen:sync', 'syncgen:tcp', 'syncgen:library']);
  assert.equal(on('syncgen:*'), ['syncgen:sync', 'syncgen:tcp', 'syncgen:library']);
  assert.equal(on('syncgen*'), ['syncgen', 'syncgen:sync', 'syncgen:tcp', 'syncgen:library', 'syncgenx']);
  assert.equal(on('syncgen:tcp'), ['syncgen:tcp']);
  assert.equal(on('syncgen:tcp,syncgen:sync'), ['syncgen:sync', 'syncgen:tcp']);
  assert.equal(on(' syncgen:tcp  syncgen:library '), ['syncgen:tcp', 'syncgen:library']);
  assert.equal(on('syncgen,-syncgen:tcp'), ['syncgen', 'syncgen:sync', 'syncgen:library']);
  assert.equal(on('*,-syncgen:*'), ['syncgen', 'syncgenx', 'other', 'other:syncgen']);
  assert.equal(on('*'), NAMESPACES);
  assert.equal(on('-syncgen'), []);
  assert.equal(on('express:*,other'), ['other', 'other:syncgen']);
  assert.equal(on('sync.en'), [], 'a dot is a dot, not any character');
  assert.equal(on('-,,'), []);
});

/** A console logger whose lines are collected. */
function collected(debug: string | undefined): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: consoleLogger({ debug, write: (level, line) => lines.push(`${level}|${line}`) }), lines };
}

test('the console logger prints warnings and errors only, unless DEBUG names its namespace', () => {
  const quiet = collected(undefined);
  const sync = quiet.logger.child!({ component: 'sync' });
  sync.debug({ peer: 'p' }, 'a debug line');
  sync.info({}, 'an info line');
  sync.warn({ peer: 'p', event: 'send failed' }, 'send failed: timeout');
  sync.error({ err: new Error('boom') }, 'it broke');
  assert.equal(sync.isLevelEnabled!('debug'), false);
  assert.equal(sync.isLevelEnabled!('warn'), true);
  assert.equal(quiet.lines.length, 2);
  assert.equal(quiet.lines[0], 'warn|syncgen:sync WARN send failed: timeout peer=p event=send failed');
  assert.ok(quiet.lines[1]!.startsWith('error|syncgen:sync ERROR it broke\nError: boom'), quiet.lines[1]);

  const tcpOnly = collected('syncgen:tcp');
  const tcp = tcpOnly.logger.child!({ component: 'tcp' });
  tcpOnly.logger.child!({ component: 'sync' }).debug({}, 'not printed');
  tcp.debug({ address: '127.0.0.1:4100', delayMs: 50 }, 'redialing in 50 ms');
  tcp.info({ vector: new Map([['a', 1]]) }, 'connected');
  assert.equal(tcp.isLevelEnabled!('debug'), true);
  assert.equal(tcpOnly.lines, [
    'debug|syncgen:tcp DEBUG redialing in 50 ms address=127.0.0.1:4100 delayMs=50',
    'info|syncgen:tcp INFO connected vector={"a":1}',
  ]);
});

test('componentLogger: child when the logger has one, else the component in each line', () => {
  const lines: [LogLevel, LogFields, string][] = [];
  const plain: Logger = {
    debug: (fields, msg) => lines.push(['debug', fields, msg]),
    info: (fields, msg) => lines.push(['info', fields, msg]),
    warn: (fields, msg) => lines.push(['warn', fields, msg]),
    error: (fields, msg) => lines.push(['error', fields, msg]),
  };
  const tcp = componentLogger(plain, 'tcp');
  tcp.debug({ peer: 'p' }, 'dialing');
  tcp.error({}, 'oops');
  assert.equal(lines, [
    ['debug', { component: 'tcp', peer: 'p' }, 'dialing'],
    ['error', { component: 'tcp' }, 'oops'],
  ]);
  assert.equal(tcp.isLevelEnabled!('debug'), true, 'a logger that cannot tell is assumed to write debug lines');

  const bindings: LogFields[] = [];
  const withChild: Logger = {
    ...plain,
    child: (binding) => {
      bindings.push(binding);
      return plain;
    },
  };
  assert.is(componentLogger(withChild, 'sync'), plain);
  assert.equal(bindings, [{ component: 'sync' }]);
});

test.run();
