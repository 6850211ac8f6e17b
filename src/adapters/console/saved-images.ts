import fs from 'node:fs';
import path from 'node:path';
import type { Reply } from '../../commands/reply.js';

/** A terminal shows no pictures: each image goes to a file in `dir`, and the reply names its path. */
export function withImagesSaved(reply: Reply, dir: string): Reply {
  if (!reply.blocks.some((b) => b.type === 'image')) return reply;
  fs.mkdirSync(dir, { recursive: true });
  return {
    ...reply,
    blocks: reply.blocks.map((block) => {
      if (block.type !== 'image') return block;
      const file = path.resolve(dir, path.basename(block.fileName));
      fs.writeFileSync(file, block.png);
      return { ...block, fileName: file };
    }),
  };
}
