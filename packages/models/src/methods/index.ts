/** The method registry: every compression method, with its pipeline where it has one. */
export type { MethodPipeline, MethodRecipe, MethodRegistration } from './registration.js';
export { createTable, loadModelTable, loadTable, methodNamed, methodNames, methodRegistrations, registerMethod, solveBudget } from './registry.js';
