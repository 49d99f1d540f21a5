import { DataFormatError, DataOptionError } from '../errors.js';
import { CRITEO_FIELD_NAMES, CRITEO_INTEGER_FIELDS } from './criteo-format.js';

/** What each column of a CTR file with a header is: the label, dense (numeric) or sparse (categorical) features, or read past. */
export interface CtrColumnRoles {
  label: string;
  dense: string[];
  sparse: string[];
  ignore: string[];
}

/**
 * Column roles as a user gives them: column names, each list a comma-separated string (or an
 * array) whose items may be ranges such as `I1-I13`. Without `sparse`, every column not named
 * elsewhere is sparse; without `label`, a column named `label`, `click`, `target` or `y`.
 */
export interface CtrRoleSpec {
  label?: string;
  dense?: string | readonly string[];
  sparse?: string | readonly string[];
  ignore?: string | readonly string[];
}

/** Label column names taken without a `label` option, in order of preference. */
const LABEL_NAMES = ['label', 'click', 'target', 'y'];
const RANGE = /^(.*?)(\d+)-\1(\d+)$/;

/** The roles of Criteo's columns (`label, I1..I13, C1..C26`) when a file names them in a header. */
export const CRITEO_HEADER_ROLES: CtrColumnRoles = {
  label: 'label',
  dense: CRITEO_FIELD_NAMES.slice(0, CRITEO_INTEGER_FIELDS),
  sparse: CRITEO_FIELD_NAMES.slice(CRITEO_INTEGER_FIELDS),
  ignore: [],
};

/** Whether a header is Criteo's columns (label, I1..I13, C1..C26, any order, nothing else). */
export function isCriteoHeader(columns: readonly string[]): boolean {
  const want = new Set(['label', ...CRITEO_FIELD_NAMES]);
  return columns.length === want.size && columns.every((c) => want.has(c)) && new Set(columns).size === columns.length;
}

/** Whether some role is given (a header without known layout needs them). */
export function hasRoles(spec: CtrRoleSpec): boolean {
  return spec.label !== undefined || spec.dense !== undefined || spec.sparse !== undefined || spec.ignore !== undefined;
}

/**
 * Column names of a role list: comma-separated items, `P<a>-P<b>` expanded to `Pa, Pa+1, .., Pb`
 * (same prefix; `I1-I13`, `C01-C26` keeps the zero padding when both ends have it).
 */
export function expandColumnList(list: string | readonly string[]): string[] {
  const items = (typeof list === 'string' ? [list] : [...list]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  const out: string[] = [];
  for (const item of items) {
    const m = RANGE.exec(item);
    if (m === null) {
      out.push(item);
      continue;
    }
    const [, prefix, a, b] = m;
    const from = Number(a);
    const to = Number(b);
    if (to < from || to - from > 100_000) throw new DataOptionError(`column range ${JSON.stringify(item)}: the end must not be before the start`);
    const width = a.length === b.length && a.startsWith('0') ? a.length : 0;
    for (let v = from; v <= to; v++) out.push(`${prefix}${String(v).padStart(width, '0')}`);
  }
  return out;
}

/**
 * Matches roles to a header (`file`'s line `lineNo`): every named column must exist, a column has
 * at most one role, every column has one (unnamed columns are sparse when `sparse` is not given),
 * there is a label and at least one feature. Throws `DataFormatError` naming the header line.
 */
export function resolveRoles(header: readonly string[], spec: CtrRoleSpec, file: string, lineNo: number): CtrColumnRoles {
  const fail = (value: string, reason: string): never => {
    throw new DataFormatError(file, lineNo, value, reason);
  };
  const repeated = header.filter((c, k) => header.indexOf(c) !== k);
  if (repeated.length > 0) fail(repeated.join(','), 'repeated column names in the header');
  const known = new Set(header);
  const label = spec.label ?? LABEL_NAMES.find((n) => known.has(n)) ?? fail(header.join(','), `no label column (none named ${LABEL_NAMES.join(', ')}): set label=<column>`);
  if (!known.has(label)) fail(label, `missing label column: the header has no column "${label}"`);
  const dense = spec.dense === undefined ? [] : expandColumnList(spec.dense);
  const ignore = spec.ignore === undefined ? [] : expandColumnList(spec.ignore);
  const named = new Map<string, string>([[label, 'label']]);
  for (const [role, list] of [['dense', dense], ['ignore', ignore]] as const) {
    for (const c of list) {
      if (!known.has(c)) fail(c, `${role} column "${c}" is not in the header`);
      if (named.has(c)) fail(c, `column "${c}" is both ${named.get(c)} and ${role}`);
      named.set(c, role);
    }
  }
  let sparse: string[];
  if (spec.sparse === undefined) {
    sparse = header.filter((c) => !named.has(c));
  } else {
    sparse = expandColumnList(spec.sparse);
    for (const c of sparse) {
      if (!known.has(c)) fail(c, `sparse column "${c}" is not in the header`);
      if (named.has(c)) fail(c, `column "${c}" is both ${named.get(c)} and sparse`);
      named.set(c, 'sparse');
    }
    const unassigned = header.filter((c) => !named.has(c));
    if (unassigned.length > 0) fail(unassigned.join(','), 'columns without a role: list them under sparse, dense or ignore');
  }
  if (dense.length + sparse.length === 0) fail(header.join(','), 'no feature columns');
  // Keep the header's order within each role.
  const inFileOrder = (list: string[]): string[] => header.filter((c) => list.includes(c));
  return { label, dense: inFileOrder(dense), sparse: inFileOrder(sparse), ignore: inFileOrder(ignore) };
}
