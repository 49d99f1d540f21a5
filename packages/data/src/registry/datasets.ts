/** The datasets lers knows: where they come from, their format, licence and how to obtain them. */

/** Source formats the readers understand. */
export type DatasetFormat = 'lightgcn' | 'movielens-udata' | 'movielens-dat' | 'movielens-csv' | 'criteo-tsv' | 'avazu-csv' | 'synthetic';

/** One file of a dataset. */
export interface RegistryFile {
  /** Local file name inside the dataset's download folder. */
  name: string;
  /** Public URL, or null for files that must be placed manually. */
  url: string | null;
  /** Expected sha256 when the content is fixed (a commit-pinned URL); null when it is not pinned. */
  sha256: string | null;
  /** Size in bytes when known. */
  bytes?: number;
  /** For archives: the member to extract and the name to give it. */
  extract?: { member: string; as: string };
}

/** A known dataset. */
export interface RegistryEntry {
  name: string;
  task: 'cf' | 'ctr';
  format: DatasetFormat;
  description: string;
  files: RegistryFile[];
  license: string;
  /** Set when the licence requires a manual download: where to get it and what to do. */
  manual?: { page: string; instructions: string };
}

const LIGHTGCN_RAW = 'https://raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data';
const LIGHTGCNPP_RAW = 'https://raw.githubusercontent.com/geon0325/LightGCNpp/a394f79a7aceb8f485f6bcb549b4865fe83f1d49/data';
const GROUPLENS = 'https://files.grouplens.org/datasets/movielens';
const GROUPLENS_TERMS =
  'GroupLens terms: research use, cite Harper & Konstan (2015), no endorsement, no redistribution without permission, no commercial use.';

function lightgcnFiles(base: string, splits: string[], sha256: Record<string, string> = {}, bytes: Record<string, number> = {}): RegistryFile[] {
  return splits.map((s) => ({ name: `${s}.txt`, url: `${base}/${s}.txt`, sha256: sha256[s] ?? null, ...(bytes[s] ? { bytes: bytes[s] } : {}) }));
}

