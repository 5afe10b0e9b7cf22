import { z } from "zod";
import { Timestamp } from "./common.ts";

const Weight = z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");
const ThresholdPercent = z.number().min(1, "must be between 1 and 100").max(100, "must be between 1 and 100");

/** How much each part of a worker's fit counts; they need not sum to 1, but one must count. */
export const AllocatorWeights = z
  .object({ match: Weight, availability: Weight, balance: Weight, affinity: Weight })
  .strict()
  .refine((weights) => Object.values(weights).some((weight) => weight > 0), {
    message: "at least one weight must be above 0",
  });
export type AllocatorWeights = z.infer<typeof AllocatorWeights>;

/** A worker above any of these (percent in use) takes no new task. */
export const ResourceThresholds = z
  .object({ cpu_percent: ThresholdPercent, memory_percent: ThresholdPercent, disk_percent: ThresholdPercent })
  .strict();
export type ResourceThresholds = z.infer<typeof ResourceThresholds>;

/** The allocator's settings, shared by every replica; admins change them. */
export const AllocatorSettings = z.object({ weights: AllocatorWeights, thresholds: ResourceThresholds }).strict();
export type AllocatorSettings = z.infer<typeof AllocatorSettings>;

export const AllocatorSettingsView = z.object({
  weights: AllocatorWeights,
  thresholds: ResourceThresholds,
  /** When an admin last changed them; null while the defaults apply. */
  updated_at: Timestamp.nullable(),
});
export type AllocatorSettingsView = z.infer<typeof AllocatorSettingsView>;
