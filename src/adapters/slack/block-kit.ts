import type { types } from '@slack/bolt';
import { encodeInvocation, payloadFits } from '../../commands/options.js';
import type {
  Action,
  ActionsBlock,
  Block,
  CardBlock,
  CommandAction,
  FileBlock,
  FormBlock,
  ImageBlock,
  ListBlock,
  ListItem,
  Mention,
  Reply,
  TableBlock,
  TextBlock,
} from '../../commands/reply.js';
import { renderText } from '../../commands/render-text.js';
import type { Translate } from '../../i18n/index.js';

export type SlackBlock = types.KnownBlock;
type Button = types.Button;
type TextObject = types.MrkdwnElement | types.PlainTextElement;

/** Block Kit's limits: beyond them Slack rejects the whole message, so we cut first. */
export const BLOCK_KIT = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionFields: 10,
  sectionText: 3000,
  fieldText: 2000,
  headerText: 150,
  buttonLabel: 75,
  buttonUrl: 3000,
  actionsElements: 25,
  altText: 2000,
} as const;

/** Our buttons' action ids: a command to run (value = encoded invocation), or a link (no value). */
export const ACTION_ID = {
  command: 'rapport:cmd',
  link: 'rapport:link',
} as const;

export interface RenderOptions {
  t: Translate;
  /** 50 for messages, 100 for modals and the Home tab. */
  maxBlocks: number;
  /** Slack file ids of images uploaded before rendering; an image without one shows as its text. */
  images?: ReadonlyMap<ImageBlock, string>;
}

export interface SlackMessage {
  /** The plain-text fallback: what notifications show. */
  text: string;
  blocks: SlackBlock[];
}

