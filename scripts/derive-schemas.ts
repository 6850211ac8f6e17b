/** `npm run schema:derive`: rewrites the files derived from prisma/schema.prisma (see schema-variants.ts). */
import { writeDerivedFiles } from './schema-variants.js';

const changed = writeDerivedFiles();
process.stdout.write(changed.length > 0 ? `Wrote ${changed.join(', ')}\n` : 'Derived files are up to date.\n');
