import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIAllowedMentions,
  type APIButtonComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APIEmbedField,
} from 'discord.js';
import { encodeInvocation } from '../../commands/options.js';
import { renderText } from '../../commands/render-text.js';
import type { Action, Block, CardBlock, FormBlock, ListBlock, Reply, TableBlock, TextBlock } from '../../commands/reply.js';
import type { Translate } from '../../i18n/index.js';
import { cut, escapeText, fitLines, mentionText } from './discord-text.js';
import { LIMITS } from './discord-limits.js';
import { encodedOrNull, formSelect } from './render-form.js';
import { formatSize } from './uploads.js';

export interface DiscordFile {
  name: string;
  data: Buffer;
  contentType: string;
}

type ActionRow = APIActionRowComponent<APIComponentInMessageActionRow>;

/** A message body as Discord's create/edit message and interaction response endpoints take it. */
export interface DiscordMessageBody {
  content: string;
  embeds: APIEmbed[];
  components: ActionRow[];
  allowed_mentions: APIAllowedMentions;
  attachments: { id: number; filename: string; description?: string }[];
}

export interface DiscordMessage {
  body: DiscordMessageBody;
  files: DiscordFile[];
}

const ZERO_WIDTH = '\u200b';
const TONE_PREFIX: Record<NonNullable<TextBlock['tone']>, string> = { plain: '', error: '⚠️ ', success: '✅ ', muted: '-# ' };

/** A row of buttons (or one select) and the reply actions or form it shows. */
interface Row {
  component: ActionRow;
  actions: Action[];
  form?: FormBlock;
  /** Lower keeps its place longer when rows must be dropped: forms and message buttons, then paging, then list items. */
  priority: number;
}

/**
 * Lays out every button and select of a reply within Discord's 5 rows of 5, in reply order.
 * Per-item buttons of a list are numbered after their item ("2 · Done") and packed several
 * items to a row. What does not fit is dropped from the end of the least important rows; the
 * renderer shows those actions as the command to type instead, so nothing becomes unreachable.
 */
function layoutComponents(blocks: readonly Block[]): { rows: ActionRow[]; shown: Set<Action | FormBlock> } {
  const rows: Row[] = [];
  const customIds = new Set<string>();
  /** A second button for an invocation already on the message: nothing is lost by leaving it out. */
  const duplicates: Action[] = [];
  /** Discord rejects a message where two components share a custom_id; the same invocation twice does the same anyway. */
  const claim = (customId: string) => !customIds.has(customId) && Boolean(customIds.add(customId));

  const button = (action: Action, label: string): APIButtonComponent | null => {
    if (action.kind === 'link') {
      if (action.url.length > LIMITS.linkUrl || !/^https?:\/\//.test(action.url)) return null;
      return { type: ComponentType.Button, style: ButtonStyle.Link, label: cut(label, LIMITS.buttonLabel), url: action.url };
    }
    let customId: string;
    try {
      customId = encodeInvocation(action.invocation);
    } catch {
      return null;
    }
    if (!claim(customId)) {
      duplicates.push(action);
      return null;
    }
    const style = action.style === 'primary' ? ButtonStyle.Primary : action.style === 'danger' ? ButtonStyle.Danger : ButtonStyle.Secondary;
    return { type: ComponentType.Button, style, label: cut(label, LIMITS.buttonLabel), custom_id: customId };
  };

  /** Packs buttons into rows of five; a group (one item's buttons) starts a new row rather than split. */
  const pack = (groups: { action: Action; label: string }[][], priority: number) => {
    let current: Row | null = null;
    for (const group of groups) {
      const made = group.flatMap(({ action, label }) => {
        const component = button(action, label);
        return component ? [{ action, component }] : [];
      });
      if (made.length === 0) continue;
      if (current && current.component.components.length + made.length > LIMITS.buttonsPerRow) current = null;
      for (const { action, component } of made) {
        if (!current || current.component.components.length === LIMITS.buttonsPerRow) {
          current = { component: { type: ComponentType.ActionRow, components: [] }, actions: [], priority };
          rows.push(current);
        }
        current.component.components.push(component);
        current.actions.push(action);
      }
    }
  };

  /** A one-field pick as a select menu; any other form as a button whose press asks the core again, which answers with the modal. */
  const form = (block: FormBlock) => {
    const select = formSelect(block);
    if (select && claim(select.custom_id)) {
      rows.push({ component: { type: ComponentType.ActionRow, components: [select] }, actions: [], form: block, priority: 0 });
      return;
    }
    const customId = encodedOrNull(block);
    if (!customId || !claim(customId)) return;
    const opener: APIButtonComponent = { type: ComponentType.Button, style: ButtonStyle.Primary, label: cut(block.title, LIMITS.buttonLabel), custom_id: customId };
    rows.push({ component: { type: ComponentType.ActionRow, components: [opener] }, actions: [], form: block, priority: 0 });
  };

  for (const block of blocks) {
    if (block.type === 'actions') pack([block.actions.map((action) => ({ action, label: action.label }))], 0);
    if (block.type === 'form') form(block);
    if (block.type === 'list') {
      const numbered = numberedItems(block);
      const itemButtons = block.items.map((item, i) =>
        (item.actions ?? []).map((action) => ({ action, label: numbered ? `${i + 1} · ${action.label}` : action.label })),
      );
      pack(itemButtons, 2);
      pack([[block.paging?.previous, block.paging?.next].flatMap((a) => (a ? [{ action: a, label: a.label }] : []))], 1);
    }
  }

  while (rows.length > LIMITS.actionRows) {
    const worst = Math.max(...rows.map((r) => r.priority));
    rows.splice(rows.map((r) => r.priority).lastIndexOf(worst), 1);
  }
  const shown = new Set<Action | FormBlock>([...duplicates, ...rows.flatMap((r) => (r.form ? [...r.actions, r.form] : r.actions))]);
  return { rows: rows.map((r) => r.component), shown };
}

/** Items are numbered on screen when several carry their own buttons, so "2 · Done" says which. */
function numberedItems(list: ListBlock): boolean {
  return list.numbered || list.items.filter((item) => (item.actions ?? []).length > 0).length > 1;
}

/** An action that did not get a button, as the command to type. */
function actionHint(action: Action): string {
  return action.kind === 'link' ? `→ ${escapeText(action.label)}: ${action.url}` : `→ ${escapeText(action.label)}: \`${action.typed.replace(/`/g, "'")}\``;
}

