import { SettingsError } from '../settings/errors.js';
import { BACKBONES, type BackboneName } from '../settings/settings.js';
import { dcnMixDefinition, deepFmDefinition } from './ctr.js';
import type { BackboneDefinition } from './definition.js';
import { lightGcnDefinition } from './lightgcn.js';

/** Every backbone, by name (a new backbone is one file plus one line here and in BACKBONES). */
const DEFINITIONS: Readonly<Record<BackboneName, BackboneDefinition>> = {
  lightgcn: lightGcnDefinition,
  deepfm: deepFmDefinition,
  dcnmix: dcnMixDefinition,
};

/** The definition of a backbone by name (a SettingsError for an unknown one). */
export function backboneDefinition(name: string): BackboneDefinition {
  const d = (DEFINITIONS as Record<string, BackboneDefinition | undefined>)[name];
  if (d === undefined) throw new SettingsError(`unknown backbone "${name}" (known: ${BACKBONES.join(', ')})`);
  return d;
}
