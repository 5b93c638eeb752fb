import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
const db = new PGlite({ extensions: { pg_trgm } });
await db.exec('create extension if not exists pg_trgm');
console.log((await db.query(`select ((timestamptz '2024-02-29 10:00+08' at time zone 'Asia/Shanghai') + interval '1 year') at time zone 'Asia/Shanghai' as x, gen_random_uuid() u, version() v, 'abc' % 'abd' as sim`)).rows);
