import { randomUUID } from "node:crypto";
import { z } from "zod";
import { AppError, isAppError } from "@/lib/errors/app-error";
import { log } from "@/lib/log";

/** JSON error body of every /api route: `{ error: { code, message, fields?, requestId } }`. */
export function errorResponse(e: unknown, requestId: string = randomUUID()): Response {
  if (e instanceof z.ZodError) {
    const fields = Object.fromEntries(e.issues.map((i) => [i.path.join(".") || "(body)", i.message]));
    const message = e.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    return Response.json({ error: { code: "INVALID", message, fields, requestId } }, { status: 400 });
  }
  if (isAppError(e)) {
    return Response.json(
      { error: { code: e.code, message: e.message, ...(e.details?.fields ? { fields: e.details.fields } : {}), requestId } },
      { status: e.httpStatus },
    );
  }
  log.error({ err: e, requestId }, "unexpected error in API route");
  return Response.json(
    { error: { code: "INTERNAL", message: "Something went wrong on our side. Quote this request id if you report it.", requestId } },
    { status: 500 },
  );
}

/** Parses a JSON body with a zod schema; malformed JSON is an INVALID AppError, not a 500. */
export async function parseJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  return parseJsonText(await request.text(), schema);
}

/** parseJsonBody for a body already read (e.g. read before waiting in a queue, parsed after). */
export function parseJsonText<T extends z.ZodType>(text: string, schema: T): z.infer<T> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("INVALID", "The request body must be valid JSON.");
  }
  return schema.parse(body);
}
