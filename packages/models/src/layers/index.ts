/** Dense layers with hand-written backward passes, on any kernels backend. */
export { type Layer, type LayerContext, rowsOf } from './layer.js';
export { RowBuffer } from './row-buffer.js';
export { RowScaler } from './row-scale.js';
export { createParameter, freeParameter, type ParameterOptions } from './parameters.js';
export { fans, initTensor, SeedSequence, type InitScheme } from './init.js';
export { Linear, type LinearOptions } from './linear.js';
export { BatchNorm1d, type BatchNormOptions } from './batchnorm.js';
export { ReLU } from './relu.js';
export { Dropout } from './dropout.js';
export { Sequential } from './sequential.js';
export { buildMlp, type MlpOptions } from './mlp.js';
export { CrossNetMix, type CrossNetMixOptions, type GateActivation } from './cross-mix.js';
