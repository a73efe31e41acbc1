/**
 * Verifying a signed decision, as a local activity: the keys the worker trusts live here, never in
 * workflow code or history; history records only the answer (who decided, or why not).
 */
import { verifyDecision, type DecisionContent, type DecisionTrust, type DecisionVerification } from '../decisions/signed-decisions';

/** What the workflow hands over: the signature and the decision it should cover. */
export interface VerifyDecisionParams {
  signature: string;
  content: DecisionContent;
}

export function createDecisionActivities(trust: () => Promise<DecisionTrust | undefined>) {
  return {
    /** Who signed the decision, or why it counts for nothing. Throws only when the keys cannot be had (a JWKS fetch): retried. */
    async verifyDecisionSignature(params: VerifyDecisionParams): Promise<DecisionVerification> {
      return verifyDecision(params.signature, params.content, await trust());
    },
  };
}
