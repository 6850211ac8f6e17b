import type { en } from './en.js';
import { schedulerZhCN } from './scheduler.zh-CN.js';

export const zhCN: typeof en = {
  common: {
    none: '—',
    unknownCommand: '没有“{{command}}”这个命令。输入 /help 查看可用命令。',
    emptyInput: '请输入命令，例如 /customer lookup 王芳，或 /help。',
    notACommand: '命令以“/”开头，例如 /customer lookup 王芳。输入 /help 查看命令列表。',
    usage: '用法：{{usage}}',
    internalError: '执行 {{command}} 时我们这边出了问题，已记录日志，请稍后重试。',
    notLinked: '我还不认识你。请联系管理员把你的账号关联到 Rapport 销售代表。',
    forbidden: '只有{{role}}可以使用 {{command}}。',
  },
  role: { rep: '销售代表', manager: '经理', admin: '管理员' },
  help: {
    title: 'Rapport 命令',
    footer: '输入 /help <命令> 查看详细说明。',
    unknown: '没有“{{command}}”这个命令。输入 /help 查看命令列表。',
    usageLabel: '用法',
    exampleLabel: '示例',
  },
  commands: {
    help: { summary: '列出所有命令，或说明某个命令。', usage: '/help [命令]', example: '/help customer lookup' },
    customerLookup: {
      summary: '查看客户卡片：分层、消费、最近购买、负责人。',
      usage: '/customer lookup <姓名 | 邮箱 | 电话 | 外部编号>',
      example: '/customer lookup 王芳',
    },
  },
  customer: {
    lookup: {
      emptyQuery: '请告诉我要查谁：姓名、邮箱、电话或外部编号。例如 /customer lookup 王芳',
      noMatch: '没有找到与“{{query}}”匹配的客户。',
      didYouMean: '你是不是要找：{{names}}？',
      noSuggestion: '可以试试姓名的一部分、邮箱、电话号码或外部编号。',
      manyTitle: '有 {{count}} 位客户与“{{query}}”匹配',
      manyFooter: '用外部编号查询其中一位，例如 /customer lookup {{example}}',
      manyMore: '只显示前 {{shown}} 位；请输入更完整的姓名以缩小范围。',
    },
    card: {
      externalId: '编号',
      tier: '分层',
      owner: '负责人',
      lifetimeSpend: '累计消费',
      orderCount: '订单数',
      lastPurchase: '最近购买',
      never: '从未购买',
      unowned: '未分配',
      notScored: '尚未评分',
      daysAgo_one: '{{count}} 天前',
      daysAgo_other: '{{count}} 天前',
      email: '邮箱',
      phone: '电话',
    },
  },
  tier: {
    A: 'A — 最高价值',
    B: 'B — 高价值',
    C: 'C — 中等价值',
    D: 'D — 低价值',
  },
  scheduler: schedulerZhCN,
};
