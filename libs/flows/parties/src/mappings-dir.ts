import { join } from 'node:path';

/**
 * The folder of the parties' mapping documents (`patient-to-client`, `group-to-group`). In the source tree it is
 * `libs/flows/parties/mappings`; in a mediator image, whose bundle sits in `dist/`, it is the image's `mappings/`
 * folder (the image's `assets.mappings` in `docker/images.json` copies this folder there).
 */
export const PARTY_MAPPINGS_DIR: string = join(__dirname, '..', 'mappings');