/** Every dataset the registry knows. */
export const DATASETS: readonly RegistryEntry[] = [
  {
    name: 'gowalla',
    task: 'cf',
    format: 'lightgcn',
    description: 'Gowalla check-ins, LightGCN split: 29,858 users, 40,981 items, 1,027,370 interactions (no valid file: carve 9% of train).',
    files: lightgcnFiles(`${LIGHTGCN_RAW}/gowalla`, ['train', 'test']),
    license: 'Research use; from the LightGCN repositories (no explicit licence). Branch URLs: sha256 not pinned, recorded in the manifest.',
  },
  {
    name: 'yelp2018',
    task: 'cf',
    format: 'lightgcn',
    description: 'Yelp 2018 challenge, LightGCN split: 31,668 users, 38,048 items, 1,561,406 interactions.',
    files: lightgcnFiles(`${LIGHTGCN_RAW}/yelp2018`, ['train', 'test']),
    license: 'Yelp Dataset terms (research, non-commercial). Branch URLs: sha256 not pinned.',
  },
  {
    name: 'amazon-book',
    task: 'cf',
    format: 'lightgcn',
    description: 'Amazon-book, LightGCN split: 52,643 users, 91,599 items, 2,984,108 interactions.',
    files: lightgcnFiles(`${LIGHTGCN_RAW}/amazon-book`, ['train', 'test']),
    license: 'Amazon review data (McAuley et al.), research use. Branch URLs: sha256 not pinned.',
  },
  {
    name: 'ml-1m-lightgcn',
    task: 'cf',
    format: 'lightgcn',
    description: 'MovieLens-1M (ratings >= 3), LightGCN++ train/valid/test: 6,039 users, 3,628 items.',
    files: lightgcnFiles(
      `${LIGHTGCNPP_RAW}/ml-1m`,
      ['train', 'valid', 'test'],
      {
        train: 'dfa3a7a866feade29ca5722ac0423c1b0317ac1f6ad38a55fc1a7ceeb9cee3bb',
        valid: '429fe0d750b304677898d7eeb1080764bbf06550b94c9508b8cc8cd0573e3dfc',
        test: '0d58f78bbf606f401aec2efe3f519b945c458c8398955f986e03b880fbbd16a6',
      },
      { train: 2499831, valid: 367878, test: 718939 },
    ),
    license: GROUPLENS_TERMS,
  },
  {
    name: 'lastfm-lightgcn',
    task: 'cf',
    format: 'lightgcn',
    description: 'Last.fm (HetRec 2011), LightGCN++ train/valid/test: 1,885 users, 17,388 items (14% cold test items).',
    files: lightgcnFiles(
      `${LIGHTGCNPP_RAW}/lastfm`,
      ['train', 'valid', 'test'],
      {
        train: '1845769cb1a9834692d3cf884de523d23aa126fa6b58eb5f49e9628e8c317705',
        valid: '9ae3440becfcbba19d5a5a8298b7933126f89424a468de5765bf1c6f08a9e3eb',
        test: '0f0a15e3de2f868554ee1e32190c51db3e0ad0c4138e1428c66ba6de86102755',
      },
      { train: 300863, valid: 50860, test: 93806 },
    ),
    license: 'HetRec 2011 / Last.fm terms, research use; no explicit redistribution licence.',
  },
  {
    name: 'ml-100k',
    task: 'cf',
    format: 'movielens-udata',
    description: 'MovieLens 100K: 943 users, 1,682 movies, 100,000 ratings (u.data).',
    files: [{ name: 'ml-100k.zip', url: `${GROUPLENS}/ml-100k.zip`, sha256: null, extract: { member: 'ml-100k/u.data', as: 'u.data' } }],
    license: GROUPLENS_TERMS,
  },
  {
    name: 'ml-1m',
    task: 'cf',
    format: 'movielens-dat',
    description: 'MovieLens 1M: 6,040 users, 3,706 movies, 1,000,209 ratings (ratings.dat, "::").',
    files: [{ name: 'ml-1m.zip', url: `${GROUPLENS}/ml-1m.zip`, sha256: null, extract: { member: 'ml-1m/ratings.dat', as: 'ratings.dat' } }],
    license: GROUPLENS_TERMS,
  },
  {
    name: 'ml-latest-small',
    task: 'cf',
    format: 'movielens-csv',
    description: 'MovieLens latest-small: 610 users, 9,724 movies, 100,836 ratings (ratings.csv, CRLF).',
    files: [
      { name: 'ml-latest-small.zip', url: `${GROUPLENS}/ml-latest-small.zip`, sha256: null, extract: { member: 'ml-latest-small/ratings.csv', as: 'ratings.csv' } },
    ],
    license: GROUPLENS_TERMS.replace('no redistribution without permission', 'redistribution under the same terms'),
  },
  {
    name: 'criteo-kaggle',
    task: 'ctr',
    format: 'criteo-tsv',
    description: 'Criteo Display Advertising Challenge (Kaggle 2014) train.txt: 45,840,617 rows, label + 13 integer + 26 categorical fields.',
    files: [{ name: 'train.txt', url: null, sha256: null }],
    license: 'CC BY-NC-SA 4.0 (Criteo AI Lab): attribution, non-commercial, share-alike.',
    manual: {
      page: 'https://www.kaggle.com/c/criteo-display-ad-challenge/data',
      instructions:
        'Criteo distributes this dataset behind a licence click-through. Download dac.tar.gz from the Kaggle competition page ' +
        '(or the Criteo AI Lab datasets page, https://ailab.criteo.com/ressources/), extract train.txt ' +
        '(or gzip it to train.txt.gz; both are read), and place it at the path below, then run the command again.',
    },
  },
  {
    name: 'avazu',
    task: 'ctr',
    format: 'avazu-csv',
    description: 'Avazu CTR Prediction (Kaggle 2014) train: 40,428,967 rows, click + 22 feature columns.',
    files: [{ name: 'train.csv', url: null, sha256: null }],
    license: "Kaggle competition rules (research, non-commercial); no open licence.",
    manual: {
      page: 'https://www.kaggle.com/c/avazu-ctr-prediction/data',
      instructions:
        'Avazu is only available from Kaggle after accepting the competition rules. Sign in, accept the rules, download ' +
        'train.gz, decompress it to train.csv (or keep it gzipped as train.csv.gz), place it at the path below, then run the command again.',
    },
  },
  {
    name: 'criteo-sample',
    task: 'ctr',
    format: 'criteo-tsv',
    description: 'First 10,000 lines of Criteo Kaggle train.txt (2,182 positives), commit-pinned copy.',
    files: [
      {
        name: 'train.txt',
        url: 'https://raw.githubusercontent.com/Lapis-Hong/Wide-ResDNN/bec3c121c190f42c64823b07b07c0b7eae3e59ca/data/sample.train',
        sha256: 'f665bb8823fd742ea1b8602d70918f235ccc08eba3224f1621c11022721c21a3',
        bytes: 2422799,
      },
    ],
    license: 'CC BY-NC-SA 4.0 (Criteo AI Lab).',
  },
  {
    name: 'avazu-sample',
    task: 'ctr',
    format: 'avazu-csv',
    description: 'First 8,999 rows of Avazu train (with header), commit-pinned copy.',
    files: [
      {
        name: 'train.csv',
        url: 'https://raw.githubusercontent.com/Lapis-Hong/Wide-ResDNN/bd35aa733b683b8842daae297d1073e5d46f0eb3/data/avazu/train',
        sha256: '0ad2f8bc25d000a4e5120413ccb1a1b329387091ba0ceb5a342ea0ffe236dad4',
        bytes: 1394364,
      },
    ],
    license: "Kaggle competition rules (research, non-commercial).",
  },
  {
    name: 'synthetic-cf',
    task: 'cf',
    format: 'synthetic',
    description: 'Generated in memory (generateSyntheticCf): low-rank preferences, power-law item popularity. No download.',
    files: [],
    license: 'Generated; no restrictions.',
  },
  {
    name: 'synthetic-ctr',
    task: 'ctr',
    format: 'synthetic',
    description: 'Generated in memory (generateSyntheticCtr): Zipf fields, planted logistic + FM labels. No download.',
    files: [],
    license: 'Generated; no restrictions.',
  },
];

/** The entry of a known dataset; throws a RangeError listing the known names otherwise. */
export function getDatasetEntry(name: string): RegistryEntry {
  const entry = DATASETS.find((d) => d.name === name);
  if (!entry) throw new RangeError(`unknown dataset "${name}"; known: ${DATASETS.map((d) => d.name).join(', ')}`);
  return entry;
}
