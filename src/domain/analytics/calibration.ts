import { cholesky, solveCholesky } from './linear-algebra.js';

/**
 * Churn risk calibrated on held-out data: a logistic regression (Platt scaling, with the model's
 * and the rhythm rule's probabilities stacked) of "no purchase within the horizon" on
 *   1, logit(model's P(no purchase)), logit(rhythm rule's risk), [one-time buyer]
 * fitted where the outcome is known: the base as it stood one horizon ago, and whether each
 * customer bought since. Where the model is weak the regression leans on the rhythm rule, where
 * the rhythm rule is crude on the model; either way the result is a probability that matches the
 * share that really did not buy.
 */

/** Customers and outcomes of each kind a calibration needs; below that it is not fitted. */
export const MIN_CALIBRATION_CUSTOMERS = 200;
export const MIN_CALIBRATION_OUTCOMES = 20;
/** Ridge penalty on the slopes: keeps a small base's fit from running off, negligible for a large one. */
const RIDGE = 1;
/** Probabilities are clamped to [ε, 1 − ε] before their logit. */
const EPSILON = 1e-6;

/** What a calibration combines: both probabilities, or the rhythm rule alone when the model did not fit. */
export type CalibrationInputs = 'model_and_rhythm' | 'rhythm';

export interface RiskCalibration {
  inputs: CalibrationInputs;
  /** Intercept, then one slope per feature (see `featuresOf`). */
  coefficients: number[];
  customers: number;
  /** Of them, how many made no purchase within the horizon. */
  noPurchase: number;
}

export interface CalibrationSample {
  n: number;
  modelRisk: Float64Array;
  rhythmRisk: Float64Array;
  oneTime: Uint8Array;
  /** 1 when the customer made no purchase within the horizon. */
  noPurchase: Uint8Array;
}

export function logit(p: number): number {
  const q = Math.min(Math.max(p, EPSILON), 1 - EPSILON);
  return Math.log(q / (1 - q));
}

function featuresOf(inputs: CalibrationInputs, modelRisk: number, rhythmRisk: number, oneTime: boolean, out: Float64Array): void {
  out[0] = 1;
  if (inputs === 'model_and_rhythm') {
    out[1] = logit(modelRisk);
    out[2] = logit(rhythmRisk);
    out[3] = oneTime ? 1 : 0;
  } else {
    out[1] = logit(rhythmRisk);
    out[2] = oneTime ? 1 : 0;
  }
}

const featureCount = (inputs: CalibrationInputs) => (inputs === 'model_and_rhythm' ? 4 : 3);

/** Whether a holdout of `customers`, `noPurchase` of whom did not buy, is enough to calibrate on (or to compare models by). */
export function hasEnoughOutcomes(customers: number, noPurchase: number): boolean {
  return customers >= MIN_CALIBRATION_CUSTOMERS && noPurchase >= MIN_CALIBRATION_OUTCOMES && customers - noPurchase >= MIN_CALIBRATION_OUTCOMES;
}

/** Fits the calibration by Newton's method (a concave objective: a few iterations); null when the sample is too small. */
export function fitRiskCalibration(inputs: CalibrationInputs, sample: CalibrationSample): RiskCalibration | null {
  let noPurchase = 0;
  for (let i = 0; i < sample.n; i++) noPurchase += sample.noPurchase[i]!;
  if (!hasEnoughOutcomes(sample.n, noPurchase)) return null;
  const k = featureCount(inputs);
  // The features once (two logarithms a customer), not at every Newton step.
  const features = new Float64Array(sample.n * k);
  for (let i = 0; i < sample.n; i++) featuresOf(inputs, sample.modelRisk[i]!, sample.rhythmRisk[i]!, sample.oneTime[i] === 1, features.subarray(i * k, (i + 1) * k));
  const beta = new Array<number>(k).fill(0);
  for (let iteration = 0; iteration < 50; iteration++) {
    const gradient = beta.map((b, j) => (j === 0 ? 0 : -RIDGE * b));
    const hessian = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (__, b) => (a === b && a > 0 ? RIDGE : 0)));
    for (let i = 0; i < sample.n; i++) {
      const x = features.subarray(i * k, (i + 1) * k);
      let eta = 0;
      for (let j = 0; j < k; j++) eta += beta[j]! * x[j]!;
      const p = 1 / (1 + Math.exp(-eta));
      const residual = sample.noPurchase[i]! - p;
      const w = p * (1 - p);
      for (let a = 0; a < k; a++) {
        gradient[a]! += residual * x[a]!;
        for (let b = 0; b <= a; b++) hessian[a]![b]! += w * x[a]! * x[b]!;
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) hessian[b]![a] = hessian[a]![b]!;
    const factor = cholesky(hessian);
    if (!factor) return null;
    const step = solveCholesky(factor, gradient);
    let largest = 0;
    for (let j = 0; j < k; j++) {
      beta[j]! += step[j]!;
      largest = Math.max(largest, Math.abs(step[j]!));
    }
    if (largest < 1e-10) break;
  }
  return beta.every(Number.isFinite) ? { inputs, coefficients: beta, customers: sample.n, noPurchase } : null;
}

/** The calibrated churn risk of one customer. */
export function calibratedRisk(calibration: RiskCalibration, modelRisk: number, rhythmRisk: number, oneTime: boolean): number {
  const b = calibration.coefficients;
  const eta =
    calibration.inputs === 'model_and_rhythm'
      ? b[0]! + b[1]! * logit(modelRisk) + b[2]! * logit(rhythmRisk) + (oneTime ? b[3]! : 0)
      : b[0]! + b[1]! * logit(rhythmRisk) + (oneTime ? b[2]! : 0);
  return 1 / (1 + Math.exp(-eta));
}
