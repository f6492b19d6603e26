export { BlockScaler, BLOCK_SCALER_DEFAULTS } from './blockScaler.js';
export type { BlockScalerOptions, ScalableExecutor } from './blockScaler.js';
export { decideScaling, targetBlocks } from './scalingDecision.js';
export type { ScalingDecision, ScalingInput } from './scalingDecision.js';
