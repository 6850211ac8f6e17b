import fs from 'node:fs';
import path from 'node:path';
import type { Reply } from '../../commands/reply.js';

/** A terminal shows no pictures or attachments: each goes to a file in `dir`, and the reply names its path. */
export function withImagesSaved(reply: Reply, dir: string): Reply {
  if (!reply.blocks.some((b) => b.type === 'image' || b.type === 'file')) return reply;
  fs.mkdirSync(dir, { recursive: true });
  const save = (fileName: string, bytes: Uint8Array) => {
    const file = path.resolve(dir, path.basename(fileName));
    fs.writeFileSync(file, bytes);
    return file;
  };
  return {
    ...reply,
    blocks: reply.blocks.map((block) => {
      if (block.type === 'image') return { ...block, fileName: save(block.fileName, block.png) };
      if (block.type === 'file') return { ...block, fileName: save(block.fileName, block.bytes) };
      return block;
    }),
  };
}
