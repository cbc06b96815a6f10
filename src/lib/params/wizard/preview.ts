/** The param file as the wizard shows it before writing: JSON with every password masked. */
import { maskSecrets } from '../../redact.js';

export function preview(body: unknown): string {
  return JSON.stringify(maskSecrets(body), null, 2);
}