function textLine(block: TextBlock): string {
  const text = escapeText(block.text);
  const body = block.mention ? `${mentionText(block.mention)} ${text}` : text;
  return `${TONE_PREFIX[block.tone ?? 'plain']}${body}`;
}

function cardEmbed(card: CardBlock, more: (count: number) => string): APIEmbed {
  const fields: APIEmbedField[] = [];
  for (const section of card.sections) {
    if (section.title) fields.push({ name: cut(escapeText(section.title), LIMITS.fieldName), value: ZERO_WIDTH, inline: false });
    for (const field of section.fields) {
      const value = field.mention ? mentionText(field.mention) : escapeText(field.value);
      fields.push({
        name: cut(escapeText(field.label), LIMITS.fieldName) || ZERO_WIDTH,
        value: cut(value, LIMITS.fieldValue) || ZERO_WIDTH,
        inline: value.length <= 40,
      });
    }
  }
  const kept = fields.length > LIMITS.embedFields ? [...fields.slice(0, LIMITS.embedFields - 1), { name: ZERO_WIDTH, value: more(fields.length - LIMITS.embedFields + 1) }] : fields;
  return {
    title: cut(escapeText(card.title), LIMITS.embedTitle),
    ...(card.subtitle ? { description: cut(escapeText(card.subtitle), LIMITS.embedDescription) } : {}),
    ...(kept.length > 0 ? { fields: kept } : {}),
    ...(card.footer ? { footer: { text: cut(card.footer, LIMITS.embedFooter) } } : {}),
  };
}

function listEmbed(list: ListBlock, shown: Set<Action | FormBlock>, more: (count: number) => string): APIEmbed {
  const numbered = numberedItems(list);
  const items = list.items.map((item, i) => {
    const lines = [`${numbered ? `${i + 1}.` : '•'} ${escapeText(item.primary)}`];
    if (item.secondary) lines.push(`   ${escapeText(item.secondary)}`);
    for (const action of item.actions ?? []) if (!shown.has(action)) lines.push(`   ${actionHint(action)}`);
    return lines.join('\n');
  });
  const paging = [list.paging?.previous, list.paging?.next].filter((a): a is NonNullable<typeof a> => a !== undefined && !shown.has(a));
  const description = fitLines([...items, ...paging.map(actionHint)], LIMITS.embedDescription, more);
  return {
    ...(list.title ? { title: cut(escapeText(list.title), LIMITS.embedTitle) } : {}),
    ...(description ? { description } : {}),
    ...(list.footer ? { footer: { text: cut(list.footer, LIMITS.embedFooter) } } : {}),
  };
}

