/** Backbones as the layers above the models see them: one definition each, one registry. */
export type { RecommenderModel } from './recommender-model.js';
export type { BackboneDefinition, TableShape } from './definition.js';
export { backboneDefinition } from './registry.js';
export { lightGcnConfig, GRAPH_INDPTR, GRAPH_INDICES, USER_IDS, ITEM_IDS } from './lightgcn.js';
