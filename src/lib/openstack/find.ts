/**
 * Name-or-ID resolution shared by the service modules, with OSC's messages:
 * `No Image found for nope`, `More than one Image exists with the name 'x'.` (plus the IDs).
 */
import { CliError } from '../errors.js';

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s);
}

export function notFound(kind: string, nameOrId: string): CliError {
  return new CliError(`No ${kind} found for ${nameOrId}`);
}

/** The single item whose id or name is `nameOrId` (id first); throws when none or several. */
export function pickOne<T extends { id: string; name?: string | null }>(kind: string, nameOrId: string, items: readonly T[]): T {
  const byId = items.find((i) => i.id === nameOrId);
  if (byId) return byId;
  const byName = items.filter((i) => i.name === nameOrId);
  if (byName.length === 1) return byName[0]!;
  if (byName.length === 0) throw notFound(kind, nameOrId);
  throw new CliError(
    `More than one ${kind} exists with the name '${nameOrId}'. Use an ID instead: ${byName.map((i) => i.id).join(', ')}`,
  );
}
