import { z } from 'zod';
import { hasRole } from '../domain/actor.js';
import { commandText, defineCommand } from './command.js';
import { reply } from './reply.js';
import type { AnyCommand } from './command.js';

/** /help needs the registry it describes; the registry passes itself in to avoid an import cycle. */
export function createHelpCommand(listCommands: () => readonly AnyCommand[]) {
  return defineCommand({
    name: 'help',
    key: 'help',
    requires: 'rep',
    args: z.object({ text: z.string() }).transform(({ text }) => ({ topic: text.replace(/^\//, '').trim().toLowerCase() })),
    async run({ topic }, { t, actor, platform }) {
      // Each asker sees what they may run; /rapport as only where it works.
      const commands = listCommands().filter((c) => hasRole(actor, c.requires) && (c.name !== 'rapport as' || platform === 'console'));
      if (topic) {
        const command = commands.find((c) => c.name === topic) ?? commands.find((c) => c.name.startsWith(`${topic} `));
        if (!command) return reply.text(t('help.unknown', { command: topic }));
        return reply.private({
          type: 'card',
          title: `/${command.name}`,
          subtitle: t(commandText(command.key, 'summary')),
          fields: [
            { label: t('help.usageLabel'), value: t(commandText(command.key, 'usage')) },
            { label: t('help.exampleLabel'), value: t(commandText(command.key, 'example')) },
            { label: t('help.requiresLabel'), value: t(`role.${command.requires}`) },
          ],
        });
      }
      return reply.private({
        type: 'list',
        title: t('help.title'),
        numbered: false,
        items: commands.map((c) => ({ primary: t(commandText(c.key, 'usage')), secondary: t(commandText(c.key, 'summary')) })),
        footer: t('help.footer'),
      });
    },
  });
}
