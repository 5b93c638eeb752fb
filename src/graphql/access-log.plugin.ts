import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../context/request-context.js';
import { writeDisclosures } from '../modules/access-log/access-log.service.js';
import type { Logger } from '../logging.js';

/**
 * SPEC L1/L2: when a response is ready, the events of every subject it disclosed are stored in one append;
 * if they cannot be stored, the response is replaced by AUDIT_UNAVAILABLE and carries no data at all.
 */
export function accessLogPlugin(logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          try {
            await writeDisclosures(contextValue);
          } catch (error) {
            logger.error('access log append failed; response withheld', { requestId: contextValue.requestId, error });
            response.http.status = 503;
            contextValue.trace.errorCodes = ['AUDIT_UNAVAILABLE'];
            response.body = {
              kind: 'single',
              singleResult: {
                errors: [{ message: 'The access log could not be written; no data was disclosed.', extensions: { code: 'AUDIT_UNAVAILABLE' } }],
              },
            };
          }
        },
      };
    },
  };
}