/** Slack mrkdwn needs only `&`, `<` and `>` escaped; everything else is shown as typed. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to at most `max` UTF-16 units (Slack's measure), ending with an ellipsis when cut; never splits a character. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 2);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

/** Escapes, then cuts to `max` without leaving half an entity (`&am…`) or half a character. */
function cutEscaped(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let end = max - 1;
  const code = escaped.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  const amp = escaped.lastIndexOf('&', end - 1);
  if (amp > end - 5 && !escaped.slice(amp, end).includes(';')) end = amp;
  return `${escaped.slice(0, end)}…`;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export function mention(m: Mention): string {
  const id = m.addresses.slack;
  return id && SLACK_USER_ID.test(id) ? `<@${id}>` : `@${escapeMrkdwn(m.name)}`;
}

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
const plain = (text: string, max: number): types.PlainTextElement => ({ type: 'plain_text', text: cut(text, max), emoji: true });
const context = (text: string): SlackBlock => ({ type: 'context', elements: [mrkdwn(cut(text, BLOCK_KIT.sectionText))] });

/**
 * Sections of at most 3,000 characters, split at line ends where possible (never inside a
 * character or an `&amp;` entity): a long text is spread over several sections rather than cut.
 */
function sections(text: string): SlackBlock[] {
  const max = BLOCK_KIT.sectionText;
  const out: SlackBlock[] = [];
  let rest = text;
  while (rest.length > max) {
    let at = rest.lastIndexOf('\n', max);
    if (at < max / 2) at = max;
    const code = rest.charCodeAt(at - 1);
    if (code >= 0xd800 && code <= 0xdbff) at -= 1;
    const amp = rest.lastIndexOf('&', at - 1);
    if (amp > at - 5 && !rest.slice(amp, at).includes(';')) at = amp;
    out.push({ type: 'section', text: mrkdwn(rest.slice(0, at)) });
    rest = rest.slice(at).replace(/^\n/, '');
  }
  if (rest.trim() !== '') out.push({ type: 'section', text: mrkdwn(rest) });
  return out;
}

/**
 * One neutral item rendered to Slack blocks that must stay together: limits cut whole units,
 * so a list item never loses its buttons and the "more" line counts what the reader misses.
 */
type Unit = SlackBlock[];

class ButtonFactory {
  #next = 0;

  /** A button for an action, or null when Slack could not carry it (then the caller shows it as text). */
  button(action: Action): Button | null {
    const text = plain(action.label, BLOCK_KIT.buttonLabel);
    if (action.kind === 'link') {
      if (action.url.length > BLOCK_KIT.buttonUrl || !/^https?:\/\//.test(action.url)) return null;
      return { type: 'button', action_id: `${ACTION_ID.link}:${this.#next++}`, text, url: action.url };
    }
    // A payload too long to encode (free text) must not break the reply: the button becomes its typed line.
    if (!payloadFits(action.invocation)) return null;
    const value = encodeInvocation(action.invocation);
    return {
      type: 'button',
      action_id: `${ACTION_ID.command}:${this.#next++}`,
      text,
      value,
      ...(action.style ? { style: action.style } : {}),
    };
  }
}

function actionHint(action: Action): string {
  return action.kind === 'link' ? `→ ${escapeMrkdwn(action.label)}: ${action.url}` : `→ ${escapeMrkdwn(action.label)}: ${escapeMrkdwn(action.typed)}`;
}

/** Actions as actions blocks of at most 25 buttons, plus a hint line for any Slack cannot carry. */
function actionUnits(actions: readonly Action[], buttons: ButtonFactory): Unit {
  const made = actions.map((action) => ({ action, button: buttons.button(action) }));
  const carried = made.flatMap((m) => (m.button ? [m.button] : []));
  const unit: Unit = [];
  for (let i = 0; i < carried.length; i += BLOCK_KIT.actionsElements) {
    unit.push({ type: 'actions', elements: carried.slice(i, i + BLOCK_KIT.actionsElements) });
  }
  const hints = made.filter((m) => !m.button).map((m) => actionHint(m.action));
  if (hints.length > 0) unit.push(context(hints.join('\n')));
  return unit;
}

function textUnits(block: TextBlock): Unit[] {
  const body = escapeMrkdwn(block.text);
  const withMention = block.mention ? `${mention(block.mention)} ${body}` : body;
  if (block.tone === 'muted') return [[context(withMention)]];
  const prefix = block.tone === 'error' ? ':warning: ' : block.tone === 'success' ? ':white_check_mark: ' : '';
  return sections(`${prefix}${withMention}`).map((section) => [section]);
}

function cardUnits(block: CardBlock): Unit[] {
  const units: Unit[] = [[{ type: 'header', text: plain(block.title, BLOCK_KIT.headerText) }]];
  if (block.subtitle) units[0]!.push(context(escapeMrkdwn(block.subtitle)));
  for (const section of block.sections) {
    if (section.title) units.push([{ type: 'section', text: mrkdwn(cut(`*${escapeMrkdwn(section.title)}*`, BLOCK_KIT.sectionText)) }]);
    const fields: TextObject[] = section.fields.map((field) => {
      const value = field.mention ? mention(field.mention) : escapeMrkdwn(field.value);
      return mrkdwn(cut(`*${escapeMrkdwn(field.label)}*\n${value}`, BLOCK_KIT.fieldText));
    });
    for (let i = 0; i < fields.length; i += BLOCK_KIT.sectionFields) {
      units.push([{ type: 'section', fields: fields.slice(i, i + BLOCK_KIT.sectionFields) }]);
    }
  }
  if (block.footer) units.push(sections(escapeMrkdwn(block.footer)));
  return units;
}

function itemUnit(item: ListItem, bullet: string, buttons: ButtonFactory): Unit {
  const lines = [`${bullet} ${escapeMrkdwn(item.primary)}`];
  if (item.secondary) lines.push(escapeMrkdwn(item.secondary));
  const section: types.SectionBlock = { type: 'section', text: mrkdwn(cut(lines.join('\n'), BLOCK_KIT.sectionText)) };
  const actions = item.actions ?? [];
  // One button sits beside its item; several get a row of their own under it.
  if (actions.length === 1) {
    const button = buttons.button(actions[0]!);
    if (button) return [{ ...section, accessory: button }];
  }
  return actions.length === 0 ? [section] : [section, ...actionUnits(actions, buttons)];
}

function listUnits(block: ListBlock, buttons: ButtonFactory): Unit[] {
  const units: Unit[] = [];
  if (block.title) units.push([{ type: 'section', text: mrkdwn(cut(`*${escapeMrkdwn(block.title)}*`, BLOCK_KIT.sectionText)) }]);
  block.items.forEach((item, i) => units.push(itemUnit(item, block.numbered ? `${i + 1}.` : '•', buttons)));
  if (block.footer) units.push([context(escapeMrkdwn(block.footer))]);
  // Where the reader is, the core says in the footer ("Page 1 of 4 · 40 customers"); Slack adds the buttons.
  const turn = [block.paging?.previous, block.paging?.next].filter((a): a is CommandAction => a !== undefined);
  if (turn.length > 0) units.push(actionUnits(turn, buttons));
  return units;
}

/**
 * Tables as one line per row ("*first cell* — column: value · column: value"): Slack has no
 * table that reads well on a phone, and aligned columns break on narrow screens and with
 * double-width Chinese text. Rows are grouped into sections of at most 3,000 characters.
 */
function tableUnits(block: TableBlock): Unit[] {
  const units: Unit[] = [];
  if (block.title) units.push([{ type: 'section', text: mrkdwn(cut(`*${escapeMrkdwn(block.title)}*`, BLOCK_KIT.sectionText)) }]);
  const lines = block.rows.map((row) => {
    const [first = '', ...rest] = row;
    const cells = rest
      .map((value, i) => ({ column: block.columns[i + 1] ?? '', value }))
      .filter((cell) => cell.value.trim() !== '')
      .map((cell) => `${escapeMrkdwn(cell.column)}: ${escapeMrkdwn(cell.value)}`);
    const head = `*${escapeMrkdwn(first)}*`;
    return cut(cells.length > 0 ? `${head} — ${cells.join(' · ')}` : head, BLOCK_KIT.sectionText);
  });
  let chunk: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (chunk.length > 0 && length + line.length + 1 > BLOCK_KIT.sectionText) {
      units.push([{ type: 'section', text: mrkdwn(chunk.join('\n')) }]);
      chunk = [];
      length = 0;
    }
    chunk.push(line);
    length += line.length + 1;
  }
  if (chunk.length > 0) units.push([{ type: 'section', text: mrkdwn(chunk.join('\n')) }]);
  return units;
}

function imageUnit(block: ImageBlock, images: RenderOptions['images']): Unit {
  const fileId = images?.get(block);
  if (!fileId) return [context(`[${escapeMrkdwn(block.alt)}: ${escapeMrkdwn(block.fileName)}]`)];
  return [{ type: 'image', slack_file: { id: fileId }, alt_text: cut(block.alt, BLOCK_KIT.altText) }];
}

/** A file goes up on its own (files upload v2, in the asker's DM); the message names it. */
function fileUnit(block: FileBlock): Unit {
  return [context(`:paperclip: ${escapeMrkdwn(block.fileName)}`)];
}

/**
 * A form inside a message (a nudge, the Home tab, or a modal that could not open in time): a
 * button that asks for the form again, which then opens as a modal, and the line to type instead.
 */
function formUnit(block: FormBlock, buttons: ButtonFactory): Unit {
  const opener: CommandAction = { kind: 'command', label: block.title, style: 'primary', invocation: block.invocation, typed: block.typed };
  return [...actionUnits([opener], buttons), context(escapeMrkdwn(block.typed))];
}

function blockUnits(block: Block, options: RenderOptions, buttons: ButtonFactory): Unit[] {
  switch (block.type) {
    case 'text':
      return textUnits(block);
    case 'card':
      return cardUnits(block);
    case 'list':
      return listUnits(block, buttons);
    case 'table':
      return tableUnits(block);
    case 'actions':
      return [actionUnits((block as ActionsBlock).actions, buttons)];
    case 'image':
      return [imageUnit(block, options.images)];
    case 'file':
      return [fileUnit(block)];
    case 'form':
      return [formUnit(block, buttons)];
  }
}

/**
 * Neutral blocks as Block Kit within `maxBlocks`: whole units are kept in order, and when
 * they do not all fit, the last slot says how many were left out.
 */
export function renderBlocks(blocks: readonly Block[], options: RenderOptions): SlackBlock[] {
  const buttons = new ButtonFactory();
  const units = blocks.flatMap((block) => blockUnits(block, options, buttons)).filter((unit) => unit.length > 0);
  if (units.reduce((sum, unit) => sum + unit.length, 0) <= options.maxBlocks) return units.flat();
  const out: SlackBlock[] = [];
  let kept = 0;
  while (kept < units.length && out.length + units[kept]!.length <= options.maxBlocks - 1) out.push(...units[kept++]!);
  out.push(context(escapeMrkdwn(options.t('slack.more', { count: units.length - kept }))));
  return out;
}

/**
 * The message's `text`: with blocks, Slack shows it only in notifications (everyone else reads
 * the blocks), so it is the reply's first block in a line or a few, as the text renderer words it:
 * a card's title, a list's or table's title, a whole text or error.
 */
export function notificationText(reply: Reply): string {
  const first = reply.blocks[0];
  if (!first) return '';
  switch (first.type) {
    case 'card':
      return first.subtitle ? `${first.title} · ${first.subtitle}` : first.title;
    case 'list':
      return first.title ?? first.items[0]?.primary ?? '';
    case 'table':
      return first.title ?? first.columns.join(' · ');
    default:
      return renderText({ ...reply, blocks: [first] });
  }
}

/** A reply as a Slack message: Block Kit, and a short plain-text line for notifications. */
export function renderMessage(reply: Reply, options: RenderOptions): SlackMessage {
  return {
    // The fallback is mrkdwn too: escaped, so a typed `<!channel>` mentions nobody.
    text: cutEscaped(notificationText(reply), BLOCK_KIT.sectionText),
    blocks: renderBlocks(reply.blocks, options),
  };
}
