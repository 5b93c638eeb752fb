import { DEMO_CAST } from '../db/seed/demo.js';
import { signToken } from './tokens.js';

/** A ready token for each role, for the demo data set (printed at start when the secret was generated). */
export function demoTokens(secret: string): { label: string; variable: string; role: string; token: string }[] {
  const make = (label: string, variable: string, claims: Parameters<typeof signToken>[0]) =>
    ({ label, variable, role: claims.role, token: signToken(claims, secret) });
  return [
    make('department', 'DEPARTMENT_TOKEN', { sub: 'officer-0001', role: 'department', org: DEMO_CAST.departments[0] }),
    make('agency', 'AGENCY_TOKEN', { sub: 'analyst-0001', role: 'agency', org: DEMO_CAST.agencies[0] }),
    make('subject (enterprise)', 'ENTERPRISE_TOKEN', { sub: 'enterprise-user', role: 'subject', subject: DEMO_CAST.enterprise }),
    make('subject (individual)', 'CITIZEN_TOKEN', { sub: 'citizen-0001', role: 'subject', subject: DEMO_CAST.individual }),
    make('auditor', 'AUDITOR_TOKEN', { sub: 'auditor-0001', role: 'auditor', org: DEMO_CAST.auditOffices[0] }),
    make('admin', 'ADMIN_TOKEN', { sub: 'admin-0001', role: 'admin', org: 'PLATFORM' }),
    make('exchange (provincial platform)', 'EXCHANGE_TOKEN', { sub: 'gd-province-sync', role: 'exchange', org: DEMO_CAST.peerPlatforms[0] }),
  ];
}
