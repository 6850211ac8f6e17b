import type { analyticsEn } from './analytics.en.js';

export const analyticsZhCN: typeof analyticsEn = {
  chart: {
    title: '流失风险与实际结果对比（{{days}} 天验证期）',
    risk: '显示的流失风险（十分位平均）',
    observed: '验证期内未购买的比例',
    shown: 'Rapport 流失风险',
    perfect: '完全校准',
  },
  model: {
    title: '最近 {{days}} 天 Rapport 预测的准确程度',
    fitted: '模型使用 {{date}} 及之前的订单拟合；届时已有 {{customers}} 位客户购买过。',
    purchaseModel: '购买模型：{{model}}，{{status}}，{{by}}。',
    by: {
      held_out: '因其对验证期购买的预测最准而选用',
      asked: '按配置选用',
      default: '默认模型（数据不足以比较模型）',
    },
    status: { converged: '已拟合', not_converged: '未能拟合（流失风险按购买节奏计算）', too_few_repeat_buyers: '复购客户太少，无法拟合（流失风险按购买节奏计算）' },
    forecastTitle: '验证期内的购买天数',
    group: '客户',
    customers: '人数',
    predicted: '预测',
    actual: '实际',
    all: '全部客户',
    oneTime: '只买过一次',
    tier: '{{tier}} 层',
    scoresTitle: '流失风险（{{days}} 天内未购买）：Brier 分数 / 对数损失，越低越好',
    risk: '风险',
    allCustomers: '全部客户',
    repeatBuyers: '复购客户',
    shipped: '显示的流失风险',
    modelRisk: '仅模型',
    deadRisk: '1 − 存活概率',
    rhythm: '仅购买节奏',
    chartAlt: '按十分位的流失风险与验证期内未购买客户比例的对比图',
  },
};
