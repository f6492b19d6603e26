// The command-start suite against the bash command shells (commandShells.ts).
import { commandStarterSuite } from './commandStarterSuite.js';

commandStarterSuite('bash');
