import { schedulerEn } from './scheduler.en.js';

export const en = {
  common: {
    none: '—',
    unknownCommand: 'Unknown command "{{command}}". Type /help to see what I can do.',
    emptyInput: 'Type a command, for example /customer lookup Wang Fang, or /help.',
    notACommand: 'Commands start with "/", for example /customer lookup Wang Fang. Type /help for the list.',
    usage: 'Usage: {{usage}}',
    internalError: 'Something went wrong on our side while running {{command}}. It has been logged; please try again.',
    notLinked: 'I do not know you yet. Ask your admin to link your account to a Rapport rep.',
    forbidden: 'Only {{role}}s can use {{command}}.',
  },
  role: { rep: 'rep', manager: 'manager', admin: 'admin' },
  help: {
    title: 'Rapport commands',
    footer: 'Type /help <command> for details.',
    unknown: 'There is no command "{{command}}". Type /help for the list.',
    usageLabel: 'Usage',
    exampleLabel: 'Example',
  },
  commands: {
    help: { summary: 'List the commands, or explain one.', usage: '/help [command]', example: '/help customer lookup' },
    customerLookup: {
      summary: 'Show a customer card: tier, spend, last purchase, owner.',
      usage: '/customer lookup <name | email | phone | external id>',
      example: '/customer lookup 王芳',
    },
  },
  customer: {
    lookup: {
      emptyQuery: 'Tell me who to look up: a name, email, phone or external id. Example: /customer lookup 王芳',
      noMatch: 'No customer matches "{{query}}".',
      didYouMean: 'Did you mean: {{names}}?',
      noSuggestion: 'Try part of the name, the email, the phone number or the external id.',
      manyTitle: '{{count}} customers match "{{query}}"',
      manyFooter: 'Look one up by its external id, e.g. /customer lookup {{example}}',
      manyMore: 'Showing the first {{shown}}; add more of the name to narrow it down.',
    },
    card: {
      externalId: 'ID',
      tier: 'Tier',
      owner: 'Owner',
      lifetimeSpend: 'Lifetime spend',
      orderCount: 'Orders',
      lastPurchase: 'Last purchase',
      never: 'never',
      unowned: 'unassigned',
      notScored: 'not scored yet',
      daysAgo_one: '{{count}} day ago',
      daysAgo_other: '{{count}} days ago',
      email: 'Email',
      phone: 'Phone',
    },
  },
  tier: {
    A: 'A — top value',
    B: 'B — high value',
    C: 'C — mid value',
    D: 'D — low value',
  },
  scheduler: schedulerEn,
};
