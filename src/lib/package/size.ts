/**
 * Units of TOSCA scalar-unit.size. Decimal and binary prefixes are both read as binary (1 GB =
 * 1 GiB), as Tacker's translation does (heat-translator's MemoryUnit): a VDU with
 * `virtual_mem_size: 4 GB` gets a 4096 MiB flavor there, and vnflcm must size it the same way.
 */
const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  KIB: 1024,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
  TB: 1024 ** 4,
  TIB: 1024 ** 4,
};

/**
 * Parses a TOSCA scalar-unit.size ("2 GB", "512 MB", "4 GiB", "0.5 GB"; unit case-insensitive;
 * see SIZE_UNITS for the binary reading of decimal prefixes) to bytes; undefined when it is not one.
 */
export function parseSize(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]+)\s*$/.exec(value);
  if (!m) return undefined;
  const factor = SIZE_UNITS[(m[2] ?? '').toUpperCase()];
  if (factor === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
