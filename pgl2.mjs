import { PGlite } from '@electric-sql/pglite';
let t=Date.now(); const db = new PGlite(); await db.waitReady; console.log('ready', Date.now()-t);
t=Date.now(); const d2 = await db.clone?.(); console.log('clone', Date.now()-t, !!d2);
