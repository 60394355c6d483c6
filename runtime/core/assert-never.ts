/**
 * The last branch of every switch over a closed set (message types, field kinds, strategies,
 * migration steps): a new member that is not handled makes `tsc` fail here, at the switch.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new TypeError(`unhandled ${what}: ${JSON.stringify(value)}`);
}
