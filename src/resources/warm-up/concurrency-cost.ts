/**
 * What provisioned concurrency costs while it is configured, used or not.
 * Pure; the figures are list prices, so the result is an estimate.
 */
import type { Architecture } from '../../model/settings.js';

/** USD per GB-second of provisioned concurrency, us-east-1 list price. */
export const PROVISIONED_GB_SECOND_USD: Record<Architecture, number> = {
  x86_64: 0.0000041667,
  arm64: 0.0000033334,
};

/** 30 days. */
export const SECONDS_PER_MONTH = 30 * 24 * 3600;

export interface ConcurrencyCost {
  monthlyUsd: number;
  /** One sentence for the job summary. */
  note: string;
}

export function provisionedConcurrencyCost(
  count: number,
  memoryMb: number,
  architecture: Architecture,
): ConcurrencyCost {
  const gb = memoryMb / 1024;
  const rate = PROVISIONED_GB_SECOND_USD[architecture];
  const monthlyUsd = count * gb * rate * SECONDS_PER_MONTH;
  const note =
    `Estimate: provisioned concurrency is billed whether used or not: ` +
    `${count} x ${gb.toFixed(3).replace(/\.?0+$/, '')} GB x $${rate} per GB-s (${architecture}, us-east-1 list price) ` +
    `x 30 days ~ $${monthlyUsd.toFixed(2)} per month, plus requests and duration. Other regions differ.`;
  return { monthlyUsd, note };
}
