/**
 * @lers/advisor: which compression method to ship on this device. Read a `lers bench`
 * results.json, measure the candidates' models here (`measureRecommender`; stand-ins of the same
 * structure when their files are elsewhere), give memory and latency budgets, and `advise` picks
 * the most accurate method that fits, with the trade-off in plain sentences.
 */
export { parseBenchResults, cellGroups, cellMetric, cellLabel, taskOfCell, type BenchCell, type BenchResults, type CellGroup } from './results.js';
export { candidateSets, type Candidate, type CandidateSet, type GroupFilter, type SkippedCell } from './candidates.js';
export { measureRecommender, requestLatencyMs, PROFILE_LOAD_OPTIONS, QUICK_PROFILE, type DeviceProfile } from './device-profile.js';
export { advise, type Advice, type AdviceRow, type AdviseOptions, type Budget, type ProfilesById } from './advise.js';
export { explain, metricTitle } from './explain.js';
export { paretoFront, paretoFrontBy, dominates, type Criterion, type ParetoPoint } from './pareto.js';
export { shapeOfCell, shapeDataset, standInModel, standInUnavailable, type DatasetShape } from './stand-in.js';
export { formatBytes, formatMs, parseBytes, parseMs } from './units.js';
export { AdviceInputError } from './errors.js';