/** A table as a code block (monospace keeps the columns), laid out by the core's text renderer. */
function tableEmbed(table: TableBlock, more: (count: number) => string): APIEmbed {
  const text = renderText({ visibility: 'private', blocks: [{ ...table, title: undefined }] }).replace(/```/g, '`\u200b``');
  const lines = text.split('\n').map((line) => cut(line, LIMITS.embedDescription / 2));
  const block = (rows: string[]) => `\`\`\`\n${rows.join('\n')}\n\`\`\``;
  let description = block(lines);
  if (description.length > LIMITS.embedDescription) {
    // Whole rows are kept; the "more" line goes after the closing fence.
    let kept = 0;
    let used = block([]).length;
    while (kept < lines.length && used + lines[kept]!.length + 1 + 1 + more(lines.length - kept).length <= LIMITS.embedDescription) {
      used += lines[kept]!.length + 1;
      kept += 1;
    }
    description = `${block(lines.slice(0, kept))}\n${more(lines.length - kept)}`;
  }
  return { ...(table.title ? { title: cut(escapeText(table.title), LIMITS.embedTitle) } : {}), description };
}

/** Attachment names Discord accepts in `attachment://` URLs, unique within the message. */
function safeFileName(name: string, taken: readonly DiscordFile[], fallback: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(-100) || fallback;
  return taken.some((file) => file.name === cleaned) ? `${taken.length + 1}-${cleaned}`.slice(-100) : cleaned;
}

function embedSize(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

/** Shrinks one embed to `budget` characters: fields go from the end, then the description is cut. */
function shrinkEmbed(embed: APIEmbed, budget: number, more: (count: number) => string): APIEmbed {
  const shrunk: APIEmbed = { ...embed, ...(embed.fields ? { fields: [...embed.fields] } : {}) };
  let dropped = 0;
  while (embedSize(shrunk) > budget && (shrunk.fields?.length ?? 0) > 0) {
    shrunk.fields!.pop();
    dropped += 1;
  }
  if (dropped > 0) {
    const line = more(dropped);
    if (embedSize(shrunk) + line.length + 1 <= budget) shrunk.fields!.push({ name: ZERO_WIDTH, value: line });
    if (shrunk.fields!.length === 0) delete shrunk.fields;
  }
  const over = embedSize(shrunk) - budget;
  if (over > 0 && shrunk.description) shrunk.description = cut(shrunk.description, Math.max(1, shrunk.description.length - over));
  if (embedSize(shrunk) > budget && shrunk.footer) delete shrunk.footer;
  if (embedSize(shrunk) > budget && shrunk.title) shrunk.title = cut(shrunk.title, Math.max(1, shrunk.title.length - (embedSize(shrunk) - budget)));
  return shrunk;
}

/** Keeps all embeds of a message within Discord's 6,000 characters, shrinking each in proportion to its size. */
function fitEmbedTotal(embeds: APIEmbed[], more: (count: number) => string): APIEmbed[] {
  const total = embeds.reduce((sum, e) => sum + embedSize(e), 0);
  if (total <= LIMITS.embedTotal) return embeds;
  return embeds.map((embed) => shrinkEmbed(embed, Math.floor((LIMITS.embedTotal * embedSize(embed)) / total), more));
}

/**
 * A neutral reply as a Discord message: text as content, cards, lists, tables and images as
 * embeds (an image as an attached file shown in its embed), buttons and select menus as
 * components. Everything is cut to Discord's limits with a "more" line, so Discord never
 * rejects the message. Only mentions in text blocks may ping; mentions in cards do not.
 */
export function renderMessage(reply: Reply, t: Translate): DiscordMessage {
  const more = (count: number) => t('discord.more', { count });
  const { rows, shown } = layoutComponents(reply.blocks);
  const lines: string[] = [];
  const embeds: APIEmbed[] = [];
  const files: DiscordFile[] = [];
  const pinged = new Set<string>();

  for (const block of reply.blocks) {
    switch (block.type) {
      case 'text':
        lines.push(textLine(block));
        if (block.mention?.addresses.discord) pinged.add(block.mention.addresses.discord);
        break;
      case 'card':
        embeds.push(cardEmbed(block, more));
        break;
      case 'list':
        embeds.push(listEmbed(block, shown, more));
        break;
      case 'table':
        embeds.push(tableEmbed(block, more));
        break;
      case 'image': {
        const name = safeFileName(block.fileName, files, 'image.png');
        files.push({ name, data: Buffer.from(block.png), contentType: 'image/png' });
        embeds.push({ title: cut(escapeText(block.alt), LIMITS.embedTitle), image: { url: `attachment://${name}` } });
        break;
      }
      case 'file': {
        // Discord refuses the whole message over its attachment limits: a file that does not fit is named instead.
        const used = files.reduce((sum, f) => sum + f.data.length, 0);
        if (files.length >= LIMITS.attachmentsPerMessage || used + block.bytes.byteLength > LIMITS.attachmentBytes) {
          lines.push(t('discord.fileTooLarge', { file: block.fileName, size: formatSize(block.bytes.byteLength) }));
          break;
        }
        files.push({ name: safeFileName(block.fileName, files, 'file'), data: Buffer.from(block.bytes), contentType: block.contentType });
        break;
      }
      case 'actions':
        for (const action of block.actions) if (!shown.has(action)) lines.push(actionHint(action));
        break;
      case 'form':
        if (!shown.has(block)) lines.push(`→ ${escapeText(block.title)}: \`${block.typed.replace(/`/g, "'")}\``);
        break;
    }
  }

  const keptEmbeds = embeds.length > LIMITS.embedsPerMessage ? embeds.slice(0, LIMITS.embedsPerMessage) : embeds;
  if (embeds.length > keptEmbeds.length) lines.push(more(embeds.length - keptEmbeds.length));
  return {
    body: {
      content: fitLines(lines.flatMap((line) => line.split('\n')), LIMITS.content, more),
      embeds: fitEmbedTotal(keptEmbeds, more),
      components: rows,
      allowed_mentions: { parse: [], users: [...pinged].filter((id) => /^\d{17,20}$/.test(id)).slice(0, 100) },
      attachments: files.map((file, id) => ({ id, filename: file.name })),
    },
    files,
  };
}
