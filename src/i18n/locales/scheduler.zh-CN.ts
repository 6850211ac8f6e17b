import type { schedulerEn } from './scheduler.en.js';

export const schedulerZhCN: typeof schedulerEn = {};
