export { generateModule } from './generateModule.js';
export type { GenerateOptions } from './generateModule.js';
export { TypeWriter } from './tsTypes.js';
