// The command-start suite against the fallback backend (Node's spawn, src/process/spawnBackend.ts).
import { commandStarterSuite } from './commandStarterSuite.js';

commandStarterSuite('node');
