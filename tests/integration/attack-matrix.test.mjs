// attack-matrix.test.mjs - issue 3's attack matrix against the embedded
// store (the suite is lib/attack-matrix.mjs; upstream-attack-matrix.test.mjs
// runs the same one in upstream mode).
import { attackMatrix } from './lib/attack-matrix.mjs';

attackMatrix();
