import { z } from 'zod';
import { hasRole } from '../domain/actor.js';
import { commandText, defineCommand, type AnyCommand, type CommandContext } from './command.js';
import { reply, type Field } from './reply.js';
import { optionText, typedLine } from './typed-text.js';

/** /help needs the registry it describes; the registry passes itself in to avoid an import cycle. */
export function createHelpCommand(listCommands: () => readonly AnyCommand[]) {
  return defineCommand({
    name: 'help',
    aliases: ['rapport help'],
    key: 'help',
    requires: 'rep',
    options: [{ name: 'command', type: 'text', typed: 'rest', maxLength: 100 }],
    args: z.object({ command: z.string().max(100).optional() }).transform(({ command }) => ({
      topic: (command ?? '').replace(/^\//, '').trim().replace(/\s+/g, ' ').toLowerCase(),
    })),
    async run({ topic }, ctx) {
      const { t, actor, platform } = ctx;
      // Each asker sees what they may run, where they are.
      const commands = listCommands().filter((c) => hasRole(actor, c.requires) && (!c.platforms || c.platforms.includes(platform)));
      const exact = commands.find((c) => c.name === topic);
      if (exact) return explain(exact, ctx);
      // "/help customer": every customer command.
      const group = topic ? commands.filter((c) => c.name.startsWith(`${topic} `)) : commands;
      if (group.length === 0) return reply.text(t('help.unknown', { command: topic }));
      return reply.private({
        type: 'list',
        title: t('help.title'),
        numbered: false,
        items: group.map((c) => ({ primary: typedLine(c, {}, t, 'all'), secondary: t(commandText(c.key, 'summary')) })),
        footer: t('help.footer'),
      });
    },
  });
}

function explain(command: AnyCommand, ctx: CommandContext) {
  const { t } = ctx;
  const options: Field[] = command.options.map((o) => ({
    label: t(optionText(command.key, o.name, 'label')),
    value: t(optionText(command.key, o.name, 'description')),
  }));
  return reply.private({
    type: 'card',
    title: `/${command.name}`,
    subtitle: t(commandText(command.key, 'summary')),
    sections: [
      {
        fields: [
          { label: t('help.usageLabel'), value: typedLine(command, {}, t, 'all') },
          { label: t('help.exampleLabel'), value: t(commandText(command.key, 'example')) },
          { label: t('help.requiresLabel'), value: t(`role.${command.requires}`) },
        ],
      },
      ...(options.length > 0 ? [{ title: t('help.optionsLabel'), fields: options }] : []),
    ],
  });
}
