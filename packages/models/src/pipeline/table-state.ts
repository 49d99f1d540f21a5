import type { EmbeddingTable } from '@lers/embeddings';
import { CheckpointError } from '../train/errors.js';
import type { ExtraTrainState } from '../train/extra-state.js';
import { artifactType, fromSection, toSection, type ArtifactEntry } from './artifacts.js';

/** How one table's state is listed in a checkpoint header. */
interface TableStateEntry {
  readonly header: Record<string, unknown>;
  readonly sections: ArtifactEntry[];
}

/**
 * The training state of every table that keeps one (PEP's and CERP's captures, OptEmbed's sampling
 * stream) as train()'s extra checkpoint state, by table name: each table's header under its name,
 * its sections as `<table>/<section>` (u8 and i32 stored byte for byte). Null when no table has any.
 */
export function tablesTrainState(tables: Readonly<Record<string, EmbeddingTable>>): ExtraTrainState | null {
  const stateful = Object.entries(tables).filter(([, t]) => t.trainingState !== undefined && t.restoreTrainingState !== undefined);
  if (stateful.length === 0) return null;
  return {
    save() {
      const header: Record<string, TableStateEntry> = {};
      const sections: Record<string, Float32Array> = {};
      for (const [name, table] of stateful) {
        const state = table.trainingState!();
        const entries = Object.entries(state.sections);
        header[name] = { header: state.header, sections: entries.map(([key, a]) => ({ name: key, type: artifactType(a), length: a.length })) };
        for (const [key, a] of entries) sections[`${name}/${key}`] = toSection(a);
      }
      return { header, sections };
    },
    restore(header, sections) {
      const saved = (header ?? {}) as Record<string, TableStateEntry | undefined>;
      for (const [name, table] of stateful) {
        const entry = saved[name];
        if (entry === undefined) throw new CheckpointError(`checkpoint: no training state for table "${name}"`);
        const own: Record<string, Float32Array | Int32Array | Uint8Array> = {};
        for (const s of entry.sections) {
          const section = sections[`${name}/${s.name}`];
          if (section === undefined) throw new CheckpointError(`checkpoint: table "${name}" state section "${s.name}" is missing`);
          own[s.name] = fromSection(s, section);
        }
        table.restoreTrainingState!({ header: entry.header, sections: own });
      }
    },
  };
}
