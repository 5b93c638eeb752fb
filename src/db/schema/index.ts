export * from './organizations.js';
export * from './catalog.js';
export * from './subjects.js';
export * from './records.js';
export * from './access-events.js';
export * from './grants.js';
export * from './measures.js';
export * from './subject-rights.js';
