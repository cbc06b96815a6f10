/** A Field/Value result from an API-shaped response and the real client's column map (tackerclient's `_get_columns`). */
import type { ShowField, ShowResult } from '../format/types.js';

/**
 * cliff/tackerclient's column computation for show-type commands (tackerclient's `_get_columns` +
 * `get_item_properties`; the byte-exact cases are in test/unit/format-show.test.ts):
 * every label of the column map is shown (an absent attribute gives an empty value), unknown
 * response keys appear under their raw name and are looked up lower-cased, and the renderer sorts.
 */
export function showFromResponse(
  response: Record<string, unknown>,
  columnMap: ReadonlyArray<readonly [attr: string, label: string]>,
  formatted: ReadonlySet<string>,
  mixedCase: ReadonlySet<string> = new Set(),
): ShowResult {
  const display = Object.keys(response);
  const labelToAttr = new Map<string, string>();
  for (const [attr, label] of columnMap) {
    const i = display.indexOf(attr);
    if (i >= 0) {
      labelToAttr.set(label, attr);
      display.splice(i, 1);
    }
    if (!display.includes(label)) display.push(label);
  }
  const mapped = new Map(columnMap.map(([attr, label]) => [label, attr] as const));
  const fields: ShowField[] = display.map((label) => {
    const attr = labelToAttr.get(label) ?? mapped.get(label) ?? label;
    const key = mixedCase.has(attr) || labelToAttr.has(label) || mapped.has(label) ? attr : attr.toLowerCase().replace(/ /g, '_');
    const value = Object.prototype.hasOwnProperty.call(response, key) ? response[key] : undefined;
    return { label, value, json: formatted.has(attr) };
  });
  return { type: 'show', fields };
}
