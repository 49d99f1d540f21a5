/**
 * Run state outside the parameters, model buffers and optimizer that a checkpoint must keep for
 * an exact resume (e.g. a mask search's captured masks, a supernet's sampling stream): `train`
 * saves it with every checkpoint and restores it when it resumes.
 */
export interface ExtraTrainState {
  /** The state now: a JSON-able header and raw f32 sections (other element types reinterpreted byte for byte). */
  save(): { readonly header: unknown; readonly sections: Readonly<Record<string, Float32Array>> };
  /** Restores what `save` returned. */
  restore(header: unknown, sections: Readonly<Record<string, Float32Array>>): void;
}
