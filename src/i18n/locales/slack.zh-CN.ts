import type { slackEn } from './slack.en.js';

export const slackZhCN: typeof slackEn = {
  more: '……另有 {{count}} 项未在此显示。',
  unknownCommand: 'Rapport 没有 {{command}} 命令。输入 /rapport help 查看命令列表。',
  otherWorkspace: '此 Rapport 服务于另一个 Slack 工作区，无法在这里回复。',
  unknownButton: '这个按钮不属于 Rapport。请直接输入命令，或输入 /rapport help。',
  staleButton: '这个按钮已失效。请直接输入命令，或输入 /rapport help。',
  lineTooLong: '这行有 {{length}} 个字符，Rapport 最多读取 {{max}} 个。请缩短后重试。',
  failed: '我们这边出了问题，已记录日志，请稍后重试。',
  form: {
    cancel: '取消',
    pickTime: '或选择日期和时间',
    required: '请填写此项。',
    notANumber: '请输入整数。',
  },
  upload: {
    downloadFailed: '无法从 Slack 下载 {{file}}，请重新上传。',
    noRequest: '不知道 {{file}} 用于什么。请先输入 {{command}} 及其参数（见 /rapport help {{command}}），再在这里上传文件；或重新上传文件，并把该命令行写在消息里。',
  },
};
