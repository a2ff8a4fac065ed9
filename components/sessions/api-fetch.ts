/** Browser-side JSON calls to /api/v1 that turn the API's error body into an Error with fields. */
export class ApiCallError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function apiFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { ...init, headers: { "Content-Type": "application/json", ...(init.headers ?? {}) }, cache: "no-store" });
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string; fields?: Record<string, string> } };
  if (!res.ok) throw new ApiCallError(body.error?.message ?? `Request failed (${res.status})`, res.status, body.error?.fields ?? {});
  return body as T;
}
