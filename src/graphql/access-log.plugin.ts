import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../context/request-context.js';
import { writeDisclosures } from '../modules/access-log/access-log.service.js';
import type { Logger } from '../logging.js';

/** L2: the answer that replaces one whose disclosures could not be stored (status 503, no data at all). */
export const AUDIT_UNAVAILABLE_ANSWER = {
  status: 503,
  errors: [{ message: 'The access log could not be written; no data was disclosed.', extensions: { code: 'AUDIT_UNAVAILABLE' } }],
} as const;

/**
 * SPEC L1/L2: stores the events of every subject the answer disclosed, in one append. False when they cannot be
 * stored (logged, and the request line says AUDIT_UNAVAILABLE): the answer must then be withheld.
 */
export async function disclosuresStored(context: RequestContext, logger: Logger): Promise<boolean> {
  try {
    await writeDisclosures(context);
    return true;
  } catch (error) {
    logger.error('access log append failed; response withheld', { requestId: context.requestId, error });
    context.trace.errorCodes = ['AUDIT_UNAVAILABLE'];
    return false;
  }
}

/**
 * SPEC L1/L2 for Apollo's answers: when a response is ready, its disclosures are stored (disclosuresStored); if they
 * cannot be, the response is replaced by AUDIT_UNAVAILABLE and carries no data at all. The compiled path
 * (src/graphql/compiled.ts, src/server.ts) does the same with the same function.
 */
export function accessLogPlugin(logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (await disclosuresStored(contextValue, logger)) return;
          response.http.status = AUDIT_UNAVAILABLE_ANSWER.status;
          response.body = { kind: 'single', singleResult: { errors: [...AUDIT_UNAVAILABLE_ANSWER.errors] } };
        },
      };
    },
  };
}
