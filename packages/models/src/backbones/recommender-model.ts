import type { Dataset } from '@lers/data';
import type { EmbeddingTable, Parameter } from '@lers/embeddings';
import type { Batch, Model } from '../model.js';
import type { BackboneName } from '../settings/settings.js';

/**
 * A recommender as model files, compression and serving see it: a trainable Model that says which
 * backbone it is, which embedding tables it has and which other parameters, so that code above it
 * never asks for a concrete class.
 */
export interface RecommenderModel<B = Batch> extends Model<B> {
  readonly backbone: BackboneName;
  readonly dataset: Dataset;
  /** The embedding tables by name (LightGCN: `user`, `item`; DeepFM / DCN-Mix: `embedding`). */
  embeddingTables(): Readonly<Record<string, EmbeddingTable>>;
  /** The trainable parameters that are not the tables' (the dense head's weights; none for LightGCN). */
  denseParameters(): readonly Parameter[];
}
