// The retry loop of a transport's hop, written once for every transport: the policy (retry-policy.ts) decides what
// is retried and how long to wait; this counts the attempts, lets a failed answer go, and waits under the caller's
// signal. The transport brings the attempt (one exchange) and what its answers are.
import type { OciError } from "./errors.js";
import { decideRetry, type RetryPolicy } from "./retry-policy.js";
import { type FailureContext, transportError } from "./transport-failure.js";

/** What {@link retryLoop} runs. */
export interface RetryLoop<A extends { status: number; headers: Headers }> {
  /** The transport's retry settings. */
  retry: RetryPolicy;
  /** Whether the request may be re-sent at all (`isRetryable`: an idempotent method, a replayable body). */
  retryable: boolean;
  /** The request, for errors; its signal cuts a wait short. */
  context: FailureContext;
  /** One attempt. What it throws becomes a transport error (`transportError`). */
  attempt(): Promise<A>;
  /** Lets a failed answer go before the wait (its body read or cancelled, so its connection can be reused). */
  discard(answer: A): Promise<void>;
  /**
   * Whether a failure is sent again at once, whatever the method, without counting as a retry; asked once per
   * request (a pooled connection the server had closed: the request never reached it).
   * @default never
   */
  resendOnce?(failure: OciError): boolean;
}

/** Runs attempts until one answers with a status that is not retried, or the policy gives up; resolves with it. */
export async function retryLoop<A extends { status: number; headers: Headers }>(loop: RetryLoop<A>): Promise<A> {
  const { retry, retryable, context } = loop;
  let resent = false;
  for (let retryCount = 1; ; retryCount++) {
    let answer: A;
    try {
      answer = await loop.attempt();
    } catch (error) {
      const failure = transportError(error, context);
      if (!resent && loop.resendOnce?.(failure)) {
        resent = true;
        retryCount--;
        continue;
      }
      if (!retryable || retryCount > retry.limit || failure.code !== "NETWORK") throw failure;
      const decision = decideRetry({ networkError: true }, retryCount, retry);
      if (!decision.retry) throw failure;
      await retryWait(decision.delay, context);
      continue;
    }
    if (retryable && retryCount <= retry.limit && retry.statusCodes.includes(answer.status)) {
      const decision = decideRetry({ response: answer }, retryCount, retry);
      if (decision.retry) {
        await loop.discard(answer);
        await retryWait(decision.delay, context);
        continue;
      }
    }
    return answer;
  }
}

/** Waits `ms`, or rejects with ABORTED as soon as the caller's signal (`context.signal`) fires. */
function retryWait(ms: number, context: FailureContext): Promise<void> {
  const { signal } = context;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(transportError(signal.reason, context));
    const onAbort = () => {
      clearTimeout(timer);
      reject(transportError(signal?.reason, context));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
