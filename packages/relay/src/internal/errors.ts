// The relay's own answers, in the error format of the distribution API
// (https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#error-codes), so that a client
// reports them like a registry's.

/** A JSON error answer. */
export function errorResponse(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ errors: [{ code, message }] }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}
