/** The bench results the Results and Advisor views share (loaded in either, seen by both). */
import { parseBenchResults, type BenchResults } from '@lers/advisor';
import { fetchBytes } from './ui/files.js';

/** A results file and its name. */
export interface LoadedResults {
  readonly name: string;
  readonly results: BenchResults;
}

/** The results shipped with the app: `lers bench --quick` on the embedded synthetic data. */
export const EMBEDDED_RESULTS = 'demo/results-synthetic-quick.json';

type Listener = (r: LoadedResults) => void;

class ResultsStore {
  private value: LoadedResults | null = null;
  private readonly listeners: Listener[] = [];

  get current(): LoadedResults | null {
    return this.value;
  }

  /** Parses a results file's bytes (an AdviceInputError naming the file and cell when malformed) and shares it. */
  load(name: string, bytes: Uint8Array): LoadedResults {
    const results = parseBenchResults(new TextDecoder().decode(bytes), name);
    this.value = { name, results };
    for (const l of this.listeners) l(this.value);
    return this.value;
  }

  /** Fetches and loads the embedded results. */
  async loadEmbedded(): Promise<LoadedResults> {
    const f = await fetchBytes(EMBEDDED_RESULTS);
    return this.load(`${f.name} (embedded)`, f.bytes);
  }

  onChange(l: Listener): void {
    this.listeners.push(l);
  }
}

export const resultsStore = new ResultsStore();
