/**
 * The one `/etc/hosts` block vnflcm keeps on every node of a cluster:
 *
 *   # BEGIN vnflcm <instance id>
 *   10.0.0.11 master-3f2a9c1b
 *   10.0.0.12 worker-7d01e4aa
 *   10.0.0.20 registry.example.com        (a registry's hosts_string)
 *   # END vnflcm <instance id>
 *
 * The block is always rendered whole from the current node list and registries and replaces the
 * previous one in place, so a removed node's line goes away exactly (no `sed /<ip>/d` that also
 * eats 10.0.0.110), and re-runs never add duplicates. Lines outside the block are never touched.
 */

export function hostsBlockMarkers(instanceId: string): { begin: string; end: string } {
  return { begin: `# BEGIN vnflcm ${instanceId}`, end: `# END vnflcm ${instanceId}` };
}

/** Normalise one hosts line: single spaces, no comment, no surrounding blanks ('' when empty). */
export function normalizeHostsLine(line: string): string {
  const noComment = line.replace(/#.*$/, '');
  return noComment.trim().split(/[ \t]+/).filter(Boolean).join(' ');
}

/**
 * The block's lines (markers included): node lines first (in the given order), then registry
 * lines; blank and duplicate lines (after normalisation) dropped.
 */
export function renderHostsBlock(instanceId: string, lines: readonly string[]): string[] {
  const { begin, end } = hostsBlockMarkers(instanceId);
  const seen = new Set<string>();
  const body: string[] = [];
  for (const raw of lines) {
    const l = normalizeHostsLine(raw);
    if (!l || seen.has(l)) continue;
    seen.add(l);
    body.push(l);
  }
  return [begin, ...body, end];
}

/**
 * `content` (a whole /etc/hosts) with the instance's block replaced by `block` (from
 * {@link renderHostsBlock}; an empty array removes the block). The new block takes the place of
 * the first old one; further old blocks are dropped. A BEGIN without END (a hand-edited file)
 * loses its marker and, right after it, only lines the new block contains again, so nothing
 * foreign is deleted and nothing is duplicated. A stray END is dropped.
 */
export function replaceHostsBlock(content: string, instanceId: string, block: readonly string[]): string {
  const { begin, end } = hostsBlockMarkers(instanceId);
  const hadFinalNewline = content === '' || content.endsWith('\n');
  const lines = content === '' ? [] : content.replace(/\n$/, '').split('\n');
  const newBody = new Set(block.slice(1, -1));
  const out: string[] = [];
  let inserted = false;
  const insert = (): void => {
    if (!inserted && block.length > 0) out.push(...block);
    inserted = true;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === begin) {
      const endAt = lines.findIndex((l, j) => j > i && l.trim() === end);
      insert();
      if (endAt >= 0) {
        i = endAt;
      } else {
        while (i + 1 < lines.length && newBody.has(normalizeHostsLine(lines[i + 1] as string))) i++;
      }
      continue;
    }
    if (line.trim() === end) continue;
    out.push(line);
  }
  if (!inserted && block.length > 0) {
    out.push(...block);
    inserted = true;
  }
  if (out.length === 0) return '';
  return out.join('\n') + (hadFinalNewline || inserted ? '\n' : '');
}
