/** Models in `.lers` files: saving a trained model, loading it back, its sizes and dataset shape. */
export { saveModel, type SaveInfo } from './save.js';
export { loadModel, type LoadedModel } from './load.js';
export { shellDataset, checkDatasetFits, checkedDatasetInfo, residentTrainGraph } from './shell.js';
export { datasetInfo, datasetInfoOf, settingsOf, type DatasetInfo } from './header.js';
export { tableSizes, type SizeInfo } from './sizes.js';
export { ModelContentError } from './errors.js';
export { LERS_VERSION, LIBRARY_VERSION } from './version.js';
